#include "storage/file_deleter.h"

#include <system_error>

#include "io/filesystem.h"

namespace sd::storage {

file_deleter::file_deleter(io::filesystem& fs)
    : _fs(fs),
      _worker(
          "sd-file-delete", max_queued,
          [this](removal& r) {
            if (r.how == shrink::stepwise) shrink_now(r.path);
            remove_now(r.path);
          },
          background_worker<removal>::at_stop::run_queued) {}

// The worker's destructor unlinks whatever is still queued before its thread stops.
file_deleter::~file_deleter() = default;

void file_deleter::remove_later(std::string path, shrink how) {
  removal r{std::move(path), how};
  // Queue full: the caller pays, as it would without the thread, and for an unlink only (shrinking first
  // spreads the same work over more time, which is the deleter thread's to spend, not an owner loop's).
  if (!_worker.try_push(r)) remove_now(r.path);
}

void file_deleter::drain() { _worker.drain(); }

std::uint64_t file_deleter::removed_total() const { return _removed.load(); }

std::uint64_t file_deleter::failed_total() const { return _failed.load(); }

std::uint64_t file_deleter::shrink_steps_total() const { return _shrink_steps.load(); }

std::uint64_t file_deleter::next_shrink_size(std::uint64_t size, std::uint64_t step) {
  return size == 0 ? 0 : (size - 1) / step * step;
}

void file_deleter::shrink_now(const std::string& path) {
  auto f = _fs.open(path, io::open_mode::read_write);
  if (!f) return;  // missing, or not ours to open: the unlink decides what to count
  auto size = (*f)->size();
  if (!size) return;
  for (std::uint64_t left = *size; left > 0;) {
    left = next_shrink_size(left, step_bytes);
    if (!(*f)->truncate(left)) break;
    _shrink_steps.fetch_add(1, std::memory_order_relaxed);
  }
  (void)(*f)->close();
}

void file_deleter::remove_now(const std::string& path) {
  auto r = _fs.remove(path);
  if (r || r.error() == std::errc::no_such_file_or_directory)
    _removed.fetch_add(1);
  else
    _failed.fetch_add(1);
}

}  // namespace sd::storage
