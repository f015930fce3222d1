// The connection and server over real loopback sockets with a test handler: responses leave in request order
// even when later requests finish first; out-of-range sizes close the connection; the memory budget stops
// reading when spent.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "base/bytes.h"
#include "net/server.h"

namespace sd::net {
namespace {

using namespace std::chrono_literals;

/// Answers each frame with its own bytes; a frame whose first byte is N delays its response by N*10 ms.
class echo_handler final : public request_handler {
 public:
  std::atomic<int> refused{0};
  mutable std::atomic<int> ack_questions{0};
  awaitable<response_task> dispatch(const connection_info&, inbound_frame frame) override {
    co_return reply(bytes(frame.data.begin(), frame.data.end()));
  }
  void on_refused_frame(const connection_info&, std::int64_t) override { ++refused; }
  bool acknowledge_at_once(const inbound_frame&) const override {
    ++ack_questions;
    return true;  // exercises TCP_QUICKACK on every frame
  }

 private:
  static response_task reply(bytes data) {
    if (!data.empty() && data[0] > 0) {
      asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(10 * data[0]));
      co_await t.async_wait(use_awaitable);
    }
    outbound_message m;
    bytes out;
    append_be<std::int32_t>(out, static_cast<std::int32_t>(data.size()));
    out.insert(out.end(), data.begin(), data.end());
    m.chunks.emplace_back(std::move(out));
    co_return m;
  }
};

struct fixture {
  shard_set shards{2};
  echo_handler handler;
  memory_budget budget;
  server srv;
  tcp::endpoint ep;
  explicit fixture(std::size_t budget_bytes = 1 << 20, std::int32_t max_request = 1 << 16)
      : budget(budget_bytes), srv(shards, handler, budget, connection_limits{max_request, 8}) {
    ep = srv.listen("127.0.0.1", 0);
    shards.start();
    srv.start_accepting();
  }
  ~fixture() {
    srv.shutdown(100ms);
    shards.stop();
  }
};

bytes frame(std::vector<std::uint8_t> body) {
  bytes out;
  append_be<std::int32_t>(out, static_cast<std::int32_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

TEST(Connection, ResponsesLeaveInRequestOrder) {
  fixture f;
  asio::io_context io;
  tcp::socket s(io);
  s.connect(f.ep);
  // First request is slow (50 ms), the next two are instant: they must still come back after it.
  bytes all;
  for (auto body : {std::vector<std::uint8_t>{5, 'a', 'a', 'a', 'a', 'a', 'a', 'a'},
                    std::vector<std::uint8_t>{0, 'b', 'b', 'b', 'b', 'b', 'b', 'b'},
                    std::vector<std::uint8_t>{0, 'c', 'c', 'c', 'c', 'c', 'c', 'c'}}) {
    auto fr = frame(body);
    all.insert(all.end(), fr.begin(), fr.end());
  }
  asio::write(s, asio::buffer(all));
  for (char expect : {'a', 'b', 'c'}) {
    std::uint8_t hdr[4];
    asio::read(s, asio::buffer(hdr));
    ASSERT_EQ(load_be<std::int32_t>(hdr), 8);
    std::uint8_t body[8];
    asio::read(s, asio::buffer(body));
    EXPECT_EQ(body[1], static_cast<std::uint8_t>(expect));
  }
  EXPECT_EQ(f.handler.ack_questions.load(), 3);  // asked once per frame read
}

TEST(Connection, OutOfRangeSizeClosesTheConnectionAndOthersKeepWorking) {
  fixture f;
  asio::io_context io;
  tcp::socket bad(io), good(io);
  bad.connect(f.ep);
  good.connect(f.ep);
  bytes huge;
  append_be<std::int32_t>(huge, 0x7FFFFFFF);  // claims 2 GiB
  asio::write(bad, asio::buffer(huge));
  std::uint8_t b;
  boost::system::error_code ec;
  asio::read(bad, asio::buffer(&b, 1), ec);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  EXPECT_EQ(f.handler.refused.load(), 1);

  auto fr = frame({0, 1, 2, 3, 4, 5, 6, 7});
  asio::write(good, asio::buffer(fr));
  std::uint8_t resp[12];
  asio::read(good, asio::buffer(resp));
  EXPECT_EQ(load_be<std::int32_t>(resp), 8);
}

TEST(Connection, SpentBudgetStopsReadingUntilBytesReturn) {
  fixture f(64, 64);  // room for two 32-byte frames at a time
  asio::io_context io;
  tcp::socket s(io);
  s.connect(f.ep);
  // Four slow requests of 32 bytes: at most 64 bytes may be held at once.
  bytes all;
  for (int i = 0; i < 4; ++i) {
    std::vector<std::uint8_t> body(32, static_cast<std::uint8_t>('0' + i));
    body[0] = 3;  // 30 ms each
    auto fr = frame(body);
    all.insert(all.end(), fr.begin(), fr.end());
  }
  asio::write(s, asio::buffer(all));
  std::size_t max_seen = 0;
  auto deadline = std::chrono::steady_clock::now() + 2s;
  int received = 0;
  std::thread watcher([&] {
    while (received < 4 && std::chrono::steady_clock::now() < deadline) {
      max_seen = std::max(max_seen, f.budget.in_use());
      std::this_thread::sleep_for(1ms);
    }
  });
  for (; received < 4; ++received) {
    std::uint8_t hdr[4];
    asio::read(s, asio::buffer(hdr));
    std::vector<std::uint8_t> body(static_cast<std::size_t>(load_be<std::int32_t>(hdr)));
    asio::read(s, asio::buffer(body));
    EXPECT_EQ(body[1], static_cast<std::uint8_t>('0' + received));
  }
  watcher.join();
  EXPECT_LE(max_seen, 64u);
  EXPECT_GE(f.budget.waits_total(), 1u);  // somebody had to wait
}

}  // namespace
}  // namespace sd::net
