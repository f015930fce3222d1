#pragma once
// alert_runner: the thread that evaluates the alert rules every `interval` (streamdown.alerts.eval.interval.ms).
// Its own thread, never a Kafka shard: gathering the inputs may block (lag hops to the coordinator and
// storage loops, statvfs), which is fine here and would not be on an event loop.
//
// Lifecycle (app/): start() once the event loops run; stop() before they stop (a gather in progress needs them).

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "alerts/engine.h"

namespace sd::alerts {

/// Free and total bytes of the file system holding `path` (statvfs), or nullopt when it fails.
std::optional<disk_sample> read_disk_usage(const std::string& path);

class alert_runner {
 public:
  using gather_fn = std::function<alert_inputs()>;
  alert_runner(alert_engine& engine, gather_fn gather, std::chrono::milliseconds interval)
      : _engine(engine), _gather(std::move(gather)), _interval(interval) {}
  ~alert_runner() { stop(); }
  alert_runner(const alert_runner&) = delete;
  alert_runner& operator=(const alert_runner&) = delete;

  void start();
  void stop();

 private:
  void loop();

  alert_engine& _engine;
  gather_fn _gather;
  std::chrono::milliseconds _interval;
  std::mutex _mu;
  std::condition_variable _cv;
  bool _stop = false;  // guarded by _mu
  std::thread _thread;
};

}  // namespace sd::alerts
