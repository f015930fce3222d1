#include "storage/page_cache_window.h"

#include "io/file.h"

namespace sd::storage {

void page_cache_window::written(const std::shared_ptr<io::file>& f, file_pos pos, std::uint64_t size) {
  _ranges.written(f, pos, size, _due);
  for (const auto& a : _due) a.file->drop_cache(file_pos(a.begin), a.len);
  _due.clear();
}

}  // namespace sd::storage
