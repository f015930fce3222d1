#include "producer/snapshot.h"

#include <algorithm>
#include <charconv>

#include "base/crc32c.h"
#include "producer/snapshot_format.h"

namespace sd::producer {

namespace fmt = snapshot_format;

bytes encode_snapshot(const snapshot& s) {
  bytes out;
  append_be(out, fmt::magic);
  append_be(out, fmt::version);
  append_be(out, std::uint16_t{0});
  append_be(out, s.covered_end.value());
  std::uint32_t count = 0;
  for (const auto& e : s.entries)
    if (!e.batches.empty()) ++count;
  append_be(out, count);
  for (const auto& e : s.entries) {
    if (e.batches.empty()) continue;
    append_be(out, e.producer_id);
    append_be(out, e.epoch);
    append_be(out, e.last_update_ms);
    const std::size_t n = std::min(e.batches.size(), max_batches);
    out.push_back(static_cast<std::uint8_t>(n));
    for (std::size_t i = e.batches.size() - n; i < e.batches.size(); ++i) {
      const auto& b = e.batches[i];
      append_be(out, b.first_seq);
      append_be(out, b.last_seq);
      append_be(out, b.base_offset);
      append_be(out, b.last_offset);
      append_be(out, b.timestamp);
    }
  }
  append_be(out, crc32c::extend(0, out.data(), out.size()));
  return out;
}

result<snapshot> decode_snapshot(byte_span data) {
  if (data.size() < fmt::header_size + fmt::crc_size) return errc::corrupt_snapshot;
  const std::size_t body = data.size() - fmt::crc_size;
  if (load_be<std::uint32_t>(data.data() + body) != crc32c::extend(0, data.data(), body)) {
    return errc::corrupt_snapshot;
  }
  const std::uint8_t* p = data.data();
  if (load_be<std::uint32_t>(p + fmt::field::magic) != fmt::magic ||
      load_be<std::uint16_t>(p + fmt::field::version) != fmt::version) {
    return errc::corrupt_snapshot;
  }
  snapshot s;
  const std::int64_t end = load_be<std::int64_t>(p + fmt::field::covered_end);
  if (end < 0) return errc::corrupt_snapshot;
  s.covered_end = offset(end);
  const std::uint32_t count = load_be<std::uint32_t>(p + fmt::field::entry_count);
  std::size_t pos = fmt::header_size;
  // Each entry needs at least one batch, which bounds count by the file size before any allocation.
  if (count > (body - pos) / (fmt::entry_fixed_size + fmt::batch_size)) return errc::corrupt_snapshot;
  s.entries.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    if (body - pos < fmt::entry_fixed_size) return errc::corrupt_snapshot;
    producer_entry e;
    e.producer_id = load_be<std::int64_t>(p + pos);
    e.epoch = load_be<std::int16_t>(p + pos + 8);
    e.last_update_ms = load_be<std::int64_t>(p + pos + 10);
    const std::size_t n = p[pos + 18];
    pos += fmt::entry_fixed_size;
    if (e.producer_id < 0 || n == 0 || n > max_batches) return errc::corrupt_snapshot;
    if (!s.entries.empty() && s.entries.back().producer_id >= e.producer_id) return errc::corrupt_snapshot;
    if (body - pos < n * fmt::batch_size) return errc::corrupt_snapshot;
    for (std::size_t b = 0; b < n; ++b) {
      batch_meta m;
      m.first_seq = load_be<std::int32_t>(p + pos);
      m.last_seq = load_be<std::int32_t>(p + pos + 4);
      m.base_offset = load_be<std::int64_t>(p + pos + 8);
      m.last_offset = load_be<std::int64_t>(p + pos + 16);
      m.timestamp = load_be<std::int64_t>(p + pos + 24);
      pos += fmt::batch_size;
      if (m.base_offset < 0 || m.last_offset < m.base_offset || m.last_offset >= end) return errc::corrupt_snapshot;
      e.batches.push_back(m);
    }
    s.entries.push_back(std::move(e));
  }
  if (pos != body) return errc::corrupt_snapshot;
  return s;
}

std::string snapshot_file_name(offset covered_end) {
  std::string digits = std::to_string(covered_end.value());
  return std::string(20 - std::min<std::size_t>(20, digits.size()), '0') + digits + std::string(fmt::extension);
}

std::optional<offset> parse_snapshot_file_name(std::string_view name) {
  if (name.size() != 20 + fmt::extension.size() || !name.ends_with(fmt::extension)) return std::nullopt;
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(name.data(), name.data() + 20, v);
  if (ec != std::errc{} || ptr != name.data() + 20 || v < 0) return std::nullopt;
  return offset(v);
}

result<std::vector<offset>> list_snapshots(io::filesystem& fs, const std::string& dir) {
  auto entries = fs.list(dir);
  if (!entries) return entries.error();
  std::vector<offset> out;
  for (const auto& e : *entries) {
    if (e.is_dir) continue;
    if (auto o = parse_snapshot_file_name(e.name)) out.push_back(*o);
  }
  std::sort(out.begin(), out.end(), [](offset a, offset b) { return a > b; });
  return out;
}

status write_snapshot(io::filesystem& fs, const std::string& dir, const snapshot& s) {
  const bytes data = encode_snapshot(s);
  const std::string path = dir + "/" + snapshot_file_name(s.covered_end);
  const std::string tmp = path + ".tmp";
  {
    auto f = fs.open(tmp, io::open_mode::create_truncate);
    if (!f) return f.error();
    SD_TRY(io::write_all(**f, file_pos(0), data));
    SD_TRY((*f)->datasync());
  }
  SD_TRY(fs.rename(tmp, path));
  auto all = list_snapshots(fs, dir);
  if (!all) return all.error();
  for (std::size_t i = fmt::kept; i < all->size(); ++i) SD_TRY(fs.remove(dir + "/" + snapshot_file_name((*all)[i])));
  return fs.sync_dir(dir);
}

result<snapshot> read_snapshot(io::filesystem& fs, const std::string& dir, offset covered_end) {
  auto f = fs.open(dir + "/" + snapshot_file_name(covered_end), io::open_mode::read_only);
  if (!f) return f.error();
  auto size = (*f)->size();
  if (!size) return size.error();
  bytes data(*size);
  auto n = io::read_up_to(**f, file_pos(0), data);
  if (!n) return n.error();
  if (*n != data.size()) return errc::corrupt_snapshot;
  auto s = decode_snapshot(data);
  if (!s) return s.error();
  if (s->covered_end != covered_end) return errc::corrupt_snapshot;
  return s;
}

}  // namespace sd::producer
