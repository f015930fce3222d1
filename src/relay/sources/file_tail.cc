#include "relay/sources/file_tail.h"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "base/crc32c.h"

namespace sd::relay::file_tail {

fingerprint make_fingerprint(std::string_view prefix) {
  prefix = prefix.substr(0, fingerprint_max_bytes);
  return {crc32c::extend(0, reinterpret_cast<const std::uint8_t*>(prefix.data()), prefix.size()),
          static_cast<std::uint32_t>(prefix.size())};
}

std::string encode_checkpoint(const std::vector<checkpoint_entry>& entries) {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& e : entries)
    files.push_back({{"path", e.path},
                     {"dev", e.id.dev},
                     {"inode", e.id.inode},
                     {"offset", e.offset},
                     {"fingerprint_crc", e.fp.crc},
                     {"fingerprint_bytes", e.fp.bytes}});
  return nlohmann::json{{"version", 1}, {"files", std::move(files)}}.dump() + "\n";
}

std::optional<std::vector<checkpoint_entry>> decode_checkpoint(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || j.value("version", 0) != 1) return std::nullopt;
  auto files = j.find("files");
  if (files == j.end() || !files->is_array()) return std::nullopt;
  std::vector<checkpoint_entry> out;
  for (const auto& f : *files) {
    if (!f.is_object()) return std::nullopt;
    for (const char* k : {"dev", "inode", "offset", "fingerprint_crc", "fingerprint_bytes"})
      if (!f.contains(k) || !f[k].is_number_unsigned()) return std::nullopt;
    checkpoint_entry e;
    e.path = f.value("path", std::string());
    e.id = {f["dev"].get<std::uint64_t>(), f["inode"].get<std::uint64_t>()};
    e.offset = f["offset"].get<std::uint64_t>();
    e.fp = {f["fingerprint_crc"].get<std::uint32_t>(), f["fingerprint_bytes"].get<std::uint32_t>()};
    if (e.fp.bytes > fingerprint_max_bytes) return std::nullopt;
    out.push_back(std::move(e));
  }
  return out;
}

namespace {
std::string os_error(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}
}  // namespace

std::string write_file_atomic(const std::string& path, std::string_view contents) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return os_error("open", tmp);
  std::size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      auto err = os_error("write", tmp);
      ::close(fd);
      return err;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fdatasync(fd) != 0) {
    auto err = os_error("fdatasync", tmp);
    ::close(fd);
    return err;
  }
  if (::close(fd) != 0) return os_error("close", tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return os_error("rename", tmp);
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return os_error("open", dir);
  const bool synced = ::fsync(dfd) == 0;
  auto err = synced ? std::string() : os_error("fsync", dir);
  ::close(dfd);
  return err;
}

std::optional<std::string> read_whole_file(const std::string& path, std::string& error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) error = os_error("open", path);
    return std::nullopt;
  }
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = os_error("read", path);
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

resume decide_resume(const checkpoint_entry& known, std::uint64_t size,
                     std::optional<fingerprint> prefix_now) {
  if (size < known.offset) return resume::from_start;  // truncated (copytruncate) below what was read
  if (known.fp.bytes > 0 && (!prefix_now || *prefix_now != known.fp))
    return resume::from_start;  // shrank below the fingerprint, or other first bytes: another file's content
  return resume::at_offset;
}

bool is_glob(std::string_view pattern) {
  return pattern.find_first_of("*?[") != std::string_view::npos;
}

std::vector<std::string> expand_paths(const std::vector<std::string>& patterns) {
  std::vector<std::string> out;
  for (const auto& p : patterns) {
    if (!is_glob(p)) {
      out.push_back(p);
      continue;
    }
    glob_t g{};
    if (::glob(p.c_str(), GLOB_NOSORT, nullptr, &g) == 0)
      for (std::size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
    ::globfree(&g);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  std::erase_if(out, [](const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode);
  });
  return out;
}

}  // namespace sd::relay::file_tail
