#include "security/private_file.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sd::security {
namespace {

namespace fs = std::filesystem;

std::error_code io_failure(const char* what, const fs::path& p) {
  spdlog::error("security store: cannot {} {}: {}", what, p.string(), std::strerror(errno));
  return make_error_code(errc::io_error);
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool fsync_directory(const fs::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool synced = ::fsync(fd) == 0;
  return ::close(fd) == 0 && synced;
}

}  // namespace

status ensure_private_dir(const fs::path& file) {
  const fs::path dir = file.parent_path();
  if (dir.empty()) return ok();
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return ok();
  if (dir.has_parent_path()) {
    fs::create_directories(dir.parent_path(), ec);
    if (ec) {
      spdlog::error("security store: cannot create directory {}: {}", dir.parent_path().string(), ec.message());
      return errc::io_error;
    }
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return io_failure("create directory", dir);
  return ok();
}

result<std::optional<std::string>> read_private_file(const fs::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>{};
    return io_failure("open", file);
  }
  std::string data;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int saved = errno;
      ::close(fd);
      errno = saved;
      return io_failure("read", file);
    }
    if (n == 0) break;
    data.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return std::optional<std::string>{std::move(data)};
}

status replace_private_file(const fs::path& file, std::string_view content) {
  SD_TRY(ensure_private_dir(file));
  fs::path tmp = file;
  tmp += ".tmp";
  ::unlink(tmp.c_str());  // a leftover of a crash mid-write; never read
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return io_failure("create", tmp);
  bool written = ::fchmod(fd, 0600) == 0 && write_all(fd, content) && ::fsync(fd) == 0;
  const int saved = errno;
  written = ::close(fd) == 0 && written;
  if (!written || ::rename(tmp.c_str(), file.c_str()) != 0) {
    if (!written) errno = saved;
    auto ec = io_failure("write", tmp);
    ::unlink(tmp.c_str());
    return ec;
  }
  // After the rename the new content is visible but not yet durable: a failure here is still an error, so the
  // caller keeps its old in-memory state.
  if (!fsync_directory(file.parent_path())) return io_failure("sync the directory of", file);
  return ok();
}

}  // namespace sd::security
