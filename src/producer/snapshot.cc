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
  append_be(out, static_cast<std::uint32_t>(s.entries.size()));
  for (const auto& e : s.entries) {
    append_be(out, e.producer_id);
    append_be(out, e.epoch);
    append_be(out, e.last_update_ms);
    const std::size_t n = std::min(e.batches.size(), max_batches);
    out.push_back(static_cast<std::uint8_t>(n));
    append_be(out, e.txn_first_offset);
    for (std::size_t i = e.batches.size() - n; i < e.batches.size(); ++i) {
      const auto& b = e.batches[i];
      append_be(out, b.first_seq);
      append_be(out, b.last_seq);
      append_be(out, b.base_offset);
      append_be(out, b.last_offset);
      append_be(out, b.timestamp);
    }
  }
  append_be(out, static_cast<std::uint32_t>(s.aborted.size()));
  for (const auto& a : s.aborted) {
    append_be(out, a.producer_id);
    append_be(out, a.first_offset);
    append_be(out, a.last_offset);
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
  const auto version = load_be<std::uint16_t>(p + fmt::field::version);
  if (load_be<std::uint32_t>(p + fmt::field::magic) != fmt::magic ||
      (version != fmt::version && version != fmt::version_without_transactions)) {
    return errc::corrupt_snapshot;
  }
  const bool v2 = version == fmt::version;
  const std::size_t entry_size = fmt::entry_fixed_size + (v2 ? fmt::txn_field_size : 0);
  snapshot s;
  const std::int64_t end = load_be<std::int64_t>(p + fmt::field::covered_end);
  if (end < 0) return errc::corrupt_snapshot;
  s.covered_end = offset(end);
  const std::uint32_t count = load_be<std::uint32_t>(p + fmt::field::entry_count);
  std::size_t pos = fmt::header_size;
  // Each entry needs its fixed part (and in version 1 a batch), which bounds count by the file size before any
  // allocation.
  if (count > (body - pos) / (entry_size + (v2 ? 0 : fmt::batch_size))) return errc::corrupt_snapshot;
  s.entries.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    if (body - pos < entry_size) return errc::corrupt_snapshot;
    producer_entry e;
    e.producer_id = load_be<std::int64_t>(p + pos);
    e.epoch = load_be<std::int16_t>(p + pos + 8);
    e.last_update_ms = load_be<std::int64_t>(p + pos + 10);
    const std::size_t n = p[pos + 18];
    if (v2) e.txn_first_offset = load_be<std::int64_t>(p + pos + fmt::entry_fixed_size);
    pos += entry_size;
    if (e.producer_id < 0 || (n == 0 && !v2) || n > max_batches) return errc::corrupt_snapshot;
    if (e.txn_first_offset < -1 || e.txn_first_offset >= end) return errc::corrupt_snapshot;
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
  if (v2) {
    if (body - pos < 4) return errc::corrupt_snapshot;
    const std::uint32_t aborted = load_be<std::uint32_t>(p + pos);
    pos += 4;
    if (aborted > (body - pos) / fmt::aborted_size) return errc::corrupt_snapshot;
    s.aborted.reserve(aborted);
    for (std::uint32_t i = 0; i < aborted; ++i) {
      aborted_txn a;
      a.producer_id = load_be<std::int64_t>(p + pos);
      a.first_offset = load_be<std::int64_t>(p + pos + 8);
      a.last_offset = load_be<std::int64_t>(p + pos + 16);
      pos += fmt::aborted_size;
      if (a.producer_id < 0 || a.first_offset < 0 || a.last_offset < a.first_offset || a.last_offset >= end ||
          (!s.aborted.empty() && s.aborted.back().last_offset > a.last_offset))
        return errc::corrupt_snapshot;
      s.aborted.push_back(a);
    }
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
