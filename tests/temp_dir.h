#pragma once
// A fresh directory under $TMPDIR (or /tmp) for one test, removed afterwards.

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

namespace sd::test {

class temp_dir {
 public:
  temp_dir() {
    static std::atomic<int> seq{0};
    const char* base = std::getenv("TMPDIR");
    std::filesystem::path root = base != nullptr && *base != '\0' ? base : "/tmp";
    _path = (root / ("streamdown-test-" + std::to_string(::getpid()) + "-" + std::to_string(seq++))).string();
    std::filesystem::remove_all(_path);
    std::filesystem::create_directories(_path);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(_path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::string& path() const { return _path; }
  std::string operator/(const std::string& name) const { return _path + "/" + name; }

 private:
  std::string _path;
};

}  // namespace sd::test
