#pragma once
// Output side of the codec: a response (or request) is a sequence of chunks, each either owned bytes or a
// slice of a file, so a Fetch response can hand segment data to sendfile() without copying it into memory.
//
// Contracts:
// - A file_slice names `len` bytes at `pos` of `fd`. `keepalive` holds whatever keeps the fd open and the
//   bytes valid (e.g. a segment reference) until the buffer is sent or dropped.
// - response_buffer::size() is the exact number of bytes the chunks produce, in order.

#include <array>
#include <cstdint>
#include <memory>
#include <variant>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace sd::protocol {

using uuid = std::array<std::uint8_t, 16>;

struct file_slice {
  int fd = -1;
  std::uint64_t pos = 0;
  std::uint32_t len = 0;
  std::shared_ptr<const void> keepalive;

  bool operator==(const file_slice& o) const { return fd == o.fd && pos == o.pos && len == o.len; }
};

/// One run of output: owned bytes or a file slice.
using chunk = std::variant<sd::bytes, file_slice>;

inline std::size_t chunk_size(const chunk& c) {
  if (const auto* b = std::get_if<sd::bytes>(&c)) return b->size();
  return std::get<file_slice>(c).len;
}

/// Reads every file slice of `chunks` with pread and appends all bytes, in order, to out.
status append_flattened(const std::vector<chunk>& chunks, sd::bytes& out);

class response_buffer {
 public:
  response_buffer() = default;
  response_buffer(std::vector<chunk> chunks, std::size_t size) : _chunks(std::move(chunks)), _size(size) {}

  const std::vector<chunk>& chunks() const noexcept { return _chunks; }
  /// Moves the chunks out (the network layer sends them); the buffer is empty afterwards.
  std::vector<chunk> take_chunks() && {
    _size = 0;
    return std::move(_chunks);
  }
  std::size_t size() const noexcept { return _size; }
  /// All bytes in one buffer (file slices read with pread). For tests, TLS and tools; never on the
  /// plaintext fetch path.
  result<sd::bytes> flatten() const;

 private:
  std::vector<chunk> _chunks;
  std::size_t _size = 0;
};

/// The `records` field type (Produce request, Fetch response).
///
/// Decode: `data` is a view into the request frame (zero-copy). It is mutable because the broker rewrites
/// BaseOffset in place; the frame buffer must outlive the decoded message and must be writable memory if
/// anyone writes through the view. `is_null` is set for a null (-1 / compact 0) records field.
///
/// Encode: `data` (if any) is copied into the output, then `chunks` follow: owned bytes are copied, file
/// slices stay slices in the response_buffer.
struct records {
  bool is_null = false;
  sd::mutable_byte_span data;
  std::vector<chunk> chunks;

  std::size_t size() const {
    std::size_t n = data.size();
    for (const auto& c : chunks) n += chunk_size(c);
    return n;
  }
  /// Equal when both null, or the same bytes in the same order (file slices compare by identity).
  bool operator==(const records& o) const;
};

}  // namespace sd::protocol
