#include "net/server.h"

#include <spdlog/spdlog.h>

#include <future>
#include <thread>

namespace sd::net {

server::server(shard_set& shards, request_handler& handler, memory_budget& budget, connection_limits limits)
    : _shards(shards), _handler(handler), _budget(budget), _limits(limits) {}

tcp::endpoint server::listen(const std::string& host, std::uint16_t port) {
  listener_spec spec;
  spec.name = "PLAINTEXT";
  spec.host = host;
  spec.port = port;
  return listen(spec);
}

tcp::endpoint server::listen(const listener_spec& spec) {
  auto addr = asio::ip::make_address(spec.host.empty() ? "0.0.0.0" : spec.host);
  auto l = std::make_unique<listener_state>();
  l->spec = spec;
  l->acceptor = std::make_unique<tcp::acceptor>(_shards.context(0));
  tcp::endpoint ep(addr, spec.port);
  l->acceptor->open(ep.protocol());
  l->acceptor->set_option(tcp::acceptor::reuse_address(true));
  l->acceptor->bind(ep);
  l->acceptor->listen(asio::socket_base::max_listen_connections);
  auto bound = l->acceptor->local_endpoint();
  l->bound_port = bound.port();
  _listeners.push_back(std::move(l));
  return bound;
}

void server::start_accepting() {
  for (auto& l : _listeners) {
    listener_state* lp = l.get();
    asio::co_spawn(_shards.executor(0), [this, lp] { return accept_loop(*lp); }, asio::detached);
  }
}

awaitable<void> server::accept_loop(listener_state& l) {
  auto& acceptor = *l.acceptor;
  for (;;) {
    std::size_t shard = _next_shard++ % _shards.size();
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(_shards.context(shard), no_throw(ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      spdlog::warn("accept failed: {}", ec.message());
      // Out of file descriptors and similar: back off briefly instead of spinning.
      asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(50));
      co_await t.async_wait(no_throw(ec));
      continue;
    }
    connection_info info;
    info.shard = shard;
    boost::system::error_code rec;
    auto remote = socket.remote_endpoint(rec);
    info.remote = rec ? "?" : remote.address().to_string() + ":" + std::to_string(remote.port());
    if (!rec) {
      auto a = remote.address();
      if (a.is_v6() && a.to_v6().is_v4_mapped()) a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
      info.peer_host = a.to_string();
    }
    info.listener = l.spec.name;
    info.protocol = l.spec.protocol;
    info.local_port = l.bound_port;
    std::shared_ptr<ssl::context> tls = l.spec.tls ? l.spec.tls->current() : nullptr;
    std::shared_ptr<connection> conn;
    {
      std::lock_guard lk(_mu);
      info.id = _next_id++;
      conn = std::make_shared<connection>(std::move(socket), std::move(info), _handler, _budget, _limits, _stats,
                                          std::move(tls));
      if (_connections.size() > 64 && _connections.size() % 64 == 0) {
        std::erase_if(_connections, [](auto& w) { return w.expired(); });
      }
      _connections.push_back(conn);
    }
    _stats.accepted_total.fetch_add(1, std::memory_order_relaxed);
    _stats.open.fetch_add(1, std::memory_order_relaxed);  // connection::close() takes it back
    // start() must run on the connection's own shard.
    asio::post(conn->executor(), [conn] { conn->start(); });
  }
}

void server::shutdown(std::chrono::milliseconds grace) {
  if (!_listeners.empty()) {
    std::promise<void> closed;
    asio::post(_shards.executor(0), [&] {
      boost::system::error_code ec;
      for (auto& l : _listeners) l->acceptor->close(ec);
      closed.set_value();
    });
    closed.get_future().wait();
  }
  std::vector<std::shared_ptr<connection>> live;
  {
    std::lock_guard lk(_mu);
    for (auto& w : _connections)
      if (auto c = w.lock()) live.push_back(std::move(c));
  }
  for (auto& c : live) asio::post(c->executor(), [c] { c->stop_reading(); });
  auto deadline = std::chrono::steady_clock::now() + grace;
  for (auto& c : live) {
    while (!c->closed() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (auto& c : live) asio::post(c->executor(), [c] { c->close(); });
}

}  // namespace sd::net
