// The `file` source: tails the files named by `paths` (literal paths or globs, expanded again at every poll)
// and appends one record per line (format lines | json, as the stdin source: line_batch.h).
//
// Contract:
//   - A file is tracked by (device, inode) while open; its offset is just past the last line the spool
//     acknowledged. A partial last line waits for its '\n' (a line longer than max_line_bytes is cut into
//     records of that size, the only record ever emitted without a newline).
//   - The checkpoint (file_tail.h: path, device, inode, offset, fingerprint per file) is replaced
//     atomically, and ONLY after the spool's append callback acknowledged the lines up to the new offset:
//     the tail position never moves before delivery into the spool (fluent-bit's lesson). Under
//     spool.when.full = block the source stops reading, the checkpoint stays, and reading resumes when the
//     spool frees space.
//   - Duplicate window: the spool's acknowledgement and the checkpoint's fsync are two steps. A crash between
//     them re-reads, after the restart, the lines of that one batch (at most 1000 lines / ~1 MiB per file
//     being read): a duplicate window of at most one batch. Nothing is lost in that window.
//   - Rename rotation: a tracked file that no longer sits at any matched path (renamed away, or deleted) is
//     read to its end first in every poll (before files still at their path) and kept open until it has not
//     grown for rotate_wait (5 s), so lines its writer adds after the rename are still taken; then it is
//     closed and leaves the checkpoint. The new file at the path is read from offset 0.
//   - copytruncate: a tracked file whose size drops below its offset, or whose first bytes no longer match
//     its fingerprint, is read again from offset 0.
//   - start_at (beginning | end) applies only to files found by start()'s first scan that have no checkpoint
//     entry; a file appearing later (a rotation's new file, a new glob match) is always read from its start.
//   - Restart: a file found with a checkpoint entry of the same (device, inode) and a matching fingerprint
//     resumes at its offset; otherwise (the inode was reused, or the file was rewritten) it starts from 0. A
//     file that was rotated away and not finished before the restart is not found again (its new name does
//     not match): its unread tail is lost.
//   - Bounds: one read buffer of max(1 MiB, max_line_bytes + 1) bytes, one batch in flight, one open
//     descriptor per tracked file.
//   - stats().lag: bytes in the tracked files beyond their offsets, refreshed every poll (also while waiting
//     for spool space).
//
// Threading: one tail thread owns the tracked files and the checkpoint; describe() reads a snapshot under a
// mutex.

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "base/log_limiter.h"
#include "relay/sources/file_tail.h"
#include "relay/sources/line_batch.h"
#include "relay/sources/sources.h"

namespace sd::relay {
namespace {

using namespace std::chrono_literals;
using file_tail::file_id;

constexpr auto poll_interval = 250ms;
constexpr auto rotate_wait = 5s;  // a detached file is closed once it has not grown for this long
constexpr std::size_t min_read_bytes = 1u << 20;

struct tracked_file {
  std::string path;  // where it was last seen
  file_id id;
  int fd = -1;
  std::uint64_t offset = 0;  // every line before it is acknowledged by the spool
  std::uint64_t size = 0;    // at the last fstat
  file_tail::fingerprint fp;
  bool detached = false;  // no longer at any matched path (renamed away or deleted)
  std::chrono::steady_clock::time_point last_growth = std::chrono::steady_clock::now();
};

struct file_status {
  std::string path;
  std::uint64_t inode = 0, offset = 0, size = 0;
  bool detached = false;
};

class file_source final : public source {
 public:
  file_source(source_config cfg, source_context& ctx)
      : source(std::move(cfg)), _ctx(ctx), _decoder(_cfg, _stats), _appender(ctx.spool, _stats, _cfg.name) {
    if (_cfg.paths.empty()) throw std::runtime_error("file source " + _cfg.name + ": no path configured");
    if (_cfg.max_line_bytes == 0)
      throw std::runtime_error("file source " + _cfg.name + ": max_line_bytes must be > 0");
    if (_cfg.start_at != "beginning" && _cfg.start_at != "end")
      throw std::runtime_error("file source " + _cfg.name + ": start_at must be beginning or end");
    if (_ctx.state_dir.empty()) throw std::runtime_error("file source " + _cfg.name + ": no state directory");
    std::string safe = _cfg.name;
    std::replace(safe.begin(), safe.end(), '/', '_');
    _checkpoint_path = _ctx.state_dir + "/" + safe + ".checkpoint.json";
    _appender.set_wait_hook([this] { refresh_sizes(); });
  }

  ~file_source() override {
    stop();
    for (auto& [id, f] : _files) ::close(f.fd);
  }

  void start() override {
    if (_thread.joinable()) return;
    std::error_code ec;
    std::filesystem::create_directories(_ctx.state_dir, ec);
    if (ec)
      throw std::runtime_error("file source " + _cfg.name + ": cannot create " + _ctx.state_dir + ": " +
                               ec.message());
    load_checkpoint();
    scan(/*first=*/true);  // throws for a matched file that cannot be opened
    _loaded.clear();       // entries of files not found now leave the checkpoint (found later: read from 0)
    write_checkpoint();
    _thread = std::thread([this] { run(); });
  }

  void stop() override {
    {
      std::lock_guard lk(_mu);
      _stop = true;
    }
    _cv.notify_all();
    _appender.stop();
    if (_thread.joinable()) _thread.join();
  }

  void describe(nlohmann::json& out) const override {
    std::lock_guard lk(_mu);
    auto files = nlohmann::json::array();
    for (const auto& f : _status)
      files.push_back({{"path", f.path},
                       {"inode", f.inode},
                       {"offset", f.offset},
                       {"size", f.size},
                       {"rotated", f.detached}});
    out["files"] = std::move(files);
    out["checkpoint"] = _checkpoint_path;
  }

 private:
  bool stopping() const {
    std::lock_guard lk(_mu);
    return _stop;
  }

  void run() {
    _buf.resize(std::max(min_read_bytes, _cfg.max_line_bytes + 1));
    while (!stopping()) {
      read_all();
      if (stopping()) break;
      scan(/*first=*/false);
      write_checkpoint();
      std::unique_lock lk(_mu);
      _cv.wait_for(lk, poll_interval, [&] { return _stop; });
    }
    write_checkpoint();
  }

  void load_checkpoint() {
    std::string error;
    auto text = file_tail::read_whole_file(_checkpoint_path, error);
    if (!error.empty()) throw std::runtime_error("file source " + _cfg.name + ": " + error);
    if (!text) return;
    auto entries = file_tail::decode_checkpoint(*text);
    if (!entries) {
      // Never let a damaged checkpoint block start-up: keep it aside for inspection and start without it.
      const auto aside = _checkpoint_path + ".corrupt";
      ::rename(_checkpoint_path.c_str(), aside.c_str());
      spdlog::error("file source {}: checkpoint {} is unreadable (moved to {}); files start per start_at={}",
                    _cfg.name, _checkpoint_path, aside, _cfg.start_at);
      return;
    }
    for (auto& e : *entries) _loaded[e.id] = std::move(e);
  }

  /// Fingerprint of the first min(bytes, size) bytes of an open file; nullopt when shorter than `bytes`.
  std::optional<file_tail::fingerprint> prefix_fingerprint(int fd, std::size_t bytes) {
    char prefix[file_tail::fingerprint_max_bytes];
    bytes = std::min(bytes, sizeof prefix);
    ssize_t n = ::pread(fd, prefix, bytes, 0);
    if (n < 0 || static_cast<std::size_t>(n) < bytes) return std::nullopt;
    return file_tail::make_fingerprint(std::string_view(prefix, bytes));
  }

  /// Re-expands the patterns, opens new files, marks vanished ones detached, and detects truncation.
  void scan(bool first) {
    std::set<file_id> present;
    for (const auto& path : file_tail::expand_paths(_cfg.paths)) {
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0) continue;  // gone since the expansion
      file_id id{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
      present.insert(id);
      if (auto it = _files.find(id); it != _files.end()) {
        it->second.path = path;
        it->second.detached = false;
        continue;
      }
      open_file(path, first);
    }
    for (auto& [id, f] : _files) {
      struct stat st {};
      if (::fstat(f.fd, &st) != 0) continue;
      if (!present.count(id) || st.st_nlink == 0) {
        if (!f.detached)
          spdlog::info("file source {}: {} was rotated away; reading it to its end", _cfg.name, f.path);
        f.detached = true;
      }
      const auto size = static_cast<std::uint64_t>(st.st_size);
      if (size != f.size) f.last_growth = std::chrono::steady_clock::now();
      f.size = size;
      if (file_tail::decide_resume({f.path, id, f.offset, f.fp}, size,
                                   prefix_fingerprint(f.fd, f.fp.bytes)) == file_tail::resume::from_start) {
        spdlog::info("file source {}: {} was truncated or rewritten; reading it again from the start",
                     _cfg.name, f.path);
        f.offset = 0;
        f.fp = {};
        _dirty = true;
      }
      if (f.fp.bytes < file_tail::fingerprint_max_bytes && size > f.fp.bytes) {
        if (auto fp =
                prefix_fingerprint(f.fd, std::min<std::uint64_t>(size, file_tail::fingerprint_max_bytes))) {
          f.fp = *fp;
          _dirty = true;
        }
      }
    }
    // Detached files that stopped growing and hold no more complete line are done.
    const auto now = std::chrono::steady_clock::now();
    for (auto it = _files.begin(); it != _files.end();) {
      auto& f = it->second;
      if (f.detached && now - f.last_growth >= rotate_wait && !has_complete_line(f)) {
        if (f.offset < f.size)
          spdlog::warn("file source {}: rotated file {} ends with {} bytes without a newline; not taken",
                       _cfg.name, f.path, f.size - f.offset);
        ::close(f.fd);
        it = _files.erase(it);
        _dirty = true;
      } else {
        ++it;
      }
    }
    publish_status();
  }

  void open_file(const std::string& path, bool first) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      const std::string msg = "cannot open " + path + ": " + std::strerror(errno);
      if (first) throw std::runtime_error("file source " + _cfg.name + ": " + msg);
      _stats.errors_total.fetch_add(1, std::memory_order_relaxed);
      static log_limiter limiter;
      if (auto skipped = limiter.admit())
        spdlog::warn("file source {}: {} ({} more not logged)", _cfg.name, msg, *skipped);
      return;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 ||
        _files.count({static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)})) {
      ::close(fd);  // replaced between stat and open by a file we already track: the next scan sorts it out
      return;
    }
    tracked_file f;
    f.path = path;
    f.id = {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
    f.fd = fd;
    f.size = static_cast<std::uint64_t>(st.st_size);
    if (auto it = _loaded.find(f.id); it != _loaded.end()) {
      if (file_tail::decide_resume(it->second, f.size, prefix_fingerprint(fd, it->second.fp.bytes)) ==
          file_tail::resume::at_offset) {
        f.offset = it->second.offset;
        f.fp = it->second.fp;
      } else {
        spdlog::info(
            "file source {}: {} differs from its checkpoint (truncated or another file); reading from the "
            "start",
            _cfg.name, path);
      }
    } else if (first && _cfg.start_at == "end") {
      f.offset = f.size;
    }
    _dirty = true;
    _files.emplace(f.id, std::move(f));
  }

  bool has_complete_line(const tracked_file& f) {
    if (f.offset >= f.size) return false;
    if (f.size - f.offset > _cfg.max_line_bytes) return true;
    std::string rest(f.size - f.offset, '\0');
    ssize_t n = ::pread(f.fd, rest.data(), rest.size(), static_cast<off_t>(f.offset));
    return n > 0 && std::memchr(rest.data(), '\n', static_cast<std::size_t>(n)) != nullptr;
  }

  /// Reads every tracked file to its last complete line: detached (rotated) files first, then the others by
  /// path. Returns early on stop().
  void read_all() {
    std::vector<tracked_file*> order;
    for (auto& [id, f] : _files) order.push_back(&f);
    std::stable_sort(order.begin(), order.end(), [](const tracked_file* a, const tracked_file* b) {
      if (a->detached != b->detached) return a->detached;
      return a->path < b->path;
    });
    for (auto* f : order)
      if (!read_file(*f)) return;
  }

  /// Appends f's complete lines batch by batch, moving the checkpoint after each acknowledgement.
  /// False when stopped.
  bool read_file(tracked_file& f) {
    const auto caps = line_batch::caps_for(_ctx.spool);
    for (;;) {
      if (stopping()) return false;
      ssize_t n = ::pread(f.fd, _buf.data(), _buf.size(), static_cast<off_t>(f.offset));
      if (n < 0) {
        if (errno == EINTR) continue;
        _stats.errors_total.fetch_add(1, std::memory_order_relaxed);
        static log_limiter limiter;
        if (auto skipped = limiter.admit())
          spdlog::warn("file source {}: read {} failed: {} ({} more not logged)", _cfg.name, f.path,
                       std::strerror(errno), *skipped);
        return true;
      }
      if (n == 0) return true;
      const std::string_view data(_buf.data(), static_cast<std::size_t>(n));
      auto split = line_batch::split_lines(data, _cfg.max_line_bytes, caps.max_records, caps.max_bytes, false,
                                           _line_overhead);
      if (split.lines.empty()) return true;  // a partial line: wait for its newline
      std::vector<spool::record> batch;
      batch.reserve(split.lines.size());
      std::size_t cost = 0;
      std::size_t taken = 0;  // bytes of data covered by the records in batch
      for (const auto& piece : split.lines) {
        auto r = _decoder.decode(data.substr(piece.begin, piece.size));
        if (r) {
          if (!batch.empty() && cost + line_batch::record_cost(*r) > caps.max_bytes) break;  // json may grow
          cost += line_batch::record_cost(*r);
          batch.push_back(std::move(*r));
        }
        _stats.received_total.fetch_add(1, std::memory_order_relaxed);
        const bool newline = piece.begin + piece.size < data.size() && data[piece.begin + piece.size] == '\n';
        taken = piece.begin + piece.size + (newline ? 1 : 0);
      }
      f.size = std::max<std::uint64_t>(f.size, f.offset + static_cast<std::uint64_t>(n));
      if (!batch.empty() && _appender.append(batch) == line_batch::batch_appender::outcome::stopped)
        return false;  // not in the spool: the offset and the checkpoint stay
      f.offset += taken;
      _dirty = true;
      write_checkpoint();
      publish_status();
    }
  }

  /// While the tail thread waits for spool space: refresh sizes and lag only.
  void refresh_sizes() {
    for (auto& [id, f] : _files) {
      struct stat st {};
      if (::fstat(f.fd, &st) == 0) f.size = static_cast<std::uint64_t>(st.st_size);
    }
    publish_status();
  }

  void publish_status() {
    std::vector<file_status> status;
    std::int64_t lag = 0;
    for (const auto& [id, f] : _files) {
      status.push_back({f.path, id.inode, f.offset, f.size, f.detached});
      if (f.size > f.offset) lag += static_cast<std::int64_t>(f.size - f.offset);
    }
    _stats.lag.store(lag, std::memory_order_relaxed);
    std::lock_guard lk(_mu);
    _status = std::move(status);
  }

  /// Writes the checkpoint if anything changed since the last write. Called only with offsets the spool has
  /// acknowledged. A failed write is retried at the next change or poll.
  void write_checkpoint() {
    if (!_dirty) return;
    std::vector<file_tail::checkpoint_entry> entries;
    for (const auto& [id, f] : _files) entries.push_back({f.path, id, f.offset, f.fp});
    auto text = file_tail::encode_checkpoint(entries);
    if (text == _written) {
      _dirty = false;
      return;
    }
    if (auto err = file_tail::write_file_atomic(_checkpoint_path, text); !err.empty()) {
      _stats.errors_total.fetch_add(1, std::memory_order_relaxed);
      static log_limiter limiter;
      if (auto skipped = limiter.admit())
        spdlog::error("file source {}: checkpoint not written: {} ({} more not logged)", _cfg.name, err,
                      *skipped);
      return;
    }
    _written = std::move(text);
    _dirty = false;
  }

  source_context& _ctx;
  line_batch::line_decoder _decoder;
  line_batch::batch_appender _appender;
  std::string _checkpoint_path;
  const std::size_t _line_overhead = line_batch::line_overhead_for(_cfg.topic);
  // Tail thread only (and start() before the thread exists):
  std::map<file_id, tracked_file> _files;
  std::map<file_id, file_tail::checkpoint_entry> _loaded;  // from the checkpoint, until the first scan
  std::string _buf;
  std::string _written;  // the checkpoint text last written
  bool _dirty = false;
  // Shared:
  mutable std::mutex _mu;
  std::condition_variable _cv;
  bool _stop = false;
  std::vector<file_status> _status;
  std::thread _thread;
};

}  // namespace

std::unique_ptr<source> make_file_source(source_config cfg, source_context& ctx) {
  return std::make_unique<file_source>(std::move(cfg), ctx);
}

}  // namespace sd::relay
