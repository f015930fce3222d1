#pragma once
// MQTT topic names and topic filters (MQTT 5 section 4.7): validation, matching, and the levels a filter's
// wildcards matched. Topic levels are separated by '/'; empty levels are legal ("a//b", "/a"). In a filter,
// '+' must occupy a whole level and matches exactly one level (possibly empty); '#' must be the last level
// and matches the parent level and any number of levels below it ("a/#" matches "a", "a/b", "a/b/c").
// A filter starting with a wildcard does not match topics starting with '$' ("$SYS/x") [MQTT-4.7.2-1].

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "mqtt/errc.h"

namespace sd::mqtt {

/// A topic name for PUBLISH: at least one byte, valid UTF-8 without U+0000, no '+' or '#'.
/// Errors: topic_name_invalid, invalid_utf8. Length <= 65535 bytes.
status validate_topic_name(std::string_view topic);

/// A topic filter for SUBSCRIBE/UNSUBSCRIBE: at least one byte, valid UTF-8 without U+0000, wildcards only as
/// whole levels and '#' only last. Errors: topic_filter_invalid, invalid_utf8.
status validate_topic_filter(std::string_view filter);

/// True if the (valid) topic name matches the (valid) filter.
bool topic_matches(std::string_view filter, std::string_view topic);

/// What a matching filter's wildcards matched, as views into the topic.
struct topic_match {
  std::vector<std::string_view> single;       // the level matched by each '+', in filter order
  std::optional<std::string_view> multi;      // what '#' matched ("" when it matched only the parent)
};

/// The wildcard levels if the filter matches the topic, else nullopt.
/// Example: match_topic("sensors/+/temp", "sensors/dev7/temp")->single == {"dev7"}.
std::optional<topic_match> match_topic(std::string_view filter, std::string_view topic);

/// The topic's levels in order ("a//b" -> {"a", "", "b"}); views into topic.
std::vector<std::string_view> split_levels(std::string_view topic);

/// The level at index (0-based), or nullopt if the topic has fewer levels.
std::optional<std::string_view> topic_level(std::string_view topic, std::size_t index);

}  // namespace sd::mqtt
