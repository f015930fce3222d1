#include "group/lag.h"

#include <future>

#include "net/shard_set.h"

namespace sd::group {

std::vector<partition_lag> lag_source::compute(const std::optional<std::string>& filter) const {
  std::vector<partition_lag> out;
  for (auto& [group, offsets] : _coordinator.manager().offsets(filter)) {
    for (auto& [tp, c] : offsets) {
      partition_lag l;
      l.group = group;
      l.topic = tp.topic;
      l.partition = tp.partition;
      l.committed = c.offset;
      if (auto hw = _hw(tp.topic, tp.partition)) {
        l.high_watermark = *hw;
        l.lag = std::max<std::int64_t>(0, *hw - c.offset);
      }
      out.push_back(std::move(l));
    }
  }
  return out;
}

net::awaitable<std::vector<partition_lag>> lag_source::collect(std::optional<std::string> filter) {
  auto run = [this, f = std::move(filter)] { return compute(f); };
  co_return co_await net::run_on(_coordinator.executor(), std::move(run));
}

std::vector<partition_lag> lag_source::collect_blocking(std::optional<std::string> filter) {
  std::promise<std::vector<partition_lag>> p;
  auto fut = p.get_future();
  net::asio::post(_coordinator.executor(), [this, &p, f = std::move(filter)] { p.set_value(compute(f)); });
  return fut.get();
}

}  // namespace sd::group
