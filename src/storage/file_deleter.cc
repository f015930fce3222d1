#include "storage/file_deleter.h"

#include <system_error>

#include "io/filesystem.h"

namespace sd::storage {

file_deleter::file_deleter(io::filesystem& fs)
    : _fs(fs),
      _worker("sd-file-delete", max_queued, [this](std::string& path) { remove_now(path); },
              background_worker<std::string>::at_stop::run_queued) {}

// The worker's destructor unlinks whatever is still queued before its thread stops.
file_deleter::~file_deleter() = default;

void file_deleter::remove_later(std::string path) {
  if (!_worker.try_push(path)) remove_now(path);  // queue full: the caller pays, as it would without the thread
}

void file_deleter::drain() { _worker.drain(); }

std::uint64_t file_deleter::removed_total() const { return _removed.load(); }

std::uint64_t file_deleter::failed_total() const { return _failed.load(); }

void file_deleter::remove_now(const std::string& path) {
  auto r = _fs.remove(path);
  if (r || r.error() == std::errc::no_such_file_or_directory)
    _removed.fetch_add(1);
  else
    _failed.fetch_add(1);
}

}  // namespace sd::storage
