#pragma once
// Helpers for the line sources' tests (stdin, file): a real spool in a temp dir, a source context, reading
// back what the spool holds, and polling with a deadline.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "relay/source.h"
#include "spool/spool.h"
#include "temp_dir.h"

namespace sd::relay::test {

using namespace std::chrono_literals;

inline bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 5000ms) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

/// A spool in <dir>/spool and a source context with state_dir <dir>/state.
struct spool_env {
  explicit spool_env(std::uint64_t max_bytes = 64u << 20, std::uint64_t segment_bytes = 0) {
    spool::options o;
    o.dir = dir / "spool";
    o.relay_id = relay_id;
    o.max_bytes = max_bytes;
    o.segment_bytes = segment_bytes;
    o.policy = spool::when_full::block;
    auto s = spool::spool::open(o);
    EXPECT_TRUE(s) << s.error().message();
    sp = std::move(*s);
    ctx = std::make_unique<source_context>(source_context{*sp, relay_id, dir / "state"});
  }
  ~spool_env() {
    if (sp) sp->close();
  }

  /// Every record from `from_seq` on that is durable now.
  std::vector<spool::record> read_from(std::uint64_t from_seq) const {
    std::vector<spool::record> out;
    for (;;) {
      auto r = sp->read(from_seq, 10000, 16u << 20);
      EXPECT_TRUE(r) << r.error().message();
      if (!r || r->empty()) return out;
      from_seq = r->back().seq + 1;
      for (auto& rec : *r) out.push_back(std::move(rec));
    }
  }
  std::vector<std::string> values() const {
    std::vector<std::string> out;
    for (auto& r : read_from(1)) out.push_back(r.value.value_or("<null>"));
    return out;
  }
  /// Waits until the spool holds at least n records; returns their values.
  std::vector<std::string> wait_values(std::size_t n, std::chrono::milliseconds timeout = 5000ms) const {
    std::vector<std::string> v;
    wait_until([&] { return (v = values()).size() >= n; }, timeout);
    return v;
  }

  sd::test::temp_dir dir;
  std::string relay_id = "relay-test";
  std::unique_ptr<spool::spool> sp;
  std::unique_ptr<source_context> ctx;
};

inline void append_file(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(fd);
}

inline void write_fd(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    ASSERT_GT(n, 0);
    done += static_cast<std::size_t>(n);
  }
}

/// "<prefix><i>" padded with '.' to `width` bytes, no newline.
inline std::string numbered(const std::string& prefix, int i, std::size_t width = 0) {
  std::string s = prefix + std::to_string(i);
  if (s.size() < width) s.append(width - s.size(), '.');
  return s;
}

inline std::vector<std::string> numbered_lines(const std::string& prefix, int from, int to,
                                               std::size_t width = 0) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back(numbered(prefix, i, width));
  return out;
}

inline std::string join_lines(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

}  // namespace sd::relay::test
