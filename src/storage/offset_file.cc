#include "storage/offset_file.h"

#include "base/crc32c.h"
#include "storage/layout.h"

namespace sd::storage {

result<std::optional<offset>> read_offset_file(io::filesystem& fs, const std::string& dir, const std::string& name,
                                               std::uint32_t magic) {
  auto f = fs.open(dir + "/" + name, io::open_mode::read_only);
  if (!f) {
    if (f.error() == std::errc::no_such_file_or_directory) return std::optional<offset>{};
    return f.error();
  }
  std::uint8_t buf[offset_file_size];
  auto n = io::read_up_to(**f, file_pos(0), mutable_byte_span(buf, sizeof buf));
  if (!n) return n.error();
  if (*n != sizeof buf || load_be<std::uint32_t>(buf) != magic ||
      load_be<std::uint32_t>(buf + 12) != crc32c::extend(0, buf, 12)) {
    return std::optional<offset>{};
  }
  auto v = load_be<std::int64_t>(buf + 4);
  if (v < 0) return std::optional<offset>{};
  return std::optional<offset>(offset(v));
}

status write_offset_file(io::filesystem& fs, const std::string& dir, const std::string& name, std::uint32_t magic,
                         offset value) {
  std::uint8_t buf[offset_file_size];
  store_be(buf, magic);
  store_be(buf + 4, value.value());
  store_be(buf + 12, crc32c::extend(0, buf, 12));
  std::string path = dir + "/" + name;
  std::string tmp = path + std::string(layout::tmp_suffix);
  auto f = fs.open(tmp, io::open_mode::create_truncate);
  if (!f) return f.error();
  SD_TRY(io::write_all(**f, file_pos(0), byte_span(buf, sizeof buf)));
  SD_TRY((*f)->datasync());
  SD_TRY(fs.rename(tmp, path));
  return fs.sync_dir(dir);
}

}  // namespace sd::storage
