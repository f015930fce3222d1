#include "io/faulty_filesystem.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#include "io/errc.h"

namespace sd::io {

namespace {
std::int64_t env_int(const char* name, std::int64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  std::size_t used = 0;
  long long x = 0;
  try {
    x = std::stoll(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != std::string(v).size() || x < -1) {
    throw std::invalid_argument(std::string(name) + ": expected an integer >= -1, got '" + v + "'");
  }
  return x;
}
}  // namespace

fault_config fault_config::from_env() {
  fault_config c;
  c.write_bytes_per_second = static_cast<std::uint64_t>(std::max<std::int64_t>(0, env_int("STREAMDOWN_FAULT_WRITE_BPS", 0)));
  c.max_bytes_per_write = static_cast<std::size_t>(std::max<std::int64_t>(0, env_int("STREAMDOWN_FAULT_SHORT_WRITE", 0)));
  c.no_space_after_bytes = env_int("STREAMDOWN_FAULT_NO_SPACE_AFTER", -1);
  c.crash_after_bytes = env_int("STREAMDOWN_FAULT_CRASH_AFTER", -1);
  c.fail_fsync = env_int("STREAMDOWN_FAULT_FSYNC_EIO", 0) != 0;
  c.fail_fsync_after = env_int("STREAMDOWN_FAULT_FSYNC_EIO_AFTER", -1);
  return c;
}

// Shared by the wrapper and every file it opened. All fields under mu.
struct fault_state {
  std::mutex mu;
  fault_config config;
  std::uint64_t written_since_config = 0;  // counts toward no_space / crash budgets
  std::int64_t syncs_since_config = 0;     // counts toward fail_fsync_after
  bool crashed = false;
  std::chrono::steady_clock::time_point throttle_free_at{};  // when the throttled "disk" is idle again
  fault_stats stats;

  // Decides how many of n bytes a write may pass to the inner file. Returns an error instead when the
  // write must fail outright. `crash_now` is set when the write crosses the crash point.
  result<std::size_t> admit(std::size_t n, bool& crash_now, std::chrono::steady_clock::time_point& sleep_until) {
    std::lock_guard lk(mu);
    if (crashed) return errc::crashed;
    std::size_t allowed = n;
    if (config.max_bytes_per_write != 0 && allowed > config.max_bytes_per_write) {
      allowed = config.max_bytes_per_write;
    }
    if (config.no_space_after_bytes >= 0) {
      auto budget = static_cast<std::uint64_t>(config.no_space_after_bytes);
      std::uint64_t left = budget > written_since_config ? budget - written_since_config : 0;
      if (left == 0 && n > 0) return std::error_code(ENOSPC, std::system_category());
      if (allowed > left) allowed = static_cast<std::size_t>(left);
    }
    if (config.crash_after_bytes >= 0) {
      auto budget = static_cast<std::uint64_t>(config.crash_after_bytes);
      std::uint64_t left = budget > written_since_config ? budget - written_since_config : 0;
      if (allowed >= left && n > 0 && left < n) {
        allowed = static_cast<std::size_t>(left);
        crash_now = true;
        crashed = true;
      }
    }
    written_since_config += allowed;
    if (config.write_bytes_per_second != 0 && allowed > 0) {
      auto now = std::chrono::steady_clock::now();
      if (throttle_free_at < now) throttle_free_at = now;
      auto delay = static_cast<std::int64_t>(static_cast<double>(allowed) * 1e9 /
                                             static_cast<double>(config.write_bytes_per_second));
      throttle_free_at += std::chrono::nanoseconds(delay);
      stats.throttle_ns += static_cast<std::uint64_t>(delay);
      sleep_until = throttle_free_at;
    }
    return allowed;
  }

  status before_sync() {
    std::lock_guard lk(mu);
    if (crashed) return errc::crashed;
    if (config.fail_fsync || (config.fail_fsync_after >= 0 && syncs_since_config >= config.fail_fsync_after)) {
      ++stats.failed_syncs;
      return std::error_code(EIO, std::system_category());
    }
    ++syncs_since_config;
    return ok();
  }

  status alive() {
    std::lock_guard lk(mu);
    if (crashed) return errc::crashed;
    return ok();
  }
};

namespace {

class faulty_file final : public file {
 public:
  faulty_file(std::shared_ptr<file> inner, std::shared_ptr<fault_state> state)
      : _inner(std::move(inner)), _state(std::move(state)) {}

  result<std::size_t> pwrite(file_pos pos, byte_span data) override {
    bool crash_now = false;
    std::chrono::steady_clock::time_point sleep_until{};
    auto allowed = _state->admit(data.size(), crash_now, sleep_until);
    if (!allowed) return allowed.error();
    std::size_t done = 0;
    if (*allowed > 0) {
      auto r = write_all(*_inner, pos, data.first(*allowed));
      if (!r) return r.error();
      done = *allowed;
      std::lock_guard lk(_state->mu);
      _state->stats.bytes_written += done;
      ++_state->stats.writes;
    }
    if (sleep_until != std::chrono::steady_clock::time_point{}) std::this_thread::sleep_until(sleep_until);
    if (crash_now) return errc::crashed;
    return done;
  }

  result<std::size_t> pread(file_pos pos, mutable_byte_span out) override {
    SD_TRY(_state->alive());
    return _inner->pread(pos, out);
  }

  status datasync() override { return injected_sync([&] { return _inner->datasync(); }); }

  status truncate(std::uint64_t size) override {
    SD_TRY(_state->alive());
    return _inner->truncate(size);
  }

  result<std::uint64_t> size() override {
    SD_TRY(_state->alive());
    return _inner->size();
  }

  status close() override { return _inner->close(); }
  int native_handle() const noexcept override { return _inner->native_handle(); }
  void start_writeback() noexcept override { _inner->start_writeback(); }
  // One sync for the fault budget, like datasync: STREAMDOWN_FAULT_FSYNC_EIO fails it too.
  status sync_filesystem() override { return injected_sync([&] { return _inner->sync_filesystem(); }); }
  std::uint64_t filesystem_id() const noexcept override { return _inner->filesystem_id(); }
  void drop_cache(file_pos pos, std::uint64_t len) noexcept override {
    {
      std::lock_guard lk(_state->mu);
      _state->stats.cache_drops += 1;
    }
    _inner->drop_cache(pos, len);
  }

 private:
  /// One sync through the fault budget: fails when STREAMDOWN_FAULT_FSYNC_EIO(_AFTER) says so, else runs
  /// `sync` on the inner file and counts it.
  template <class F>
  status injected_sync(F&& sync) {
    SD_TRY(_state->before_sync());
    SD_TRY(sync());
    std::lock_guard lk(_state->mu);
    ++_state->stats.syncs;
    return ok();
  }

  std::shared_ptr<file> _inner;
  std::shared_ptr<fault_state> _state;
};

}  // namespace

faulty_filesystem::faulty_filesystem(filesystem& inner, fault_config config)
    : _inner(inner), _state(std::make_shared<fault_state>()) {
  _state->config = config;
}

faulty_filesystem::~faulty_filesystem() = default;

void faulty_filesystem::set_config(const fault_config& config) {
  std::lock_guard lk(_state->mu);
  _state->config = config;
  _state->written_since_config = 0;
  _state->syncs_since_config = 0;
}

void faulty_filesystem::set_short_writes(std::size_t max_bytes_per_write) {
  std::lock_guard lk(_state->mu);
  _state->config.max_bytes_per_write = max_bytes_per_write;
}

void faulty_filesystem::set_fail_fsync(bool fail) {
  std::lock_guard lk(_state->mu);
  _state->config.fail_fsync = fail;
}

void faulty_filesystem::set_no_space_after(std::int64_t bytes) {
  std::lock_guard lk(_state->mu);
  _state->config.no_space_after_bytes = bytes;
  _state->written_since_config = 0;
}

void faulty_filesystem::set_crash_after(std::int64_t bytes) {
  std::lock_guard lk(_state->mu);
  _state->config.crash_after_bytes = bytes;
  _state->written_since_config = 0;
}

void faulty_filesystem::set_write_throttle(std::uint64_t bytes_per_second) {
  std::lock_guard lk(_state->mu);
  _state->config.write_bytes_per_second = bytes_per_second;
}

bool faulty_filesystem::crashed() const {
  std::lock_guard lk(_state->mu);
  return _state->crashed;
}

fault_stats faulty_filesystem::stats() const {
  std::lock_guard lk(_state->mu);
  return _state->stats;
}

result<std::shared_ptr<file>> faulty_filesystem::open(const std::string& path, open_mode mode) {
  SD_TRY(_state->alive());
  auto f = _inner.open(path, mode);
  if (!f) return f.error();
  return std::shared_ptr<file>(std::make_shared<faulty_file>(std::move(*f), _state));
}

status faulty_filesystem::remove(const std::string& path) {
  SD_TRY(_state->alive());
  return _inner.remove(path);
}

status faulty_filesystem::remove_all(const std::string& path) {
  SD_TRY(_state->alive());
  return _inner.remove_all(path);
}

status faulty_filesystem::rename(const std::string& from, const std::string& to) {
  SD_TRY(_state->alive());
  return _inner.rename(from, to);
}

status faulty_filesystem::mkdir(const std::string& path) {
  SD_TRY(_state->alive());
  return _inner.mkdir(path);
}

result<std::vector<dir_entry>> faulty_filesystem::list(const std::string& dir) {
  SD_TRY(_state->alive());
  return _inner.list(dir);
}

result<bool> faulty_filesystem::exists(const std::string& path) {
  SD_TRY(_state->alive());
  return _inner.exists(path);
}

status faulty_filesystem::sync_dir(const std::string& dir) {
  SD_TRY(_state->before_sync());
  SD_TRY(_inner.sync_dir(dir));
  std::lock_guard lk(_state->mu);
  ++_state->stats.syncs;
  return ok();
}

result<std::unique_ptr<file_lock>> faulty_filesystem::lock_exclusive(const std::string& path) {
  SD_TRY(_state->alive());
  return _inner.lock_exclusive(path);
}

result<std::uint64_t> faulty_filesystem::free_space(const std::string& path) {
  SD_TRY(_state->alive());
  return _inner.free_space(path);
}

filesystem& filesystem_from_env() {
  static filesystem* chosen = [] {
    fault_config config = fault_config::from_env();
    if (!config.any()) return &posix_filesystem();
    static faulty_filesystem faulty(posix_filesystem(), config);
    return static_cast<filesystem*>(&faulty);
  }();
  return *chosen;
}

}  // namespace sd::io
