#include "io/file.h"

#include <system_error>

namespace sd::io {

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

}  // namespace sd::io
