#include "storage/file_deleter.h"

#include <system_error>
#include <vector>

#include "base/thread_name.h"
#include "io/filesystem.h"

namespace sd::storage {

file_deleter::file_deleter(io::filesystem& fs) : _fs(fs), _thread([this] { run(); }) {}

file_deleter::~file_deleter() {
  drain();
  {
    std::lock_guard lk(_mu);
    _stop = true;
  }
  _cv.notify_all();
  _thread.join();
}

void file_deleter::remove_later(std::string path) {
  bool queued = false;
  {
    std::lock_guard lk(_mu);
    if (_queue.size() < max_queued) {
      _queue.push_back(std::move(path));
      queued = true;
    }
  }
  if (queued)
    _cv.notify_all();
  else
    remove_now(path);  // queue full: the caller pays, as it would without the thread
}

void file_deleter::drain() {
  std::unique_lock lk(_mu);
  _cv.wait(lk, [&] { return _queue.empty() && !_busy; });
}

std::uint64_t file_deleter::removed_total() const {
  std::lock_guard lk(_mu);
  return _removed;
}

std::uint64_t file_deleter::failed_total() const {
  std::lock_guard lk(_mu);
  return _failed;
}

void file_deleter::remove_now(const std::string& path) {
  auto r = _fs.remove(path);
  std::lock_guard lk(_mu);
  if (r || r.error() == std::errc::no_such_file_or_directory)
    ++_removed;
  else
    ++_failed;
}

void file_deleter::run() {
  set_thread_name("sd-file-delete");
  std::vector<std::string> batch;
  std::unique_lock lk(_mu);
  for (;;) {
    _cv.wait(lk, [&] { return _stop || !_queue.empty(); });
    if (_queue.empty()) return;  // _stop, and nothing left
    batch.assign(std::make_move_iterator(_queue.begin()), std::make_move_iterator(_queue.end()));
    _queue.clear();
    _busy = true;
    lk.unlock();
    for (const auto& p : batch) remove_now(p);
    batch.clear();
    lk.lock();
    _busy = false;
    _cv.notify_all();  // drain()
  }
}

}  // namespace sd::storage
