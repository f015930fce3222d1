// File slices in responses (a Fetch response's record data) reach the client byte for byte whichever way
// the connection sends them: sendfile, copied through a staging buffer, or the default (copy to loopback
// peers). The copy path falls back to sendfile when the memory budget cannot hold a staging buffer, and a
// slice that runs past the end of its file closes the connection instead of sending a short frame.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "base/bytes.h"
#include "net/server.h"
#include "net/staging_buffer.h"
#include "temp_dir.h"

namespace sd::net {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t file_size = 3 * 1024 * 1024 + 123;  // one slice longer than a staging buffer

/// Answers every frame with: header bytes, slice [0, 1000), a few bytes, slice [1000, file_size + past_end), a
/// tail. A non-zero `past_end` makes the second slice claim bytes the file does not have.
class file_handler final : public request_handler {
 public:
  int fd = -1;
  std::uint32_t past_end = 0;
  awaitable<response_task> dispatch(const connection_info&, inbound_frame) override { co_return reply(); }
  void on_refused_frame(const connection_info&, std::int64_t) override {}

  static bytes expected_body(const bytes& file) {
    bytes out = {'h', 'd', 'r'};
    out.insert(out.end(), file.begin(), file.begin() + 1000);
    out.insert(out.end(), {'m', 'i', 'd'});
    out.insert(out.end(), file.begin() + 1000, file.end());
    out.insert(out.end(), {'t', 'a', 'i', 'l'});
    return out;
  }

 private:
  response_task reply() {
    auto keep = std::make_shared<int>(0);
    std::uint32_t second = static_cast<std::uint32_t>(file_size - 1000) + past_end;
    outbound_message m;
    bytes head;
    append_be<std::int32_t>(head, static_cast<std::int32_t>(3 + 1000 + 3 + second + 4));
    head.insert(head.end(), {'h', 'd', 'r'});
    m.chunks.emplace_back(std::move(head));
    m.chunks.emplace_back(file_slice{fd, 0, 1000, keep});
    m.chunks.emplace_back(bytes{'m', 'i', 'd'});
    m.chunks.emplace_back(file_slice{fd, 1000, second, keep});
    m.chunks.emplace_back(bytes{'t', 'a', 'i', 'l'});
    co_return m;
  }
};

struct file_send_fixture {
  test::temp_dir dir;
  bytes file = bytes(file_size);
  shard_set shards{1};
  file_handler handler;
  memory_budget budget;
  server srv;
  tcp::endpoint ep;
  file_send_fixture(file_send_mode mode, std::size_t budget_bytes = 8 << 20)
      : budget(budget_bytes), srv(shards, handler, budget, connection_limits{64, 8, mode}) {
    std::mt19937 rng(7);
    for (auto& b : file) b = static_cast<std::uint8_t>(rng());
    std::string path = dir / "segment";
    int w = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    EXPECT_EQ(::write(w, file.data(), file.size()), static_cast<ssize_t>(file.size()));
    ::close(w);
    handler.fd = ::open(path.c_str(), O_RDONLY);
    ep = srv.listen("127.0.0.1", 0);
    shards.start();
    srv.start_accepting();
  }
  ~file_send_fixture() {
    srv.shutdown(100ms);
    shards.stop();
    ::close(handler.fd);
  }

  /// Connects `s` and sends one 8-byte request; returns the size prefix of the response.
  std::size_t request(tcp::socket& s) {
    s.connect(ep);
    bytes req;
    append_be<std::int32_t>(req, 8);
    req.resize(12, 0);
    asio::write(s, asio::buffer(req));
    std::uint8_t hdr[4];
    asio::read(s, asio::buffer(hdr));
    return static_cast<std::size_t>(load_be<std::int32_t>(hdr));
  }

  /// One request, and its whole response body.
  bytes round_trip() {
    asio::io_context io;
    tcp::socket s(io);
    bytes body(request(s));
    asio::read(s, asio::buffer(body));
    return body;
  }
};

std::uint64_t load(const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); }

void expect_file_bytes(const file_send_fixture& f, std::uint64_t copied, std::uint64_t by_sendfile) {
  EXPECT_EQ(load(f.srv.probe().file_bytes_copied_total), copied);
  EXPECT_EQ(load(f.srv.probe().file_bytes_sendfile_total), by_sendfile);
}

TEST(FileSend, SendfileDeliversEveryByte) {
  file_send_fixture f(file_send_mode::sendfile);
  EXPECT_EQ(f.round_trip(), file_handler::expected_body(f.file));
  expect_file_bytes(f, 0, file_size);
}

TEST(FileSend, CopyDeliversEveryByteAndReturnsTheBudget) {
  file_send_fixture f(file_send_mode::copy);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(f.round_trip(), file_handler::expected_body(f.file)) << "round " << i;
  expect_file_bytes(f, 3 * file_size, 0);
  EXPECT_EQ(load(f.srv.probe().bytes_sent_total), 3 * (4 + 3 + 3 + 4 + file_size));
  // The staging buffer's lease is returned once the response is written.
  for (int i = 0; i < 100 && f.budget.in_use() != 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(f.budget.in_use(), 0u);
}

TEST(FileSend, DefaultCopiesToLoopbackPeers) {
  file_send_fixture f(file_send_mode::copy_to_loopback);
  EXPECT_EQ(f.round_trip(), file_handler::expected_body(f.file));
  expect_file_bytes(f, file_size, 0);
}

TEST(FileSend, CopyFallsBackToSendfileWhenTheBudgetCannotHoldABuffer) {
  file_send_fixture f(file_send_mode::copy, staging_buffer::capacity / 2);
  EXPECT_EQ(f.round_trip(), file_handler::expected_body(f.file));
  expect_file_bytes(f, 0, file_size);
}

const char* mode_name(file_send_mode m) {
  switch (m) {
    case file_send_mode::sendfile: return "sendfile";
    case file_send_mode::copy: return "copy";
    case file_send_mode::copy_to_loopback: return "copy_to_loopback";
  }
  return "?";
}

class FileSendPastEnd : public ::testing::TestWithParam<file_send_mode> {};

TEST_P(FileSendPastEnd, ASliceLongerThanItsFileClosesTheConnection) {
  file_send_fixture f(GetParam());
  f.handler.past_end = 4096;
  asio::io_context io;
  tcp::socket s(io);
  std::size_t claimed = f.request(s);
  // Everything the file has may arrive, but never the whole frame: the stream ends first.
  bytes body(claimed);
  boost::system::error_code ec;
  std::size_t got = asio::read(s, asio::buffer(body), ec);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  EXPECT_LT(got, claimed);
}

INSTANTIATE_TEST_SUITE_P(Modes, FileSendPastEnd,
                         ::testing::Values(file_send_mode::sendfile, file_send_mode::copy),
                         [](const auto& test_info) { return std::string(mode_name(test_info.param)); });

TEST(StagingBuffer, ThreadKeepsABoundedNumberOfIdleBuffers) {
  {
    std::vector<staging_buffer> held;
    for (std::size_t i = 0; i < staging_buffer::idle_per_thread + 3; ++i) held.push_back(staging_buffer::take());
  }
  EXPECT_EQ(staging_buffer::idle_on_this_thread(), staging_buffer::idle_per_thread);
  std::uint8_t* reused = nullptr;
  {
    staging_buffer b = staging_buffer::take();
    reused = b.data();
    EXPECT_EQ(staging_buffer::idle_on_this_thread(), staging_buffer::idle_per_thread - 1);
  }
  staging_buffer again = staging_buffer::take();
  EXPECT_EQ(again.data(), reused);  // the most recently returned buffer comes back first
}

}  // namespace
}  // namespace sd::net
