#pragma once
// Topic name validation (Kafka's rule), applied before any path is built from a name:
// 1..249 characters from [A-Za-z0-9._-], and not "." or "..". A valid name can never escape the data
// directory or collide with the names storage reserves (they start with '.' and are not valid dirs).

#include <string_view>

#include "base/result.h"

namespace sd::storage {

constexpr std::size_t max_topic_name_length = 249;

bool is_valid_topic_name(std::string_view name) noexcept;
/// ok() or errc::invalid_topic_name.
status validate_topic_name(std::string_view name);

}  // namespace sd::storage
