#pragma once
// Shared by the group handlers (find_coordinator.cc ... offset_delete.cc): the hop to the coordinator shard
// and a one-shot result that a phase-two task awaits. The coordinator answers on its shard (JoinGroup,
// SyncGroup) or on the flusher thread (OffsetCommit); the value is stored first, then the event is set by a
// post to the waiter's executor, which orders the write before the waiter's read.

#include <memory>
#include <optional>

#include "broker/handlers/handlers.h"
#include "broker/kafka_error.h"
#include "group/coordinator.h"
#include "net/event.h"
#include "net/shard_set.h"

namespace sd::broker::handlers {

template <class T>
struct deferred {
  explicit deferred(net::asio::any_io_executor ex) : done(std::make_shared<net::async_event>(std::move(ex))) {}
  std::shared_ptr<net::async_event> done;
  std::optional<T> value;

  /// A callback that stores the value and wakes the waiter; callable once, from any thread.
  static std::function<void(T)> completer(const std::shared_ptr<deferred>& d) {
    return [d](T v) {
      d->value = std::move(v);
      net::async_event::set_from_any_thread(d->done);
    };
  }
};

inline std::int16_t group_code(std::error_code ec) { return code(to_kafka_error(ec)); }

/// "/host" of a "host:port" remote, as Kafka reports client hosts.
inline std::string client_host(const std::string& remote) {
  auto colon = remote.rfind(':');
  return "/" + (colon == std::string::npos ? remote : remote.substr(0, colon));
}

}  // namespace sd::broker::handlers
