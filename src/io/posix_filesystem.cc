// The real file layer: thin wrappers over POSIX calls, retrying EINTR, reporting errno as system errors.

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <filesystem>

#include "io/errc.h"
#include "io/filesystem.h"

namespace sd::io {

namespace {

class posix_file final : public file {
 public:
  explicit posix_file(int fd) : _fd(fd) {}
  ~posix_file() override { (void)close(); }

  result<std::size_t> pwrite(file_pos pos, byte_span data) override {
    int fd = _fd.load();
    if (fd < 0) return errc::closed;
    for (;;) {
      ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(pos.value()));
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR) return last_os_error();
    }
  }

  result<std::size_t> pread(file_pos pos, mutable_byte_span out) override {
    int fd = _fd.load();
    if (fd < 0) return errc::closed;
    for (;;) {
      ssize_t n = ::pread(fd, out.data(), out.size(), static_cast<off_t>(pos.value()));
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR) return last_os_error();
    }
  }

  status datasync() override {
    int fd = _fd.load();
    if (fd < 0) return errc::closed;
    // No retry on EINTR/EIO: after a failed fdatasync the kernel may have dropped the dirty pages, so a
    // retry could report success for data that is gone. The caller treats the failure as sticky.
    if (::fdatasync(fd) != 0) return last_os_error();
    return ok();
  }

  status truncate(std::uint64_t size) override {
    int fd = _fd.load();
    if (fd < 0) return errc::closed;
    for (;;) {
      if (::ftruncate(fd, static_cast<off_t>(size)) == 0) return ok();
      if (errno != EINTR) return last_os_error();
    }
  }

  result<std::uint64_t> size() override {
    int fd = _fd.load();
    if (fd < 0) return errc::closed;
    struct stat st {};
    if (::fstat(fd, &st) != 0) return last_os_error();
    return static_cast<std::uint64_t>(st.st_size);
  }

  status close() override {
    int fd = _fd.exchange(-1);
    if (fd < 0) return ok();
    if (::close(fd) != 0 && errno != EINTR) return last_os_error();
    return ok();
  }

  int native_handle() const noexcept override { return _fd.load(); }

  void start_writeback() noexcept override {
    int fd = _fd.load();
    if (fd >= 0) (void)::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
  }

  status sync_filesystem() override {
    int fd = _fd.load();
    if (fd < 0) return errc::closed;
    // As datasync: no retry. syncfs reports a writeback error of any file of the filesystem once per open
    // file description (Linux >= 5.8); the caller falls back to each file's fdatasync to find the failing one.
    if (::syncfs(fd) != 0) return last_os_error();
    return ok();
  }

  std::uint64_t filesystem_id() const noexcept override {
    std::uint64_t id = _dev.load(std::memory_order_relaxed);
    if (id != 0) return id;
    int fd = _fd.load();
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) != 0) return 0;
    id = static_cast<std::uint64_t>(st.st_dev) + 1;  // + 1: device 0 is a valid number, 0 means unknown here
    _dev.store(id, std::memory_order_relaxed);
    return id;
  }

  void drop_cache(file_pos pos, std::uint64_t len) noexcept override {
    int fd = _fd.load();
    if (fd >= 0)
      (void)::posix_fadvise(fd, static_cast<off_t>(pos.value()), static_cast<off_t>(len), POSIX_FADV_DONTNEED);
  }

 private:
  std::atomic<int> _fd;
  mutable std::atomic<std::uint64_t> _dev{0};  // filesystem_id(), computed on first use
};

class posix_lock final : public file_lock {
 public:
  explicit posix_lock(int fd) : _fd(fd) {}
  ~posix_lock() override {
    ::flock(_fd, LOCK_UN);
    ::close(_fd);
  }

 private:
  int _fd;
};

int open_flags(open_mode mode) {
  switch (mode) {
    case open_mode::read_only: return O_RDONLY;
    case open_mode::read_write: return O_RDWR;
    case open_mode::create: return O_RDWR | O_CREAT;
    case open_mode::create_new: return O_RDWR | O_CREAT | O_EXCL;
    case open_mode::create_truncate: return O_RDWR | O_CREAT | O_TRUNC;
  }
  return O_RDONLY;
}

class posix_fs final : public filesystem {
 public:
  result<std::shared_ptr<file>> open(const std::string& path, open_mode mode) override {
    for (;;) {
      int fd = ::open(path.c_str(), open_flags(mode) | O_CLOEXEC, 0644);
      if (fd >= 0) return std::shared_ptr<file>(std::make_shared<posix_file>(fd));
      if (errno != EINTR) return last_os_error();
    }
  }

  status remove(const std::string& path) override {
    if (::remove(path.c_str()) != 0) return last_os_error();
    return ok();
  }

  status remove_all(const std::string& path) override {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
    if (ec) return ec;
    return ok();
  }

  status rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return last_os_error();
    return ok();
  }

  status mkdir(const std::string& path) override {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec) return ec;
    return ok();
  }

  result<std::vector<dir_entry>> list(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return last_os_error();
    std::vector<dir_entry> out;
    errno = 0;
    while (struct dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      bool is_dir = false;
      if (e->d_type == DT_DIR) {
        is_dir = true;
      } else if (e->d_type == DT_UNKNOWN) {
        struct stat st {};
        is_dir = ::stat((dir + "/" + name).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
      }
      out.push_back({std::move(name), is_dir});
    }
    std::error_code ec = errno != 0 ? last_os_error() : std::error_code{};
    ::closedir(d);
    if (ec) return ec;
    return out;
  }

  result<bool> exists(const std::string& path) override {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) return true;
    if (errno == ENOENT) return false;
    return last_os_error();
  }

  status sync_dir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return last_os_error();
    std::error_code ec;
    if (::fsync(fd) != 0) ec = last_os_error();
    ::close(fd);
    if (ec) return ec;
    return ok();
  }

  result<std::unique_ptr<file_lock>> lock_exclusive(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return last_os_error();
    for (;;) {
      if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return std::unique_ptr<file_lock>(std::make_unique<posix_lock>(fd));
      if (errno == EINTR) continue;
      std::error_code ec = errno == EWOULDBLOCK ? make_error_code(errc::locked) : last_os_error();
      ::close(fd);
      return ec;
    }
  }

  result<std::uint64_t> free_space(const std::string& path) override {
    struct statvfs st {};
    if (::statvfs(path.c_str(), &st) != 0) return last_os_error();
    return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
  }
};

}  // namespace

filesystem& posix_filesystem() {
  static posix_fs fs;
  return fs;
}

}  // namespace sd::io
