#include "storage/header_cursor.h"

#include <algorithm>

#include "storage/errc.h"

namespace sd::storage {

byte_span header_cursor::buffered(file_pos pos, std::size_t n) const {
  if (pos.value() < _buf_pos || pos.value() + n > _buf_pos + _buf.size()) return {};
  return byte_span(_buf).subspan(static_cast<std::size_t>(pos.value() - _buf_pos), n);
}

result<std::optional<batch::header>> header_cursor::at(file_pos pos) {
  if (pos.value() + batch::header_size > _end) return std::optional<batch::header>{};
  byte_span b = buffered(pos, batch::header_size);
  if (b.empty()) {
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(_chunk, _end - pos.value()));
    _buf.resize(n);
    auto got = io::read_up_to(_f, pos, _buf);
    if (!got) {
      _buf.clear();
      return got.error();
    }
    _buf.resize(*got);
    _buf_pos = pos.value();
    b = buffered(pos, batch::header_size);
    if (b.empty()) return errc::io_error;  // the file is shorter than the log end we know of
  }
  return std::optional<batch::header>(batch::parse_header(b.data()));
}

}  // namespace sd::storage
