#include "io/file.h"

#include "io/errc.h"
#include "io/filesystem.h"

#include <system_error>

namespace sd::io {

status file::sync_filesystem() { return errc::unsupported; }

status write_all(file& f, file_pos pos, byte_span data) {
  while (!data.empty()) {
    auto n = f.pwrite(pos, data);
    if (!n) return n.error();
    // A write that makes no progress would loop forever; POSIX only returns 0 for a 0-byte request.
    if (*n == 0) return std::make_error_code(std::errc::io_error);
    pos += *n;
    data = data.subspan(*n);
  }
  return ok();
}

result<std::size_t> read_up_to(file& f, file_pos pos, mutable_byte_span out) {
  std::size_t total = 0;
  while (total < out.size()) {
    auto n = f.pread(pos + total, out.subspan(total));
    if (!n) return n.error();
    if (*n == 0) break;
    total += *n;
  }
  return total;
}

result<std::optional<bytes>> read_whole_file(filesystem& fs, const std::string& path) {
  auto f = fs.open(path, open_mode::read_only);
  if (!f) {
    if (f.error() == std::errc::no_such_file_or_directory) return std::optional<bytes>();
    return f.error();
  }
  auto size = (*f)->size();
  if (!size) return size.error();
  bytes data(*size);
  auto n = read_up_to(**f, file_pos(0), data);
  if (!n) return n.error();
  data.resize(*n);
  return std::optional<bytes>(std::move(data));
}

}  // namespace sd::io
