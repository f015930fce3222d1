#include "storage/log_start_offset.h"

#include "storage/layout.h"
#include "storage/offset_file.h"

namespace sd::storage {

result<std::optional<offset>> read_log_start_offset(io::filesystem& fs, const std::string& dir) {
  return read_offset_file(fs, dir, std::string(layout::log_start_file), log_start_magic);
}

status write_log_start_offset(io::filesystem& fs, const std::string& dir, offset start) {
  return write_offset_file(fs, dir, std::string(layout::log_start_file), log_start_magic, start);
}

}  // namespace sd::storage
