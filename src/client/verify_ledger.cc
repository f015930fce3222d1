#include "client/verify_ledger.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <sstream>

namespace sd::client::verify {
namespace {

std::optional<std::int64_t> to_int(std::string_view s) {
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

void fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
}

}  // namespace

bool range_set::insert(std::int64_t v) {
  if (contains(v)) return false;
  insert_range(v, v);
  return true;
}

void range_set::insert_range(std::int64_t first, std::int64_t last) {
  if (last < first) return;
  // Merge with every run that overlaps or touches [first, last].
  auto it = _runs.upper_bound(first);
  if (it != _runs.begin()) {
    auto prev = std::prev(it);
    if (prev->second >= first - 1) {
      first = prev->first;
      last = std::max(last, prev->second);
      it = _runs.erase(prev);
    }
  }
  while (it != _runs.end() && it->first <= last + 1) {
    last = std::max(last, it->second);
    it = _runs.erase(it);
  }
  _runs.emplace(first, last);
}

bool range_set::contains(std::int64_t v) const {
  auto it = _runs.upper_bound(v);
  if (it == _runs.begin()) return false;
  return std::prev(it)->second >= v;
}

std::uint64_t range_set::count() const {
  std::uint64_t n = 0;
  for (const auto& [a, b] : _runs) n += static_cast<std::uint64_t>(b - a + 1);
  return n;
}

range_set range_set::minus(const range_set& other) const {
  range_set out;
  for (auto [a, b] : _runs) {
    std::int64_t from = a;
    auto it = other._runs.upper_bound(a);
    if (it != other._runs.begin()) --it;
    for (; it != other._runs.end() && it->first <= b && from <= b; ++it) {
      if (it->second < from) continue;
      if (it->first > from) out.insert_range(from, it->first - 1);
      from = it->second + 1;
    }
    if (from <= b) out.insert_range(from, b);
  }
  return out;
}

void range_set::merge(const range_set& other) {
  for (const auto& [a, b] : other._runs) insert_range(a, b);
}

std::vector<std::int64_t> range_set::first(std::size_t n) const {
  std::vector<std::int64_t> out;
  for (const auto& [a, b] : _runs)
    for (std::int64_t v = a; v <= b && out.size() < n; ++v) out.push_back(v);
  return out;
}

std::string range_set::to_text() const {
  if (_runs.empty()) return "-";
  std::string out;
  for (const auto& [a, b] : _runs) {
    if (!out.empty()) out += ',';
    out += std::to_string(a);
    if (b != a) out += "-" + std::to_string(b);
  }
  return out;
}

std::optional<range_set> range_set::parse(const std::string& text) {
  range_set out;
  if (text == "-") return out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    std::string_view part(text.data() + pos, comma - pos);
    auto dash = part.find('-', 1);
    auto a = to_int(part.substr(0, dash));
    auto b = dash == std::string_view::npos ? a : to_int(part.substr(dash + 1));
    if (!a || !b || *a < 0 || *b < *a) return std::nullopt;
    out.insert_range(*a, *b);
    pos = comma + 1;
  }
  return out;
}

std::string writer_ledger::to_text() const {
  std::string out = "topic " + topic + "\nwriter " + writer + "\n";
  for (const auto& [k, l] : keys)
    out += "key " + k + " acked " + l.acked.to_text() + " failed " + l.failed.to_text() + "\n";
  return out;
}

std::optional<writer_ledger> writer_ledger::parse(const std::string& text, std::string* error) {
  writer_ledger out;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    auto w = words(line);
    if (w.empty()) continue;
    const std::string where = "line " + std::to_string(n) + ": ";
    if (w[0] == "topic" && w.size() == 2) {
      out.topic = w[1];
    } else if (w[0] == "writer" && w.size() == 2) {
      out.writer = w[1];
    } else if (w[0] == "key" && w.size() == 6 && w[2] == "acked" && w[4] == "failed") {
      auto acked = range_set::parse(w[3]);
      auto failed = range_set::parse(w[5]);
      if (!acked || !failed) { fail(error, where + "malformed ranges"); return std::nullopt; }
      out.keys[w[1]] = {std::move(*acked), std::move(*failed)};
    } else {
      { fail(error, where + "unexpected '" + line + "'"); return std::nullopt; }
    }
  }
  if (out.topic.empty() || out.writer.empty()) { fail(error, "no topic or writer line"); return std::nullopt; }
  return out;
}

void consume_run::example(std::string text) {
  if (_examples.size() < max_examples) _examples.push_back(std::move(text));
}

void consume_run::observe(const record_identity& r) {
  auto& offsets = _offsets[r.partition];
  if (offsets.contains(r.offset)) {
    ++_redelivered;  // read again after a rebalance: already checked
    return;
  }
  const std::string at = "partition " + std::to_string(r.partition) + " offset " + std::to_string(r.offset);
  if (auto it = _last_offset.find(r.partition); it != _last_offset.end() && r.offset <= it->second) {
    ++_v.offset_regressions;
    example("offset regression: " + at + " after offset " + std::to_string(it->second));
  }
  _last_offset[r.partition] = r.offset;
  offsets.insert(r.offset);
  ++_checked;
  if (!r.writer || !r.seq) {
    ++_foreign;
    return;
  }
  const auto id = std::make_pair(*r.writer, r.key);
  const std::string what = "writer " + *r.writer + " key " + r.key + " seq " + std::to_string(*r.seq);
  if (!_seen[id].insert(*r.seq)) {
    ++_v.duplicates;
    example("duplicate: " + what + " again at " + at);
    return;
  }
  auto& p = _progress[id];
  if (r.offset > p.last_offset) {
    if (*r.seq < p.last_seq) {
      ++_v.reordered;
      example("reordered: " + what + " at " + at + " after seq " + std::to_string(p.last_seq) + " at offset " +
              std::to_string(p.last_offset));
    }
    p.last_seq = *r.seq;
    p.last_offset = r.offset;
  }
}

void consume_run::check_commit_start(std::int32_t p, std::int64_t found, std::int64_t recorded) {
  if (found >= recorded) return;
  ++_v.backward_commits;
  example("backward commit: group " + _group + " partition " + std::to_string(p) + " committed " +
          std::to_string(found) + " below " + std::to_string(recorded) + " committed by an earlier run");
}

void consume_run::committed(std::int32_t p, std::int64_t offset) {
  auto& c = _commits[p];
  c = std::max(c, offset);
}

std::string consume_run::to_text() const {
  std::string out = "topic " + _topic + "\ngroup " + (_group.empty() ? "-" : _group) + "\n";
  out += "checked " + std::to_string(_checked) + "\nforeign " + std::to_string(_foreign) + "\nredelivered " +
         std::to_string(_redelivered) + "\n";
  out += "duplicates " + std::to_string(_v.duplicates) + "\nreordered " + std::to_string(_v.reordered) +
         "\noffset_regressions " + std::to_string(_v.offset_regressions) + "\nbackward_commits " +
         std::to_string(_v.backward_commits) + "\n";
  for (const auto& [p, r] : _offsets) out += "partition " + std::to_string(p) + " offsets " + r.to_text() + "\n";
  for (const auto& [id, r] : _seen) out += "seen " + id.first + " " + id.second + " " + r.to_text() + "\n";
  for (const auto& [p, o] : _commits) out += "commit " + std::to_string(p) + " " + std::to_string(o) + "\n";
  for (const auto& e : _examples) out += "example " + e + "\n";
  return out;
}

std::optional<consume_run> consume_run::parse(const std::string& text, std::string* error) {
  consume_run out("", "");
  std::istringstream in(text);
  std::string line;
  int n = 0;
  std::map<std::string, std::uint64_t*> counters = {
      {"checked", &out._checked},           {"foreign", &out._foreign},
      {"redelivered", &out._redelivered},   {"duplicates", &out._v.duplicates},
      {"reordered", &out._v.reordered},     {"offset_regressions", &out._v.offset_regressions},
      {"backward_commits", &out._v.backward_commits}};
  while (std::getline(in, line)) {
    ++n;
    auto w = words(line);
    if (w.empty()) continue;
    const std::string where = "line " + std::to_string(n) + ": ";
    if (w[0] == "example") {
      out._examples.push_back(line.substr(8));
    } else if (w[0] == "topic" && w.size() == 2) {
      out._topic = w[1];
    } else if (w[0] == "group" && w.size() == 2) {
      out._group = w[1] == "-" ? "" : w[1];
    } else if (counters.count(w[0]) && w.size() == 2) {
      auto v = to_int(w[1]);
      if (!v || *v < 0) { fail(error, where + "bad count"); return std::nullopt; }
      *counters[w[0]] = static_cast<std::uint64_t>(*v);
    } else if (w[0] == "partition" && w.size() == 4 && w[2] == "offsets") {
      auto p = to_int(w[1]);
      auto r = range_set::parse(w[3]);
      if (!p || !r) { fail(error, where + "bad partition line"); return std::nullopt; }
      out._offsets[static_cast<std::int32_t>(*p)] = std::move(*r);
    } else if (w[0] == "seen" && w.size() == 4) {
      auto r = range_set::parse(w[3]);
      if (!r) { fail(error, where + "bad seen line"); return std::nullopt; }
      out._seen[{w[1], w[2]}] = std::move(*r);
    } else if (w[0] == "commit" && w.size() == 3) {
      auto p = to_int(w[1]);
      auto o = to_int(w[2]);
      if (!p || !o) { fail(error, where + "bad commit line"); return std::nullopt; }
      out._commits[static_cast<std::int32_t>(*p)] = *o;
    } else {
      { fail(error, where + "unexpected '" + line + "'"); return std::nullopt; }
    }
  }
  if (out._topic.empty()) { fail(error, "no topic line"); return std::nullopt; }
  return out;
}

std::map<std::int32_t, std::int64_t> recorded_commits(const std::vector<consume_run>& runs, const std::string& group) {
  std::map<std::int32_t, std::int64_t> out;
  for (const auto& r : runs) {
    if (r.group() != group) continue;
    for (const auto& [p, o] : r.commits()) out[p] = std::max(out.count(p) ? out[p] : o, o);
  }
  return out;
}

report build_report(const std::string& topic, const std::vector<writer_ledger>& writers,
                    const std::vector<consume_run>& runs) {
  report rep;
  rep.topic = topic;
  std::map<std::pair<std::string, std::string>, range_set> seen;
  for (const auto& r : runs) {
    if (r.topic() != topic) continue;
    ++rep.consume_runs;
    rep.records_checked += r.records_checked();
    rep.violations.duplicates += r.violations().duplicates;
    rep.violations.reordered += r.violations().reordered;
    rep.violations.offset_regressions += r.violations().offset_regressions;
    rep.violations.backward_commits += r.violations().backward_commits;
    for (const auto& [id, s] : r.seen()) seen[id].merge(s);
  }
  std::vector<std::string> lost_examples;
  for (const auto& w : writers) {
    if (w.topic != topic) continue;
    ++rep.writers;
    for (const auto& [k, l] : w.keys) {
      rep.acked += l.acked.count();
      rep.failed += l.failed.count();
      auto it = seen.find({w.writer, k});
      const range_set none;
      const range_set& s = it == seen.end() ? none : it->second;
      auto lost = l.acked.minus(s);
      rep.lost += lost.count();
      rep.failed_found += l.failed.count() - l.failed.minus(s).count();
      for (auto seq : lost.first(3))
        if (lost_examples.size() < consume_run::max_examples)
          lost_examples.push_back("lost: writer " + w.writer + " key " + k + " seq " + std::to_string(seq) +
                                  " was acknowledged and no consume run saw it");
    }
  }
  rep.examples = std::move(lost_examples);
  for (const auto& r : runs)
    if (r.topic() == topic)
      for (const auto& e : r.examples())
        if (rep.examples.size() < 2 * consume_run::max_examples) rep.examples.push_back(e);
  return rep;
}

std::string report::to_text() const {
  std::ostringstream o;
  o << "topic " << topic << ": " << writers << " writer(s), " << consume_runs << " consume run(s)\n"
    << "acknowledged " << acked << ", failed (possibly written) " << failed << " of which found " << failed_found
    << ", records checked " << records_checked << "\n"
    << "lost " << lost << ", duplicated " << violations.duplicates << ", reordered " << violations.reordered
    << ", offset regressions " << violations.offset_regressions << ", backward commits "
    << violations.backward_commits << "\n";
  if (consume_runs == 0) o << "no consume run yet: run `streamdown verify consume` first\n";
  for (const auto& e : examples) o << "  " << e << "\n";
  o << (ok() ? "OK" : "VIOLATIONS") << "\n";
  return o.str();
}

std::string report::to_json() const {
  nlohmann::json j = {{"topic", topic},
                      {"writers", writers},
                      {"consume_runs", consume_runs},
                      {"acked", acked},
                      {"failed", failed},
                      {"failed_found", failed_found},
                      {"records_checked", records_checked},
                      {"lost", lost},
                      {"duplicated", violations.duplicates},
                      {"reordered", violations.reordered},
                      {"offset_regressions", violations.offset_regressions},
                      {"backward_commits", violations.backward_commits},
                      {"examples", examples},
                      {"ok", ok()}};
  return j.dump(2);
}

}  // namespace sd::client::verify
