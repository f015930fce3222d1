#include "mqtt/topic_filter.h"

#include "mqtt/wire.h"

namespace sd::mqtt {

std::vector<std::string_view> split_levels(std::string_view topic) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    auto slash = topic.find('/', start);
    if (slash == std::string_view::npos) {
      out.push_back(topic.substr(start));
      return out;
    }
    out.push_back(topic.substr(start, slash - start));
    start = slash + 1;
  }
}

std::optional<std::string_view> topic_level(std::string_view topic, std::size_t index) {
  std::size_t start = 0;
  for (std::size_t i = 0;; ++i) {
    auto slash = topic.find('/', start);
    if (i == index) return topic.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (slash == std::string_view::npos) return std::nullopt;
    start = slash + 1;
  }
}

status validate_topic_name(std::string_view topic) {
  if (topic.empty() || topic.size() > 0xFFFF) return errc::topic_name_invalid;
  if (topic.find_first_of("+#") != std::string_view::npos) return errc::topic_name_invalid;
  if (!wire::valid_utf8(topic)) return errc::invalid_utf8;
  return ok();
}

status validate_topic_filter(std::string_view filter) {
  if (filter.empty() || filter.size() > 0xFFFF) return errc::topic_filter_invalid;
  if (!wire::valid_utf8(filter)) return errc::invalid_utf8;
  auto levels = split_levels(filter);
  for (std::size_t i = 0; i < levels.size(); ++i) {
    auto l = levels[i];
    if (l.find_first_of("+#") == std::string_view::npos) continue;
    if (l == "+") continue;
    if (l == "#" && i + 1 == levels.size()) continue;
    return errc::topic_filter_invalid;
  }
  return ok();
}

std::optional<topic_match> match_topic(std::string_view filter, std::string_view topic) {
  if (!filter.empty() && (filter[0] == '+' || filter[0] == '#') && !topic.empty() && topic[0] == '$')
    return std::nullopt;
  topic_match m;
  std::size_t f = 0;  // start of the current filter level
  std::size_t t = 0;  // start of the current topic level
  for (;;) {
    auto fend = filter.find('/', f);
    auto flevel = filter.substr(f, fend == std::string_view::npos ? fend : fend - f);
    if (flevel == "#") {
      // '#' matches the parent level too: "a/#" matches "a" (then t == topic.size() + 1).
      m.multi = t <= topic.size() ? topic.substr(t) : std::string_view{};
      return m;
    }
    if (t > topic.size()) {
      return std::nullopt;  // the topic ran out of levels before the filter did
    }
    auto tend = topic.find('/', t);
    auto tlevel = topic.substr(t, tend == std::string_view::npos ? tend : tend - t);
    if (flevel == "+") {
      m.single.push_back(tlevel);
    } else if (flevel != tlevel) {
      return std::nullopt;
    }
    const bool filter_done = fend == std::string_view::npos;
    const bool topic_done = tend == std::string_view::npos;
    if (filter_done) {
      if (topic_done) return m;
      return std::nullopt;
    }
    f = fend + 1;
    t = topic_done ? topic.size() + 1 : tend + 1;  // past the end: only a following '#' can still match
  }
}

bool topic_matches(std::string_view filter, std::string_view topic) { return match_topic(filter, topic).has_value(); }

}  // namespace sd::mqtt
