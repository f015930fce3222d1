#pragma once
// Helpers for spool tests: records, a blocking append, read-everything, raw file access.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <string>

#include "spool/errc.h"
#include "spool/format.h"
#include "spool/spool.h"
#include "temp_dir.h"

namespace sd::spool::test {

inline record make_record(std::uint64_t i, std::size_t value_bytes = 16) {
  record r;
  r.topic = "t" + std::to_string(i % 3);
  r.partition = static_cast<std::int32_t>(i % 4) - 1;
  r.timestamp_ms = 1'700'000'000'000 + static_cast<std::int64_t>(i);
  r.key = "k" + std::to_string(i);
  std::string v(value_bytes, 'v');
  std::string tag = std::to_string(i);
  v.replace(0, std::min(tag.size(), v.size()), tag.substr(0, v.size()));
  r.value = v;
  if (i % 5 == 0) r.headers.push_back({"h", std::to_string(i)});
  return r;
}

inline options make_options(const std::string& dir, io::filesystem* fs = nullptr) {
  options o;
  o.dir = dir;
  o.relay_id = "relay-1";
  o.max_bytes = 4 << 20;
  o.segment_bytes = 64 << 10;
  o.fs = fs;
  return o;
}

inline std::unique_ptr<spool> must_open(const options& o, recovery_report* rep = nullptr) {
  auto s = spool::open(o, rep);
  EXPECT_TRUE(s) << s.error().message();
  if (!s) return nullptr;
  return std::move(*s);
}

/// Appends and waits for the callback.
inline result<std::uint64_t> append_wait(spool& s, std::vector<record> recs) {
  std::promise<result<std::uint64_t>> p;
  auto f = p.get_future();
  s.append(std::move(recs), [&p](result<std::uint64_t> r) { p.set_value(r); });
  return f.get();
}

inline result<std::uint64_t> append_one(spool& s, std::uint64_t i, std::size_t value_bytes = 16) {
  return append_wait(s, {make_record(i, value_bytes)});
}

/// Every readable record from seq 1 on.
inline std::vector<record> read_all(const spool& s) {
  std::vector<record> out;
  std::uint64_t from = 1;
  for (;;) {
    auto r = s.read(from, 1000, 1 << 20);
    EXPECT_TRUE(r) << r.error().message();
    if (!r || r->empty()) return out;
    from = r->back().seq + 1;
    for (auto& x : *r) out.push_back(std::move(x));
  }
}

inline std::vector<std::string> segment_files(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (format::parse_segment_name(e.path().filename().string())) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void spit(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

inline void flip_byte(const std::string& path, std::size_t pos) {
  std::string d = slurp(path);
  ASSERT_LT(pos, d.size());
  d[pos] = static_cast<char>(d[pos] ^ 0x5a);
  spit(path, d);
}

}  // namespace sd::spool::test
