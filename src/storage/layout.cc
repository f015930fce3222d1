#include "storage/layout.h"

#include <charconv>
#include <cstdio>

#include "storage/topic_name.h"

namespace sd::storage::layout {

namespace {
std::string_view ext_of(segment_file_kind kind) {
  switch (kind) {
    case segment_file_kind::log: return log_ext;
    case segment_file_kind::index: return index_ext;
    case segment_file_kind::time_index: return time_index_ext;
  }
  return log_ext;
}
}  // namespace

std::string offset_name(offset base) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020lld", static_cast<long long>(base.value()));
  return buf;
}

std::string segment_file_name(offset base, segment_file_kind kind) {
  return offset_name(base) + std::string(ext_of(kind));
}

namespace {
std::optional<offset> parse_offset_digits(std::string_view digits) {
  if (digits.size() != offset_digits) return std::nullopt;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc{} || p != digits.data() + digits.size()) return std::nullopt;
  return offset(v);
}
}  // namespace

std::string cleaning_file_name(offset base) { return offset_name(base) + ".cleaning" + std::string(tmp_suffix); }

std::string swap_file_name(offset base, offset end) {
  return offset_name(base) + "." + offset_name(end) + std::string(swap_ext);
}

std::optional<swap_file> parse_swap_file_name(std::string_view name) {
  if (name.size() != 2 * offset_digits + 1 + swap_ext.size() || !name.ends_with(swap_ext)) return std::nullopt;
  if (name[offset_digits] != '.') return std::nullopt;
  auto base = parse_offset_digits(name.substr(0, offset_digits));
  auto end = parse_offset_digits(name.substr(offset_digits + 1, offset_digits));
  if (!base || !end || *end <= *base) return std::nullopt;
  return swap_file{*base, *end};
}

std::optional<segment_file> parse_segment_file_name(std::string_view name) {
  if (name.size() <= offset_digits) return std::nullopt;
  std::string_view digits = name.substr(0, offset_digits);
  std::string_view ext = name.substr(offset_digits);
  segment_file_kind kind;
  if (ext == log_ext) {
    kind = segment_file_kind::log;
  } else if (ext == index_ext) {
    kind = segment_file_kind::index;
  } else if (ext == time_index_ext) {
    kind = segment_file_kind::time_index;
  } else {
    return std::nullopt;
  }
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc{} || p != digits.data() + digits.size()) return std::nullopt;
  return segment_file{offset(v), kind};
}

std::string partition_dir_name(std::string_view topic, partition_id partition) {
  return std::string(topic) + "-" + std::to_string(partition.value());
}

std::optional<partition_dir> parse_partition_dir_name(std::string_view name) {
  auto dash = name.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 >= name.size()) return std::nullopt;
  std::string_view topic = name.substr(0, dash);
  std::string_view num = name.substr(dash + 1);
  if (!is_valid_topic_name(topic) || num.size() > 10) return std::nullopt;
  for (char c : num) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  std::int32_t p = 0;
  auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), p);
  if (ec != std::errc{} || ptr != num.data() + num.size()) return std::nullopt;
  // Canonical form only ("orders-03" is not ours).
  if (std::to_string(p) != num) return std::nullopt;
  return partition_dir{std::string(topic), partition_id(p)};
}

}  // namespace sd::storage::layout
