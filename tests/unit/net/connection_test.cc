// The connection and server over real loopback sockets with a test handler: responses leave in request order
// even when later requests finish first; out-of-range sizes close the connection; the memory budget stops
// reading when spent; large bodies (read with a receive low-water mark) arrive whole however they trickle in,
// also when a stall outlasts the mark's guard; the mark does not hold back the next small frame; and a peer
// that stops mid-body closes the connection.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>

#include "base/bytes.h"
#include "net/server.h"

namespace sd::net {
namespace {

using namespace std::chrono_literals;

/// Answers each frame with its own bytes; a frame whose first byte is N delays its response by N*10 ms.
class echo_handler final : public request_handler {
 public:
  std::atomic<int> refused{0};
  std::atomic<int> dispatched{0};
  mutable std::atomic<int> ack_questions{0};
  awaitable<response_task> dispatch(const connection_info&, inbound_frame frame) override {
    ++dispatched;
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

/// A body of `size` bytes whose byte i is a function of i (byte 0 is 0: no delay).
std::vector<std::uint8_t> patterned(std::size_t size) {
  std::vector<std::uint8_t> body(size);
  for (std::size_t i = 1; i < size; ++i) body[i] = static_cast<std::uint8_t>((i * 131) >> 7);
  return body;
}

/// A fixture taking bodies up to 8 MiB and a client connected to it whose blocking reads fail after 5 s
/// instead of hanging the test (reads below use recv(2) directly: Asio's synchronous read polls again after
/// the timeout).
struct large_frames {
  fixture f{16 << 20, 8 << 20};
  asio::io_context io;
  tcp::socket s{io};
  large_frames() {
    s.connect(f.ep);
    timeval tv{5, 0};
    EXPECT_EQ(::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
  }
};

/// Reads exactly `n` bytes; false on end of stream, error or timeout.
bool recv_exactly(tcp::socket& s, std::uint8_t* at, std::size_t n) {
  while (n > 0) {
    ssize_t got = ::recv(s.native_handle(), at, n, 0);
    if (got <= 0) return false;
    at += got;
    n -= static_cast<std::size_t>(got);
  }
  return true;
}

/// Reads one echoed response and returns its body (empty when none came within the bound).
std::vector<std::uint8_t> read_response(tcp::socket& s) {
  std::uint8_t hdr[4];
  if (!recv_exactly(s, hdr, 4)) return {};
  std::vector<std::uint8_t> body(static_cast<std::size_t>(load_be<std::int32_t>(hdr)));
  if (!recv_exactly(s, body.data(), body.size())) return {};
  return body;
}

/// Sends one 8-byte frame and expects it echoed: a small frame after large bodies is still read.
void expect_small_frame_answered(tcp::socket& s) {
  const std::vector<std::uint8_t> body{0, 's', 'm', 'a', 'l', 'l', '!', '!'};
  bytes small = frame(body);
  asio::write(s, asio::buffer(small));
  EXPECT_EQ(read_response(s), body);
}

TEST(Connection, LargeBodyTricklingInIsReadWholeAndTheNextSmallFrameIsNotHeldBack) {
  large_frames lf;
  auto& [f, io, s] = lf;
  // Sizes around the low-water path's threshold and one larger than a typical receive buffer.
  for (std::size_t size : {std::size_t{64 * 1024 - 1}, std::size_t{64 * 1024}, std::size_t{1536 * 1024},
                           std::size_t{5 << 20}}) {
    SCOPED_TRACE(size);
    bytes fr = frame(patterned(size));
    // Pieces of 40 KiB with pauses: the reader sees the body arrive in many parts, and sometimes none.
    for (std::size_t at = 0; at < fr.size(); at += 40 * 1024) {
      asio::write(s, asio::buffer(fr.data() + at, std::min<std::size_t>(40 * 1024, fr.size() - at)));
      if ((at / (40 * 1024)) % 8 == 7) std::this_thread::sleep_for(3ms);
    }
    EXPECT_EQ(read_response(s), patterned(size));
    // A small frame after a pause: had the mark stayed at the large body's size, it would never be read.
    std::this_thread::sleep_for(20ms);
    expect_small_frame_answered(s);
  }
  EXPECT_EQ(f.handler.dispatched.load(), 8);
}

TEST(Connection, ABodyThatStallsLongerThanTheMarksGuardIsStillReadWhole) {
  large_frames lf;
  auto& [f, io, s] = lf;
  // Twice, each body stalling 120 ms halfway (past the 50 ms guard, which gives up the mark for good on
  // this connection): both bodies, and a small frame after them, are answered whole.
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round);
    bytes fr = frame(patterned(1 << 20));
    const std::size_t half = fr.size() / 2;
    asio::write(s, asio::buffer(fr.data(), half));
    std::this_thread::sleep_for(120ms);
    asio::write(s, asio::buffer(fr.data() + half, fr.size() - half));
    EXPECT_EQ(read_response(s), patterned(1 << 20));
  }
  expect_small_frame_answered(s);
  EXPECT_EQ(f.handler.dispatched.load(), 3);
}

TEST(Connection, PeerThatStopsMidLargeBodyIsClosedAndNothingIsDispatched) {
  large_frames lf;
  auto& [f, io, s] = lf;
  bytes fr = frame(patterned(1 << 20));
  asio::write(s, asio::buffer(fr.data(), 300 * 1024));  // the size prefix and under a third of the body
  std::this_thread::sleep_for(20ms);                     // the reader is waiting for the rest
  s.shutdown(tcp::socket::shutdown_send);                // FIN: the rest never comes
  std::uint8_t b;
  errno = 0;
  ssize_t got = ::recv(s.native_handle(), &b, 1, 0);  // returns once the server side closes
  EXPECT_TRUE(got == 0 || (got < 0 && errno == ECONNRESET)) << got << " " << std::strerror(errno);
  EXPECT_EQ(f.handler.dispatched.load(), 0);
  auto deadline = std::chrono::steady_clock::now() + 2s;
  while (f.budget.in_use() != 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(f.budget.in_use(), 0u);  // the body's lease went back
}

}  // namespace
}  // namespace sd::net
