#include "storage/read_result.h"

#include "storage/errc.h"

namespace sd::storage {

result<bytes> copy_to_bytes(const read_result& r) {
  bytes out(r.total_bytes);
  std::size_t at = 0;
  for (const auto& s : r.slices) {
    auto n = io::read_up_to(*s.file, s.position, mutable_byte_span(out.data() + at, s.length));
    if (!n) return n.error();
    if (*n != s.length) return errc::io_error;
    at += s.length;
  }
  return out;
}

}  // namespace sd::storage
