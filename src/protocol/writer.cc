#include "protocol/writer.h"

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>

#include "protocol/errc.h"

namespace sd::protocol {

void writer::write_f64(double v) { put_be(std::bit_cast<std::uint64_t>(v)); }

void writer::write_uvarint(std::uint64_t v) {
  auto& b = cur();
  auto before = b.size();
  varint::put_u64(b, v);
  _size += b.size() - before;
}

void writer::write_raw(sd::byte_span b) {
  if (b.empty()) return;
  auto& c = cur();
  c.insert(c.end(), b.begin(), b.end());
  _size += b.size();
}

void writer::write_string(std::string_view s, bool flex) {
  // A non-compact string has an int16 length: longer values are cut at 32767 bytes rather than written
  // with a wrapped length that would corrupt the frame.
  if (!flex && s.size() > 0x7fff) s = s.substr(0, 0x7fff);
  if (flex) {
    write_uvarint(s.size() + 1);
  } else {
    write_i16(static_cast<std::int16_t>(s.size()));
  }
  write_raw(as_bytes(s));
}

void writer::write_nullable_string(const std::optional<std::string>& s, bool flex) {
  if (s) return write_string(*s, flex);
  if (flex) {
    write_uvarint(0);
  } else {
    write_i16(-1);
  }
}

void writer::write_bytes(sd::byte_span b, bool flex) {
  if (flex) {
    write_uvarint(b.size() + 1);
  } else {
    write_i32(static_cast<std::int32_t>(b.size()));
  }
  write_raw(b);
}

void writer::write_nullable_bytes(const std::optional<sd::bytes>& b, bool flex) {
  if (b) return write_bytes(*b, flex);
  if (flex) {
    write_uvarint(0);
  } else {
    write_i32(-1);
  }
}

void writer::write_array_len(std::size_t n, bool flex) {
  if (flex) {
    write_uvarint(n + 1);
  } else {
    write_i32(static_cast<std::int32_t>(n));
  }
}

void writer::write_null_array(bool flex) {
  if (flex) {
    write_uvarint(0);
  } else {
    write_i32(-1);
  }
}

void writer::write_records(const records& r, bool flex) {
  if (r.is_null) {
    write_null_array(flex);  // same encoding as a null bytes field
    return;
  }
  std::size_t n = r.size();
  if (flex) {
    write_uvarint(n + 1);
  } else {
    write_i32(static_cast<std::int32_t>(n));
  }
  write_raw(r.data);
  for (const auto& c : r.chunks) {
    if (const auto* b = std::get_if<sd::bytes>(&c)) {
      write_raw(*b);
    } else {
      append_chunk(c);
    }
  }
}

void writer::append_chunk(chunk c) {
  std::size_t n = chunk_size(c);
  if (n == 0) return;
  _chunks.push_back(std::move(c));
  _size += n;
}

void writer::append(writer&& other) {
  for (auto& c : other._chunks) {
    if (const auto* b = std::get_if<sd::bytes>(&c)) {
      write_raw(*b);
    } else {
      append_chunk(std::move(c));
    }
  }
  other._chunks.clear();
  other._size = 0;
}

writer::mark writer::reserve_i32() {
  auto& b = cur();
  mark m{_chunks.size() - 1, b.size()};
  append_be<std::int32_t>(b, 0);
  _size += 4;
  return m;
}

void writer::patch_i32(mark m, std::int32_t v) {
  store_be(std::get<sd::bytes>(_chunks[m.chunk]).data() + m.offset, v);
}

status append_flattened(const std::vector<chunk>& chunks, sd::bytes& out) {
  for (const auto& c : chunks) {
    if (const auto* b = std::get_if<sd::bytes>(&c)) {
      out.insert(out.end(), b->begin(), b->end());
      continue;
    }
    const auto& fs = std::get<file_slice>(c);
    std::size_t start = out.size();
    out.resize(start + fs.len);
    std::size_t done = 0;
    while (done < fs.len) {
      ssize_t n = ::pread(fs.fd, out.data() + start + done, fs.len - done, static_cast<off_t>(fs.pos + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return errc::io_error;  // error or the file is shorter than the slice promises
      done += static_cast<std::size_t>(n);
    }
  }
  return {};
}

result<sd::bytes> response_buffer::flatten() const {
  sd::bytes out;
  out.reserve(_size);
  SD_TRY(append_flattened(_chunks, out));
  return out;
}

bool records::operator==(const records& o) const {
  if (is_null != o.is_null) return false;
  if (is_null) return true;
  bool slices = false;
  for (const auto& c : chunks) slices |= std::holds_alternative<file_slice>(c);
  for (const auto& c : o.chunks) slices |= std::holds_alternative<file_slice>(c);
  if (slices) {
    return std::equal(data.begin(), data.end(), o.data.begin(), o.data.end()) && chunks == o.chunks;
  }
  sd::bytes a(data.begin(), data.end());
  sd::bytes b(o.data.begin(), o.data.end());
  (void)append_flattened(chunks, a);
  (void)append_flattened(o.chunks, b);
  return a == b;
}

}  // namespace sd::protocol
