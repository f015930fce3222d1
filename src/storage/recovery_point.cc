#include "storage/recovery_point.h"

#include "base/bytes.h"
#include "base/crc32c.h"
#include "storage/layout.h"

namespace sd::storage {

namespace {
constexpr std::uint32_t magic = 0x53445250;  // "SDRP"
constexpr std::uint32_t version = 1;

std::string path_of(const std::string& dir) { return dir + "/" + std::string(layout::recovery_point_file); }
}  // namespace

result<std::optional<recovery_point>> read_recovery_point(io::filesystem& fs, const std::string& dir) {
  auto data = io::read_whole_file(fs, path_of(dir));
  if (!data) return data.error();
  if (!*data || (*data)->size() != recovery_point_file_size) return std::optional<recovery_point>();
  const std::uint8_t* b = (*data)->data();
  if (load_be<std::uint32_t>(b) != magic || load_be<std::uint32_t>(b + 4) != version ||
      load_be<std::uint32_t>(b + 32) != crc32c::extend(0, b, 32))
    return std::optional<recovery_point>();
  recovery_point rp{offset(load_be<std::int64_t>(b + 8)), offset(load_be<std::int64_t>(b + 16)),
                    load_be<std::uint64_t>(b + 24)};
  if (rp.end.value() < 0 || rp.segment_base.value() < 0 || rp.segment_base > rp.end)
    return std::optional<recovery_point>();
  return std::optional<recovery_point>(rp);
}

status recovery_point_writer::write(const recovery_point& rp) {
  std::uint8_t buf[recovery_point_file_size] = {};
  store_be(buf, magic);
  store_be(buf + 4, version);
  store_be(buf + 8, rp.end.value());
  store_be(buf + 16, rp.segment_base.value());
  store_be(buf + 24, rp.position);
  store_be(buf + 32, crc32c::extend(0, buf, 32));
  bool created = false;
  if (!_file) {
    auto existed = _fs.exists(path_of(_dir));
    if (!existed) return existed.error();
    auto f = _fs.open(path_of(_dir), io::open_mode::create);
    if (!f) return f.error();
    _file = file_cache::make(_files, _fs, path_of(_dir));
    _file->adopt(std::move(*f));
    created = !*existed;
  }
  SD_TRY(io::write_all(*_file, file_pos(0), byte_span(buf, sizeof buf)));
  SD_TRY(_file->datasync());
  if (created) SD_TRY(_fs.sync_dir(_dir));
  return ok();
}

}  // namespace sd::storage
