#pragma once
// Environment of an integration test: where the streamdown binary and the client tools are, how big the
// test should be (STREAMDOWN_TEST_SCALE), and private temporary directories. Nothing here talks to a broker.

#include <cstddef>
#include <stdexcept>
#include <string>

namespace sd::itest {

/// Every harness failure (a process that will not start, a socket that will not connect, a client that cannot
/// be configured) throws this; GoogleTest reports the message as the test's failure.
struct harness_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class scale { small, large };

/// STREAMDOWN_TEST_SCALE: "large" selects the large sizes; anything else (or unset) is small.
scale test_scale();

/// Picks the size for the current scale.
template <class T>
T scaled(T small, T large) {
  return test_scale() == scale::large ? large : small;
}

/// Path of the streamdown binary: env STREAMDOWN_BINARY, else the one CMake built (compile definition).
std::string streamdown_binary();
/// Path of kcat and node: env STREAMDOWN_KCAT / STREAMDOWN_NODE, else what CMake found. May be empty.
std::string kcat_binary();
std::string node_binary();
/// tests/integration/js in the source tree (holds package.json and the kafkajs scripts).
std::string js_dir();

/// A fresh private directory under $TMPDIR (or /tmp), removed recursively by the destructor unless
/// STREAMDOWN_KEEP_TEST_DIRS is set (then its path is printed so a failure can be inspected).
class temp_dir {
 public:
  explicit temp_dir(const std::string& prefix = "sd-itest");
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::string& path() const { return _path; }
  std::string file(const std::string& name) const { return _path + "/" + name; }

 private:
  std::string _path;
};

/// Whole file as a string ("" if it cannot be read).
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);
/// The last max_bytes of s, starting at a line boundary where possible.
std::string tail(const std::string& s, std::size_t max_bytes = 4000);

}  // namespace sd::itest
