#include "alerts/runner.h"

#include <spdlog/spdlog.h>
#include <sys/statvfs.h>

#include "base/clock.h"

namespace sd::alerts {

std::optional<disk_sample> read_disk_usage(const std::string& path) {
  struct statvfs s{};
  if (::statvfs(path.c_str(), &s) != 0) return std::nullopt;
  disk_sample d;
  d.free_bytes = static_cast<std::uint64_t>(s.f_bavail) * s.f_frsize;
  d.total_bytes = static_cast<std::uint64_t>(s.f_blocks) * s.f_frsize;
  return d;
}

void alert_runner::start() {
  if (_engine.empty() || _thread.joinable()) return;
  _thread = std::thread([this] { loop(); });
}

void alert_runner::stop() {
  {
    std::lock_guard lk(_mu);
    _stop = true;
  }
  _cv.notify_all();
  if (_thread.joinable()) _thread.join();
}

void alert_runner::loop() {
  std::unique_lock lk(_mu);
  while (!_stop) {
    lk.unlock();
    try {
      auto in = _gather();
      _engine.evaluate(in, std::chrono::steady_clock::now(), wall_ms_now());
    } catch (const std::exception& e) {
      spdlog::error("alert evaluation failed: {}", e.what());
    }
    lk.lock();
    _cv.wait_for(lk, _interval, [this] { return _stop; });
  }
}

}  // namespace sd::alerts
