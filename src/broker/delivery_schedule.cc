#include "broker/delivery_schedule.h"

#include <algorithm>

#include "base/crc32c.h"
#include "storage/layout.h"

namespace sd::broker {

void delivery_schedule::appended(std::int64_t base, std::int64_t next, std::int64_t due_ms, std::int64_t delay_ms) {
  if (next <= base) return;
  std::lock_guard lk(_mu);
  drop_due(due_ms - delay_ms);  // entries already due at this append go: the bound holds without readers
  due_ms = std::max(due_ms, _last_due);  // never earlier than a record before it
  _last_due = due_ms;
  const std::int64_t bucket = std::max<std::int64_t>(1, (delay_ms + 1023) / 1024);  // rounded up: at most ~1,025 live entries
  if (!_entries.empty() && due_ms - _entries.back().first_due < bucket) {
    _entries.back().due = due_ms;
    return;
  }
  _entries.push_back({base, due_ms, due_ms});
}

void delivery_schedule::drop_due(std::int64_t now_ms) {
  while (!_entries.empty() && _entries.front().due <= now_ms) _entries.pop_front();
}

std::optional<std::int64_t> delivery_schedule::first_not_due(std::int64_t now_ms) {
  std::lock_guard lk(_mu);
  drop_due(now_ms);
  if (_entries.empty()) return std::nullopt;
  return _entries.front().base;
}

std::optional<std::int64_t> delivery_schedule::next_due_ms(std::int64_t now_ms) {
  std::lock_guard lk(_mu);
  drop_due(now_ms);
  if (_entries.empty()) return std::nullopt;
  return _entries.front().due;
}

void delivery_schedule::clear() {
  std::lock_guard lk(_mu);
  _entries.clear();
}

std::size_t delivery_schedule::entries() const {
  std::lock_guard lk(_mu);
  return _entries.size();
}

namespace {
constexpr std::uint32_t schedule_magic = 0x53444453;  // "SDDS"
std::string schedule_path(const std::string& dir) {
  return dir + "/" + std::string(storage::layout::delivery_schedule_file);
}
}  // namespace

status delivery_schedule::save(io::filesystem& fs, const std::string& dir) const {
  bytes out;
  {
    std::lock_guard lk(_mu);
    append_be(out, schedule_magic);
    append_be(out, static_cast<std::uint32_t>(_entries.size()));
    for (const auto& e : _entries) {
      append_be(out, e.base);
      append_be(out, e.first_due);
      append_be(out, e.due);
    }
  }
  append_be(out, crc32c::extend(0, out.data(), out.size()));
  const auto path = schedule_path(dir);
  const auto tmp = path + std::string(storage::layout::tmp_suffix);
  auto f = fs.open(tmp, io::open_mode::create_truncate);
  if (!f) return f.error();
  SD_TRY(io::write_all(**f, file_pos(0), out));
  SD_TRY((*f)->datasync());
  SD_TRY(fs.rename(tmp, path));
  return fs.sync_dir(dir);
}

result<bool> delivery_schedule::load_and_remove(io::filesystem& fs, const std::string& dir, std::int64_t log_end) {
  const auto path = schedule_path(dir);
  auto file = io::read_whole_file(fs, path);
  if (!file) return file.error();
  if (!*file) return false;
  const bytes& data = **file;
  (void)fs.remove(path);  // consumed: a later unclean start must not trust it
  if (data.size() < 12) return false;
  const std::size_t body = data.size() - 4;
  if (load_be<std::uint32_t>(data.data()) != schedule_magic ||
      load_be<std::uint32_t>(data.data() + body) != crc32c::extend(0, data.data(), body))
    return false;
  const std::uint32_t count = load_be<std::uint32_t>(data.data() + 4);
  if (8 + static_cast<std::size_t>(count) * 24 != body) return false;
  std::deque<entry> loaded;
  for (std::uint32_t i = 0; i < count; ++i) {
    const auto* p = data.data() + 8 + static_cast<std::size_t>(i) * 24;
    entry e{load_be<std::int64_t>(p), load_be<std::int64_t>(p + 8), load_be<std::int64_t>(p + 16)};
    if (e.base >= log_end) break;
    loaded.push_back(e);
  }
  std::lock_guard lk(_mu);
  _entries = std::move(loaded);
  _last_due = _entries.empty() ? 0 : _entries.back().due;
  return true;
}

}  // namespace sd::broker
