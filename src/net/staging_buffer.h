#pragma once
// staging_buffer: a fixed-size (1 MiB) buffer through which a connection copies file data to a socket when it
// does not use sendfile (see file_send_mode in connection.h). Buffers come from a free list owned by the
// calling thread (a network loop), which keeps at most `idle_per_thread` of them: the buffers are reused
// rather than allocated per response, because fresh pages are expensive on virtual machines (every first
// touch of a newly mapped page faults). Take and drop a buffer on the same thread (a connection's coroutines
// never leave their shard's thread). Callers account the bytes in the memory budget while they hold one.

#include <cstddef>
#include <cstdint>
#include <memory>

namespace sd::net {

class staging_buffer {
 public:
  static constexpr std::size_t capacity = 1 << 20;
  static constexpr std::size_t idle_per_thread = 4;

  /// A buffer from this thread's free list, or a new one.
  static staging_buffer take();

  staging_buffer(staging_buffer&&) noexcept = default;
  staging_buffer& operator=(staging_buffer&&) = delete;
  staging_buffer(const staging_buffer&) = delete;
  staging_buffer& operator=(const staging_buffer&) = delete;
  /// Returns the buffer to this thread's free list, or frees it when the list is full.
  ~staging_buffer();

  std::uint8_t* data() noexcept { return _data.get(); }

  /// Buffers idle on the calling thread's free list (for tests).
  static std::size_t idle_on_this_thread() noexcept;

 private:
  explicit staging_buffer(std::unique_ptr<std::uint8_t[]> d) : _data(std::move(d)) {}
  std::unique_ptr<std::uint8_t[]> _data;
};

}  // namespace sd::net
