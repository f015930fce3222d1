#pragma once
// dirty_memory: how much of the system's page cache waits to be written to its devices (Dirty + Writeback
// in /proc/meminfo), the work a syncfs would have to wait for. Used by filesystem_sync to decide whether
// one syncfs is cheaper than one fdatasync per file.
//
// The figure is system-wide (every filesystem, every process), so it over-counts for one filesystem: the
// decision it feeds errs towards per-file syncs. It is re-read at most once per `max_age` (reading
// /proc/meminfo costs tens of microseconds), so it may be that old. Single-threaded: one caller (the
// flusher thread).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sd::storage {

class dirty_memory {
 public:
  explicit dirty_memory(std::string meminfo_path = "/proc/meminfo",
                        std::chrono::milliseconds max_age = std::chrono::milliseconds(20));

  /// Dirty + Writeback bytes at the last sample, re-sampled when older than max_age; nullopt when the file
  /// cannot be read or lacks either line (then callers must assume the worst).
  std::optional<std::uint64_t> bytes(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());

  /// Parses a /proc/meminfo text: Dirty + Writeback in bytes, nullopt when either line is missing.
  static std::optional<std::uint64_t> parse(std::string_view meminfo);

 private:
  const std::string _path;
  const std::chrono::milliseconds _max_age;
  std::chrono::steady_clock::time_point _sampled_at{};
  bool _sampled = false;
  std::optional<std::uint64_t> _bytes;
};

}  // namespace sd::storage
