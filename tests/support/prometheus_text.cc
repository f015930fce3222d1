#include "support/prometheus_text.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <set>

namespace sd::testing::prom {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool is_name_char(char c, bool first, bool colon_ok) {
  bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon_ok && c == ':');
  return alpha || (!first && c >= '0' && c <= '9');
}

bool valid_name(std::string_view s, bool colon_ok) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!is_name_char(s[i], i == 0, colon_ok)) return false;
  return true;
}

/// One line being read, with the line number for errors.
class cursor {
 public:
  cursor(std::string_view s, std::size_t line) : _s(s), _line(line) {}
  [[noreturn]] void fail(const std::string& why) const {
    throw parse_error(_line, "line " + std::to_string(_line) + ": " + why + " in: " + std::string(_s));
  }
  bool done() const { return _pos >= _s.size(); }
  char peek() const { return done() ? '\0' : _s[_pos]; }
  void skip_blanks() {
    while (!done() && (_s[_pos] == ' ' || _s[_pos] == '\t')) ++_pos;
  }
  bool eat(char c) {
    if (peek() != c) return false;
    ++_pos;
    return true;
  }
  std::string_view take_name(bool colon_ok) {
    std::size_t start = _pos;
    while (!done() && is_name_char(_s[_pos], _pos == start, colon_ok)) ++_pos;
    return _s.substr(start, _pos - start);
  }
  std::string_view take_token() {
    std::size_t start = _pos;
    while (!done() && _s[_pos] != ' ' && _s[_pos] != '\t') ++_pos;
    return _s.substr(start, _pos - start);
  }
  std::string_view rest() {
    auto r = _s.substr(_pos);
    _pos = _s.size();
    return r;
  }
  std::size_t line() const { return _line; }

  std::string quoted_label_value() {
    if (!eat('"')) fail("label value must be quoted");
    std::string v;
    for (;;) {
      if (done()) fail("unterminated label value");
      char c = _s[_pos++];
      if (c == '"') return v;
      if (c == '\\') {
        if (done()) fail("backslash at end of label value");
        char e = _s[_pos++];
        if (e == '\\')
          v += '\\';
        else if (e == '"')
          v += '"';
        else if (e == 'n')
          v += '\n';
        else
          fail(std::string("invalid escape \\") + e + " in label value");
      } else {
        v += c;
      }
    }
  }

 private:
  std::string_view _s;
  std::size_t _pos = 0;
  std::size_t _line;
};

std::string unescape_help(cursor& c, std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    if (i + 1 >= text.size()) c.fail("backslash at end of HELP");
    char e = text[++i];
    if (e == '\\')
      out += '\\';
    else if (e == 'n')
      out += '\n';
    else
      c.fail(std::string("invalid escape \\") + e + " in HELP");
  }
  return out;
}

double parse_value(cursor& c, std::string_view tok) {
  if (tok == "+Inf") return HUGE_VAL;
  if (tok == "-Inf") return -HUGE_VAL;
  if (tok == "NaN") return std::nan("");
  if (tok.empty()) c.fail("missing value");
  // Decimal floats only: digits, one dot, an exponent. (strtod alone would also take hex, "inf", "nan".)
  std::size_t i = 0;
  if (tok[i] == '+' || tok[i] == '-') ++i;
  bool digits = false, dot = false;
  for (; i < tok.size() && ((tok[i] >= '0' && tok[i] <= '9') || tok[i] == '.'); ++i) {
    if (tok[i] == '.') {
      if (dot) c.fail("invalid value '" + std::string(tok) + "'");
      dot = true;
    } else {
      digits = true;
    }
  }
  if (!digits) c.fail("invalid value '" + std::string(tok) + "'");
  if (i < tok.size() && (tok[i] == 'e' || tok[i] == 'E')) {
    ++i;
    if (i < tok.size() && (tok[i] == '+' || tok[i] == '-')) ++i;
    bool exp_digits = false;
    for (; i < tok.size() && tok[i] >= '0' && tok[i] <= '9'; ++i) exp_digits = true;
    if (!exp_digits) c.fail("invalid exponent in '" + std::string(tok) + "'");
  }
  if (i != tok.size()) c.fail("invalid value '" + std::string(tok) + "'");
  std::string s(tok);
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) c.fail("invalid value '" + s + "'");
  return v;
}

std::int64_t parse_timestamp(cursor& c, std::string_view tok) {
  std::size_t i = (tok.size() > 0 && tok[0] == '-') ? 1 : 0;
  if (i == tok.size() || tok.size() > 20) c.fail("invalid timestamp '" + std::string(tok) + "'");
  for (std::size_t j = i; j < tok.size(); ++j)
    if (tok[j] < '0' || tok[j] > '9') c.fail("invalid timestamp '" + std::string(tok) + "'");
  errno = 0;
  std::string s(tok);
  long long v = std::strtoll(s.c_str(), nullptr, 10);
  if (errno == ERANGE) c.fail("timestamp out of range");
  return v;
}

struct family_state {
  family fam;
  bool has_type = false;
  bool has_help = false;
  bool closed = false;  // another family's line came after this one's samples
  std::size_t type_line = 0;
};

struct series_key {
  std::string name;
  label_set labels;
  auto operator<=>(const series_key&) const = default;
};

/// Histogram rules for one family, checked when the family is complete.
void check_histogram(const family& f, std::size_t end_line) {
  // Errors name the line where the family ended (its rules can only be judged once it is complete).
  const std::size_t line = end_line;
  auto fail = [&](const std::string& why) -> parse_error {
    return parse_error(line, "histogram ending at line " + std::to_string(line) + ": " + why);
  };
  struct group {
    std::vector<std::pair<double, double>> buckets;  // (le, count) in page order
    std::optional<double> sum, count;
  };
  std::map<label_set, group> groups;
  for (const auto& s : f.samples) {
    label_set base = s.labels;
    if (s.name == f.name + "_bucket") {
      auto le = base.find("le");
      if (le == base.end()) throw fail(f.name + ": _bucket sample without le");
      cursor c(le->second, line);
      double bound = parse_value(c, le->second);
      if (std::isnan(bound)) throw fail(f.name + ": le is NaN");
      base.erase("le");
      if (s.value < 0 || std::isnan(s.value) || s.value != std::floor(s.value))
        throw fail(f.name + ": bucket count is not a non-negative integer");
      groups[base].buckets.emplace_back(bound, s.value);
    } else if (s.name == f.name + "_sum") {
      if (base.contains("le")) throw fail(f.name + ": _sum with le");
      groups[base].sum = s.value;
    } else {  // _count (sample names were checked on the way in)
      if (base.contains("le")) throw fail(f.name + ": _count with le");
      groups[base].count = s.value;
    }
  }
  for (const auto& [labels, g] : groups) {
    const std::string who = f.name + " (labels " + std::to_string(labels.size()) + ")";
    if (g.buckets.empty()) throw fail(who + ": no _bucket samples");
    for (std::size_t i = 1; i < g.buckets.size(); ++i) {
      if (!(g.buckets[i].first > g.buckets[i - 1].first)) throw fail(who + ": le not ascending");
      if (g.buckets[i].second < g.buckets[i - 1].second) throw fail(who + ": bucket counts decrease");
    }
    if (!std::isinf(g.buckets.back().first) || g.buckets.back().first < 0)
      throw fail(who + ": last bucket is not le=\"+Inf\"");
    if (!g.sum) throw fail(who + ": _sum missing");
    if (!g.count) throw fail(who + ": _count missing");
    if (*g.count != g.buckets.back().second) throw fail(who + ": _count differs from the +Inf bucket");
  }
}

class parser {
 public:
  exposition run(std::string_view text) {
    if (!text.empty() && text.back() != '\n') throw parse_error(0, "the page does not end with a newline");
    std::size_t line_no = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
      std::size_t nl = text.find('\n', pos);
      std::string_view line = text.substr(pos, nl - pos);
      pos = nl + 1;
      ++line_no;
      _last_line = line_no;
      handle(cursor(line, line_no), line);
    }
    close_current();
    exposition out;
    for (auto& name : _order) out.families.push_back(std::move(_families.at(name).fam));
    return out;
  }

 private:
  void handle(cursor c, std::string_view line) {
    if (line.empty()) return;
    if (line.find('\r') != std::string_view::npos) c.fail("carriage return");
    if (line[0] == '#') {
      c.eat('#');
      c.skip_blanks();
      auto keyword = c.take_token();
      if (keyword != "HELP" && keyword != "TYPE") return;  // plain comment
      c.skip_blanks();
      auto name = c.take_name(true);
      if (name.empty() || !(c.done() || c.peek() == ' ' || c.peek() == '\t'))
        c.fail("invalid metric name in " + std::string(keyword));
      auto& st = declare(c, name);
      if (keyword == "HELP") {
        if (st.has_help) c.fail("second HELP for " + std::string(name));
        if (c.peek() == ' ' || c.peek() == '\t') c.eat(c.peek());
        st.fam.help = unescape_help(c, c.rest());
        st.has_help = true;
      } else {
        if (st.has_type) c.fail("second TYPE for " + std::string(name));
        if (!st.fam.samples.empty()) c.fail("TYPE after samples of " + std::string(name));
        c.skip_blanks();
        auto type = c.take_token();
        c.skip_blanks();
        if (!c.done()) c.fail("trailing text after TYPE");
        if (type != "counter" && type != "gauge" && type != "histogram" && type != "summary" &&
            type != "untyped")
          c.fail("unknown type '" + std::string(type) + "'");
        if (type == "counter" && !ends_with(name, "_total"))
          c.fail("counter " + std::string(name) + " must end in _total");
        st.fam.type = std::string(type);
        st.has_type = true;
        st.type_line = c.line();
      }
      return;
    }
    sample_line(c);
  }

  /// The state of family `name`, which becomes the current one (closing the previous).
  family_state& declare(cursor& c, std::string_view name) {
    auto it = _families.find(std::string(name));
    if (it != _families.end()) {
      if (it->second.closed)
        c.fail("family " + std::string(name) + " continues after another family (interleaved)");
    } else {
      // A new family may not take a name a histogram or summary already owns.
      for (auto suffix : {"_bucket", "_sum", "_count"}) {
        if (!ends_with(name, suffix)) continue;
        auto base = name.substr(0, name.size() - std::string_view(suffix).size());
        auto b = _families.find(std::string(base));
        if (b != _families.end() && (b->second.fam.type == "histogram" || b->second.fam.type == "summary"))
          c.fail(std::string(name) + " clashes with " + b->second.fam.type + " " + std::string(base));
      }
      it = _families.emplace(std::string(name), family_state{}).first;
      it->second.fam.name = std::string(name);
      _order.push_back(std::string(name));
    }
    if (_current != it->first) {
      close_current();
      _current = it->first;
    }
    return it->second;
  }

  void close_current() {
    if (_current.empty()) return;
    auto& st = _families.at(_current);
    st.closed = true;
    if (st.fam.type == "histogram") check_histogram(st.fam, _last_line);
  }

  void sample_line(cursor& c) {
    auto name = c.take_name(true);
    if (name.empty()) c.fail("invalid metric name");
    sample s;
    s.name = std::string(name);
    bool blank = c.peek() == ' ' || c.peek() == '\t';
    c.skip_blanks();
    if (c.eat('{')) {
      c.skip_blanks();
      while (!c.eat('}')) {
        auto ln = c.take_name(false);
        if (ln.empty() || !valid_name(ln, false)) c.fail("invalid label name");
        if (ln.starts_with("__")) c.fail("label name " + std::string(ln) + " is reserved");
        c.skip_blanks();
        if (!c.eat('=')) c.fail("expected = after label name");
        c.skip_blanks();
        auto v = c.quoted_label_value();
        if (!s.labels.emplace(std::string(ln), std::move(v)).second)
          c.fail("label " + std::string(ln) + " repeated");
        c.skip_blanks();
        if (c.eat(',')) {
          c.skip_blanks();
          continue;
        }
        if (c.peek() != '}') c.fail("expected , or } in labels");
      }
      blank = c.peek() == ' ' || c.peek() == '\t';
    }
    if (!blank) c.fail("expected a blank before the value");
    c.skip_blanks();
    s.value = parse_value(c, c.take_token());
    c.skip_blanks();
    if (!c.done()) {
      s.timestamp_ms = parse_timestamp(c, c.take_token());
      c.skip_blanks();
      if (!c.done()) c.fail("trailing text after the timestamp");
    }
    auto& st = declare(c, family_of(c, s.name));
    if (!st.has_type) c.fail("sample of " + st.fam.name + " without a # TYPE line before it");
    check_sample(c, st.fam, s);
    if (!_series.insert(series_key{s.name, s.labels}).second) c.fail("duplicate series " + s.name);
    st.fam.samples.push_back(std::move(s));
  }

  /// The family a sample name belongs to: itself, or the histogram/summary it is a part of.
  std::string family_of(cursor& c, const std::string& name) {
    if (_families.contains(name)) return name;
    for (auto suffix : {"_bucket", "_sum", "_count"}) {
      if (!ends_with(name, suffix)) continue;
      auto base = name.substr(0, name.size() - std::string_view(suffix).size());
      auto it = _families.find(base);
      if (it != _families.end() && (it->second.fam.type == "histogram" || it->second.fam.type == "summary")) {
        if (it->second.fam.type == "summary" && std::string_view(suffix) == "_bucket") break;
        return base;
      }
    }
    c.fail("sample " + name + " without a # TYPE line before it");
  }

  void check_sample(cursor& c, const family& f, const sample& s) {
    if (f.type == "counter") {
      if (s.name != f.name) c.fail("counter sample name differs from its family");
      if (std::isnan(s.value) || s.value < 0) c.fail("counter " + s.name + " is negative or NaN");
    } else if (f.type == "gauge" || f.type == "untyped") {
      if (s.name != f.name) c.fail("sample name differs from its family");
    } else if (f.type == "histogram") {
      if (s.name == f.name) c.fail("histogram " + f.name + " has a sample without _bucket/_sum/_count");
      if (s.name == f.name + "_bucket" && !s.labels.contains("le")) c.fail("_bucket sample without le");
      if (s.name != f.name + "_bucket" && s.labels.contains("le")) c.fail("le label outside _bucket");
      if (s.name == f.name + "_count" && (std::isnan(s.value) || s.value < 0)) c.fail("negative _count");
    } else if (f.type == "summary") {
      if (s.name == f.name && !s.labels.contains("quantile")) c.fail("summary sample without quantile");
    }
  }

  std::map<std::string, family_state> _families;
  std::vector<std::string> _order;
  std::string _current;
  std::set<series_key> _series;
  std::size_t _last_line = 0;
};

bool includes(const label_set& all, const label_set& subset) {
  for (const auto& [k, v] : subset) {
    auto it = all.find(k);
    if (it == all.end() || it->second != v) return false;
  }
  return true;
}

}  // namespace

const family* exposition::find_family(std::string_view name) const {
  for (const auto& f : families)
    if (f.name == name) return &f;
  return nullptr;
}

std::vector<const sample*> exposition::samples(std::string_view name) const {
  std::vector<const sample*> out;
  for (const auto& f : families)
    for (const auto& s : f.samples)
      if (s.name == name) out.push_back(&s);
  return out;
}

std::optional<double> exposition::value(std::string_view name, const label_set& labels) const {
  for (const auto* s : samples(name))
    if (s->labels == labels) return s->value;
  return std::nullopt;
}

double exposition::sum(std::string_view name, const label_set& subset) const {
  double total = 0;
  for (const auto* s : samples(name))
    if (includes(s->labels, subset)) total += s->value;
  return total;
}

exposition parse(std::string_view text) {
  return parser().run(text);
}

std::string parse_problem(std::string_view text) {
  try {
    parse(text);
    return "";
  } catch (const parse_error& e) {
    return e.what();
  }
}

}  // namespace sd::testing::prom
