#include "broker/txn_partitions.h"

#include <spdlog/spdlog.h>

#include "base/clock.h"
#include "net/deferred.h"
#include "producer/control_batch.h"

namespace sd::broker {

bool txn_partitions::exists(const txn::topic_partition& tp) const {
  return _core.topics.find(tp.topic, tp.partition) != nullptr;
}

net::awaitable<void> txn_partitions::open(std::vector<txn::topic_partition> tps, std::int64_t producer_id,
                                          std::int16_t epoch) {
  for (const auto& tp : tps) {
    auto p = _core.topics.find(tp.topic, tp.partition);
    if (!p) continue;
    auto admit = [producer_id, epoch](partition_state& ps) {
      ps.txn_writers[producer_id] = epoch;
      return true;
    };
    co_await _core.on_partition(p, std::move(admit), false);
  }
}

net::awaitable<std::error_code> txn_partitions::write_markers(std::vector<txn::topic_partition> tps,
                                                              std::int64_t producer_id, std::int16_t epoch,
                                                              producer::marker_kind kind) {
  auto ex = co_await net::asio::this_coro::executor;
  std::vector<std::shared_ptr<net::deferred<std::error_code>>> waits;
  for (const auto& tp : tps) {
    auto p = _core.topics.find(tp.topic, tp.partition);
    if (!p) continue;  // deleted: nothing left to mark
    auto done = std::make_shared<net::deferred<std::error_code>>(ex);
    waits.push_back(done);
    auto write = [this, producer_id, epoch, kind, done](partition_state& ps) {
      auto complete = net::deferred<std::error_code>::completer(done);
      ps.txn_writers.erase(producer_id);
      if (auto failure = ps.log->io_failure()) {
        complete(failure);
        return true;
      }
      const auto now = wall_ms_now();
      auto batch = producer::encode_marker(producer_id, epoch, kind, 0, now);
      auto appended = ps.log->append(mutable_byte_span(batch.data(), batch.size()), now,
                                     storage::partition_log::crc_check::caller_verified);
      if (!appended) {
        ps.last_append_failure_ms = now;
        spdlog::warn("transaction marker for producer {} on {}-{} failed: {}", producer_id, ps.topic, ps.id,
                     appended.error().message());
        complete(appended.error());
        return true;
      }
      ps.producers->record_marker(producer_id, epoch, kind, appended->base_offset.value(), now);
      ps.publish();
      ps.wake_waiters();
      _core.flusher.request(*ps.log, offset(appended->last_offset.value() + 1),
                            [complete](status st) { complete(st ? std::error_code{} : st.error()); });
      return true;
    };
    auto gone = [done] {
      auto complete = net::deferred<std::error_code>::completer(done);
      complete({});
      return false;
    };
    const bool ran = co_await _core.on_partition(p, std::move(write), false);
    if (!ran) gone();
  }
  std::error_code first;
  for (auto& w : waits) {
    co_await w->done->wait();
    if (*w->value && !first) first = *w->value;
  }
  co_return first;
}

}  // namespace sd::broker
