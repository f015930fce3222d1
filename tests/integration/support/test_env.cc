#include "support/test_env.h"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#ifndef SD_STREAMDOWN_BINARY
#define SD_STREAMDOWN_BINARY ""
#endif
#ifndef SD_KCAT_BINARY
#define SD_KCAT_BINARY ""
#endif
#ifndef SD_NODE_BINARY
#define SD_NODE_BINARY ""
#endif
#ifndef SD_JS_DIR
#define SD_JS_DIR ""
#endif

namespace sd::itest {

namespace {
std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return (v != nullptr && *v != '\0') ? std::string(v) : std::string(fallback);
}
}  // namespace

scale test_scale() {
  const char* v = std::getenv("STREAMDOWN_TEST_SCALE");
  return (v != nullptr && std::strcmp(v, "large") == 0) ? scale::large : scale::small;
}

std::string streamdown_binary() {
  std::string p = env_or("STREAMDOWN_BINARY", SD_STREAMDOWN_BINARY);
  if (p.empty()) throw harness_error("streamdown binary unknown: set STREAMDOWN_BINARY");
  return p;
}
std::string kcat_binary() { return env_or("STREAMDOWN_KCAT", SD_KCAT_BINARY); }
std::string node_binary() { return env_or("STREAMDOWN_NODE", SD_NODE_BINARY); }
std::string js_dir() { return env_or("STREAMDOWN_JS_DIR", SD_JS_DIR); }

temp_dir::temp_dir(const std::string& prefix) {
  std::string base = env_or("TMPDIR", "/tmp");
  std::string tmpl = base + "/" + prefix + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    throw harness_error("mkdtemp(" + tmpl + "): " + std::strerror(errno));
  }
  _path = buf.data();
}

temp_dir::~temp_dir() {
  if (std::getenv("STREAMDOWN_KEEP_TEST_DIRS") != nullptr) {
    std::cerr << "[itest] kept " << _path << "\n";
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(_path, ec);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw harness_error("cannot write " + path);
}

std::string tail(const std::string& s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  std::size_t from = s.size() - max_bytes;
  std::size_t nl = s.find('\n', from);
  if (nl != std::string::npos && nl + 1 < s.size()) from = nl + 1;
  return "[...]\n" + s.substr(from);
}

}  // namespace sd::itest
