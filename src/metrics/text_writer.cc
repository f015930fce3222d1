#include "metrics/text_writer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace sd::metrics {

namespace {

[[noreturn]] void violation(const std::string& what) {
  throw std::logic_error("metrics text_writer: " + what);
}

bool name_char(char c, bool first, bool colon_ok) {
  bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon_ok && c == ':');
  return alpha || (!first && c >= '0' && c <= '9');
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

void append_escaped_label_value(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

void append_escaped_help(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

const char* type_name(metric_type t) {
  switch (t) {
    case metric_type::counter:
      return "counter";
    case metric_type::gauge:
      return "gauge";
    case metric_type::histogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

bool valid_metric_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i)
    if (!name_char(name[i], i == 0, true)) return false;
  return true;
}

bool valid_label_name(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;
  for (std::size_t i = 0; i < name.size(); ++i)
    if (!name_char(name[i], i == 0, false)) return false;
  return true;
}

void append_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[64];
  std::to_chars_result r;
  if (v == std::trunc(v) && std::fabs(v) < 9007199254740992.0) {  // 2^53: every integer here is exact
    r = std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(v));
  } else {
    // Shortest form that reads back to the same double, %g style (0.0001, 5e-05).
    r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general);
  }
  out.append(buf, r.ptr);
}

void text_writer::family(std::string_view name, metric_type type, std::string_view help) {
  if (!valid_metric_name(name)) violation("invalid metric name '" + std::string(name) + "'");
  if (type == metric_type::counter && !ends_with(name, "_total"))
    violation("counter '" + std::string(name) + "' must end in _total");
  // A histogram owns name, name_bucket, name_sum and name_count; no other family may use any of them.
  std::vector<std::string> owned{std::string(name)};
  if (type == metric_type::histogram)
    for (const char* s : {"_bucket", "_sum", "_count"}) owned.push_back(std::string(name) + s);
  for (const auto& n : owned)
    if (_families.contains(n))
      violation("metric family '" + n + "' written twice or clashes with a histogram");
  _families.insert(owned.begin(), owned.end());
  _family = std::string(name);
  _type = type;
  _out += "# HELP ";
  _out += name;
  _out += ' ';
  append_escaped_help(_out, help);
  _out += "\n# TYPE ";
  _out += name;
  _out += ' ';
  _out += type_name(type);
  _out += '\n';
}

std::string text_writer::series_key(std::string_view name, std::span<const label> labels,
                                    std::string_view extra_name, std::string_view extra_value) {
  std::vector<std::pair<std::string_view, std::string_view>> sorted;
  sorted.reserve(labels.size() + 1);
  for (const auto& l : labels) {
    if (!valid_label_name(l.name))
      violation("invalid label name '" + std::string(l.name) + "' on " + std::string(name));
    sorted.emplace_back(l.name, l.value);
  }
  if (!extra_name.empty()) sorted.emplace_back(extra_name, extra_value);
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 1; i < sorted.size(); ++i)
    if (sorted[i].first == sorted[i - 1].first)
      violation("label '" + std::string(sorted[i].first) + "' repeated on " + std::string(name));
  std::string key(name);
  for (const auto& [n, v] : sorted) {
    key += '\0';
    key += n;
    key += '\0';
    key += v;
  }
  return key;
}

void text_writer::write_series(std::string_view name, std::span<const label> labels,
                               std::string_view extra_name, std::string_view extra_value, double value) {
  auto key = series_key(name, labels, extra_name, extra_value);
  if (!_series.insert(std::move(key)).second) violation("series written twice in " + std::string(name));
  _out += name;
  if (!labels.empty() || !extra_name.empty()) {
    _out += '{';
    bool first = true;
    for (const auto& l : labels) {
      if (!first) _out += ',';
      first = false;
      _out += l.name;
      _out += "=\"";
      append_escaped_label_value(_out, l.value);
      _out += '"';
    }
    if (!extra_name.empty()) {
      if (!first) _out += ',';
      _out += extra_name;
      _out += "=\"";
      append_escaped_label_value(_out, extra_value);
      _out += '"';
    }
    _out += '}';
  }
  _out += ' ';
  append_value(_out, value);
  _out += '\n';
}

void text_writer::sample(std::span<const label> labels, double value) {
  if (_family.empty()) violation("sample without a family");
  if (_type == metric_type::histogram) violation("plain sample in histogram family '" + _family + "'");
  if (_type == metric_type::counter && (std::isnan(value) || value < 0))
    violation("counter '" + _family + "' given a negative or NaN value");
  write_series(_family, labels, {}, {}, value);
}

void text_writer::histogram(std::span<const label> labels, const histogram_snapshot& h) {
  if (_family.empty() || _type != metric_type::histogram) violation("histogram() outside a histogram family");
  for (const auto& l : labels)
    if (l.name == "le") violation("histogram '" + _family + "' given an 'le' label");
  const auto& b = h.upper_bounds_seconds;
  if (h.cumulative.size() != b.size() + 1)
    violation("histogram '" + _family + "': one count per bound plus +Inf");
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (!std::isfinite(b[i]) || (i > 0 && b[i] <= b[i - 1]))
      violation("histogram '" + _family + "': bad bounds");
    if (h.cumulative[i] > h.cumulative[i + 1])
      violation("histogram '" + _family + "': counts not cumulative");
  }
  if (h.count != h.cumulative.back()) violation("histogram '" + _family + "': count != +Inf bucket");
  const std::string bucket = _family + "_bucket";
  std::string le;
  for (std::size_t i = 0; i < b.size(); ++i) {
    le.clear();
    append_value(le, b[i]);
    write_series(bucket, labels, "le", le, static_cast<double>(h.cumulative[i]));
  }
  write_series(bucket, labels, "le", "+Inf", static_cast<double>(h.count));
  write_series(_family + "_sum", labels, {}, {}, h.sum_seconds);
  write_series(_family + "_count", labels, {}, {}, static_cast<double>(h.count));
}

}  // namespace sd::metrics
