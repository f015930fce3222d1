#pragma once
// deferred<T>: a one-shot result that a coroutine awaits while another thread (a shard, the flusher) produces
// it. The value is stored first, then the event is set by a post to the waiter's executor, which orders the
// write before the waiter's read.

#include <functional>
#include <memory>
#include <optional>

#include "net/event.h"

namespace sd::net {

template <class T>
struct deferred {
  explicit deferred(asio::any_io_executor ex) : done(std::make_shared<async_event>(std::move(ex))) {}
  std::shared_ptr<async_event> done;
  std::optional<T> value;

  /// A callback that stores the value and wakes the waiter; callable once, from any thread.
  static std::function<void(T)> completer(const std::shared_ptr<deferred>& d) {
    return [d](T v) {
      d->value = std::move(v);
      async_event::set_from_any_thread(d->done);
    };
  }
};

}  // namespace sd::net
