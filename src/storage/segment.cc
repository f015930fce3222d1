#include "storage/segment.h"

#include "storage/file_deleter.h"

#include "storage/errc.h"
#include "storage/header_cursor.h"

namespace sd::storage {

void segment::record_batch(const batch::header& h, file_pos pos, std::size_t batch_size,
                           std::int64_t index_interval_bytes) {
  if (max_timestamp < h.max_timestamp) max_timestamp = h.max_timestamp;
  offset b(h.base_offset);
  const auto& entries = oidx.entries();
  bool index_it = entries.empty() ? pos.value() == 0
                                  : pos > entries.back().position &&
                                        pos.value() - entries.back().position.value() >=
                                            static_cast<std::uint64_t>(index_interval_bytes);
  if (index_it) {
    oidx.add(b, pos);
    tidx.maybe_add(max_timestamp, b);
  }
  last_batch_base = b;
  next_offset = offset(h.last_offset() + 1);
  size = pos.value() + batch_size;
}

void segment::truncate_state(std::uint64_t end, offset end_offset) {
  size = end;
  next_offset = end_offset;
  oidx.truncate_to(file_pos(end));
  tidx.truncate_to(end_offset);
}

result<std::unique_ptr<segment>> create_segment(io::filesystem& fs, const std::string& dir, offset base,
                                                file_cache* files) {
  auto seg = std::make_unique<segment>(dir, base, nullptr);
  const std::string path = seg->path(layout::segment_file_kind::log);
  auto f = fs.open(path, io::open_mode::create_truncate);
  if (!f) return f.error();
  seg->log = lazy_segment_file(fs, path, files);
  seg->log->adopt(std::move(*f));
  return seg;
}

result<std::vector<std::shared_ptr<io::file>>> write_indexes(io::filesystem& fs, segment& seg) {
  std::vector<std::shared_ptr<io::file>> files;
  for (auto kind : {layout::segment_file_kind::index, layout::segment_file_kind::time_index}) {
    bytes data = kind == layout::segment_file_kind::index ? seg.oidx.encode() : seg.tidx.encode();
    auto f = fs.open(seg.path(kind), io::open_mode::create_truncate);
    if (!f) return f.error();
    SD_TRY(io::write_all(**f, file_pos(0), data));
    files.push_back(std::move(*f));
  }
  return files;
}

namespace {

/// A log file still referenced elsewhere (a cleaner pass, a sync, a reader) is kept open before its name
/// goes, so those users go on with the same descriptor (file_cache never reopens it by a stale path).
status keep_referenced_log_open(const segment& seg) {
  if (seg.log && seg.log.use_count() > 1) {
    auto kept = seg.log->keep_open();
    if (!kept && kept.error() != std::errc::no_such_file_or_directory) return kept;
  }
  return ok();
}

}  // namespace

status remove_segment_files(io::filesystem& fs, const segment& seg) {
  SD_TRY(keep_referenced_log_open(seg));
  for (auto kind : {layout::segment_file_kind::log, layout::segment_file_kind::index,
                    layout::segment_file_kind::time_index}) {
    auto r = fs.remove(seg.path(kind));
    if (!r && r.error() != std::errc::no_such_file_or_directory) return r;
  }
  return ok();
}

status retire_segment_files(io::filesystem& fs, const segment& seg, file_deleter& deleter) {
  // The log file may be shrunk before its unlink (file_deleter.h) only if nobody can read it any more: no
  // fetch's slice holding its descriptor and no cleaning pass holding it (cached_file::held). Other owners of
  // the file object (page-cache advice, a sync) do not read it. Once retired, the segment is gone from the
  // log, so no new reader can take it.
  const bool unread = !seg.log || !seg.log->held();
  SD_TRY(keep_referenced_log_open(seg));
  for (auto kind : {layout::segment_file_kind::log, layout::segment_file_kind::index,
                    layout::segment_file_kind::time_index}) {
    const std::string path = seg.path(kind);
    const std::string retired = path + std::string(layout::deleted_suffix);
    auto r = fs.rename(path, retired);
    if (!r) {
      if (r.error() == std::errc::no_such_file_or_directory) continue;
      return r;
    }
    const bool shrink = unread && kind == layout::segment_file_kind::log;
    deleter.remove_later(retired, shrink ? file_deleter::shrink::stepwise : file_deleter::shrink::no);
  }
  return ok();
}

result<std::optional<batch::header>> read_header_at(io::file& f, file_pos pos, std::uint64_t end) {
  if (pos.value() + batch::header_size > end) return std::optional<batch::header>{};
  std::uint8_t buf[batch::header_size];
  auto n = io::read_up_to(f, pos, mutable_byte_span(buf, sizeof buf));
  if (!n) return n.error();
  if (*n != sizeof buf) return errc::io_error;  // the file is shorter than the log we wrote: not ours to fix here
  return std::optional<batch::header>(batch::parse_header(buf));
}

result<file_pos> find_batch_position(segment& seg, offset target) {
  header_cursor cursor(*seg.log, seg.size);
  file_pos pos = seg.oidx.floor(target).position;
  while (pos.value() < seg.size) {
    auto h = cursor.at(pos);
    if (!h) return h.error();
    if (!*h) return errc::corrupt_log;
    if ((*h)->last_offset() >= target.value()) return pos;
    pos += (*h)->total_size();
  }
  return file_pos(seg.size);
}

}  // namespace sd::storage
