#include "storage/dirty_memory.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <charconv>

namespace sd::storage {

namespace {

/// The value in kB of the line "<key>:   <n> kB", nullopt when absent or malformed.
std::optional<std::uint64_t> field_kb(std::string_view text, std::string_view key) {
  std::size_t at = 0;
  for (;;) {
    at = text.find(key, at);
    if (at == std::string_view::npos) return std::nullopt;
    const bool line_start = at == 0 || text[at - 1] == '\n';
    const std::size_t colon = at + key.size();
    if (line_start && colon < text.size() && text[colon] == ':') break;
    at = colon;
  }
  std::size_t p = at + key.size() + 1;
  while (p < text.size() && text[p] == ' ') ++p;
  std::uint64_t kb = 0;
  auto [end, ec] = std::from_chars(text.data() + p, text.data() + text.size(), kb);
  if (ec != std::errc{} || end == text.data() + p) return std::nullopt;
  return kb;
}

}  // namespace

dirty_memory::dirty_memory(std::string meminfo_path, std::chrono::milliseconds max_age)
    : _path(std::move(meminfo_path)), _max_age(max_age) {}

std::optional<std::uint64_t> dirty_memory::parse(std::string_view meminfo) {
  auto dirty = field_kb(meminfo, "Dirty");
  auto writeback = field_kb(meminfo, "Writeback");
  if (!dirty || !writeback) return std::nullopt;
  return (*dirty + *writeback) * 1024;
}

std::optional<std::uint64_t> dirty_memory::bytes(std::chrono::steady_clock::time_point now) {
  if (_sampled && now - _sampled_at < _max_age) return _bytes;
  _sampled = true;
  _sampled_at = now;
  _bytes = std::nullopt;
  int fd = ::open(_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return _bytes;
  std::array<char, 8192> buf{};  // /proc/meminfo is about 1.5 KiB
  std::size_t len = 0;
  while (len < buf.size()) {
    ssize_t n = ::read(fd, buf.data() + len, buf.size() - len);
    if (n <= 0) break;
    len += static_cast<std::size_t>(n);
  }
  ::close(fd);
  _bytes = parse(std::string_view(buf.data(), len));
  return _bytes;
}

}  // namespace sd::storage
