#pragma once
// coordinator_call: awaiting a group_manager call that answers through a callback (join, sync, commit) from a
// coroutine on another event loop (the HTTP server's).

#include <memory>

#include "group/coordinator.h"
#include "net/asio.h"
#include "net/event.h"

namespace sd::gateway {

/// Runs `start(done)` on the coordinator shard, where it hands its callback to the manager; resumes the
/// caller once the callback ran (from the coordinator shard, at any later time).
template <class Result, class Start>
net::awaitable<Result> call_with_callback(group::coordinator& c, Start start) {
  auto ex = co_await net::asio::this_coro::executor;
  struct box {
    Result value{};
    std::shared_ptr<net::async_event> done;
  };
  auto b = std::make_shared<box>();
  b->done = std::make_shared<net::async_event>(ex);
  net::asio::post(c.executor(), [&c, b, start = std::move(start)]() mutable {
    start(c.manager(), [b](Result r) {
      b->value = std::move(r);
      net::async_event::set_from_any_thread(b->done);
    });
  });
  co_await b->done->wait();
  co_return std::move(b->value);
}

}  // namespace sd::gateway
