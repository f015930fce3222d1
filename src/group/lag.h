#pragma once
// lag_source: consumer lag per group, topic and partition: committed offset, high watermark and
// lag = high_watermark - committed, for every group that has committed offsets (members or not).
// Used by metrics, the HTTP admin API and tools. The high watermark comes from the caller (broker/ owns
// partition_state); `high_watermark` is -1 and lag -1 for a partition that no longer exists.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "group/coordinator.h"
#include "net/asio.h"

namespace sd::group {

struct partition_lag {
  std::string group;
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t committed = -1;
  std::int64_t high_watermark = -1;
  std::int64_t lag = -1;  // max(0, high_watermark - committed); -1 when the partition is unknown
};

/// The partition's current high watermark, or nullopt if it does not exist. Must be callable from the
/// coordinator shard (read published atomics; never touch a log).
using high_watermark_fn = std::function<std::optional<std::int64_t>(const std::string& topic, std::int32_t partition)>;

class lag_source {
 public:
  lag_source(coordinator& c, high_watermark_fn hw) : _coordinator(c), _hw(std::move(hw)) {}

  /// From any executor: hops to the coordinator shard and back. filter: one group, or all.
  net::awaitable<std::vector<partition_lag>> collect(std::optional<std::string> filter);
  /// For threads that are not event loops (blocks until the coordinator shard answered).
  std::vector<partition_lag> collect_blocking(std::optional<std::string> filter);
  /// Computes the report; call on the coordinator's executor.
  std::vector<partition_lag> compute(const std::optional<std::string>& filter) const;

 private:
  coordinator& _coordinator;
  high_watermark_fn _hw;
};

}  // namespace sd::group
