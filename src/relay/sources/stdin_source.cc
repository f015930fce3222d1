// The `stdin` source: one record per line read from standard input (or any descriptor: stdin_source.h).
//   format lines: each '\n'-terminated line is a record's value (null key, no headers; the '\n' is not
//                 part of it, a '\r' before it is); a last line without '\n' at end of input is a record too;
//   format json:  each non-blank line is one record_json object (key, value, headers, partition, timestamp);
//                 an unreadable line is counted in rejected_total, logged at most once a second, and skipped.
// A line longer than max_line_bytes is cut into records of max_line_bytes (the rest follows as the next
// record; in format json the pieces are unreadable and rejected).
//
// Acknowledgement: stdin has no peer to acknowledge. "Acknowledged" here means durable in the spool (under
// the configured spool.sync): a line counts in appended_total only once the spool's append callback reported
// it. Lines taken from the descriptor but not yet acknowledged are lost if the relay is killed (or stopped
// while the spool is full): stdin cannot be re-read. At most one batch is at risk: the reader takes no more
// input until the batch in flight is acknowledged.
//
// Flow (one reader thread): read what the descriptor has (bounded reads), cut it into lines, gather a batch
// (up to 1000 records, ~1 MiB, or whatever is available without blocking), append it, wait for the callback,
// then read on. Under spool.when.full = block the same batch is retried when the spool frees space (never
// dropped); meanwhile nothing is read, so the writer to stdin blocks on a full pipe. At end of input the
// source appends what is left and stops reading; what was acknowledged stays.
//
// Memory bound: the carried partial line (<= max_line_bytes) plus one read chunk plus one batch.

#include "relay/sources/stdin_source.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>

#include "relay/sources/line_batch.h"
#include "relay/sources/sources.h"

namespace sd::relay {
namespace {

constexpr std::size_t read_chunk_bytes = 64u << 10;
constexpr int idle_poll_ms = 100;  // how often a reader with nothing to send checks for stop()

class fd_source final : public source {
 public:
  fd_source(source_config cfg, source_context& ctx, int fd)
      : source(std::move(cfg)),
        _ctx(ctx),
        _fd(fd),
        _decoder(_cfg, _stats),
        _appender(ctx.spool, _stats, _cfg.name) {
    if (_cfg.max_line_bytes == 0)
      throw std::runtime_error("source " + _cfg.name + ": max_line_bytes must be > 0");
  }

  ~fd_source() override { stop(); }

  void start() override {
    if (_thread.joinable()) return;
    _thread = std::thread([this] { run(); });
  }

  void stop() override {
    _stop.store(true);
    _appender.stop();
    if (_thread.joinable()) _thread.join();
  }

  void describe(nlohmann::json& out) const override {
    out["fd"] = _fd;
    out["eof"] = _eof.load();
  }

 private:
  /// Moves complete lines from _carry into _batch, up to the caps. Returns true when the batch is full.
  bool take_lines(const line_batch::batch_caps& caps) {
    while (_batch.size() < caps.max_records && _batch_cost < caps.max_bytes) {
      auto split = line_batch::split_lines(_carry, _cfg.max_line_bytes, caps.max_records - _batch.size(),
                                           caps.max_bytes - _batch_cost, _eof.load(), _line_overhead);
      if (split.lines.empty()) break;
      for (const auto& piece : split.lines) {
        _stats.received_total.fetch_add(1, std::memory_order_relaxed);
        if (auto r = _decoder.decode(std::string_view(_carry).substr(piece.begin, piece.size))) {
          _batch_cost += line_batch::record_cost(*r);
          _batch.push_back(std::move(*r));
        }
      }
      _carry.erase(0, split.consumed);
    }
    return _batch.size() >= caps.max_records || _batch_cost >= caps.max_bytes;
  }

  enum class read_result { data, nothing, eof };

  read_result read_some(int timeout_ms) {
    pollfd p{_fd, POLLIN, 0};
    int n = ::poll(&p, 1, timeout_ms);
    if (n < 0) {
      if (errno == EINTR) return read_result::nothing;
      return fail("poll");
    }
    if (n == 0) return read_result::nothing;
    const std::size_t old = _carry.size();
    _carry.resize(old + read_chunk_bytes);
    ssize_t got = ::read(_fd, _carry.data() + old, read_chunk_bytes);
    _carry.resize(old + (got > 0 ? static_cast<std::size_t>(got) : 0));
    if (got > 0) return read_result::data;
    if (got == 0) return read_result::eof;
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) return read_result::nothing;
    return fail("read");
  }

  read_result fail(const char* what) {
    _stats.errors_total.fetch_add(1, std::memory_order_relaxed);
    spdlog::error("relay source {}: {} on fd {} failed: {}; treating it as end of input", _cfg.name, what,
                  _fd, std::strerror(errno));
    return read_result::eof;
  }

  void run() {
    const auto caps = line_batch::caps_for(_ctx.spool);
    while (!_stop.load()) {
      const bool full = take_lines(caps);
      if (_eof.load() && _carry.empty() && _batch.empty()) break;
      if (!full && !_eof.load()) {
        // With nothing gathered, wait for input; with a partial batch, take only what is there right now.
        auto r = read_some(_batch.empty() ? idle_poll_ms : 0);
        if (r == read_result::eof) _eof.store(true);
        if (r != read_result::nothing) continue;
        if (_batch.empty()) continue;
      }
      if (_batch.empty()) continue;
      if (!send()) return;
    }
    if (_stop.load() && !_eof.load()) {
      // stop(): hand over the complete lines already taken from the descriptor (one attempt; a full spool
      // loses them, as documented above). A partial line is dropped.
      take_lines(caps);
      if (!_batch.empty()) send();
      return;
    }
    spdlog::info("relay source {}: end of input after {} records ({} appended)", _cfg.name,
                 _stats.received_total.load(), _stats.appended_total.load());
  }

  bool send() {
    const auto n = _batch.size();
    auto outcome = _appender.append(_batch);
    if (outcome == line_batch::batch_appender::outcome::stopped) {
      spdlog::warn(
          "relay source {}: stopped while the spool was full; {} lines read from stdin were not stored",
          _cfg.name, n);
      _batch.clear();
      return false;
    }
    _batch_cost = 0;
    return true;
  }

  source_context& _ctx;
  const int _fd;
  line_batch::line_decoder _decoder;
  line_batch::batch_appender _appender;
  std::string _carry;                 // bytes read, not yet cut into lines (reader thread only)
  std::vector<spool::record> _batch;  // records gathered for the next append (reader thread only)
  std::size_t _batch_cost = 0;
  const std::size_t _line_overhead = line_batch::line_overhead_for(_cfg.topic);
  std::atomic<bool> _stop{false};
  std::atomic<bool> _eof{false};
  std::thread _thread;
};

}  // namespace

std::unique_ptr<source> make_fd_source(source_config cfg, source_context& ctx, int fd) {
  return std::make_unique<fd_source>(std::move(cfg), ctx, fd);
}

std::unique_ptr<source> make_stdin_source(source_config cfg, source_context& ctx) {
  return make_fd_source(std::move(cfg), ctx, STDIN_FILENO);
}

}  // namespace sd::relay
