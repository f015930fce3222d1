// Crash atomicity of a cleaned segment's swap (storage/cleaning.h): the file layer "crashes" at every
// mutating directory operation of a cleaning pass in turn (creating, renaming, removing files, syncing the
// directory: after the crash every such operation fails, as in a dead process), then the log is reopened the
// way start-up does after kill -9. Whatever the step, the log must read back as the model, with no segment
// lost or doubled and no leftover .swap or .tmp file.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>

#include "compaction_test_util.h"
#include "io/errc.h"
#include "io/filesystem.h"
#include "storage/layout.h"
#include "temp_dir.h"

namespace sd::compaction::test {
namespace {

/// Forwards to the POSIX layer until `budget` mutating directory operations have run, then fails them all.
class crash_after_ops final : public io::filesystem {
 public:
  explicit crash_after_ops(int budget) : _budget(budget) {}
  bool crashed() const { return _crashed; }
  int ops() const { return _ops; }

  result<std::shared_ptr<io::file>> open(const std::string& path, io::open_mode mode) override {
    if (mode != io::open_mode::read_only && mode != io::open_mode::read_write && !step()) return dead();
    return inner().open(path, mode);
  }
  status remove(const std::string& path) override { return step() ? inner().remove(path) : status(dead()); }
  status remove_all(const std::string& path) override { return step() ? inner().remove_all(path) : status(dead()); }
  status rename(const std::string& from, const std::string& to) override {
    return step() ? inner().rename(from, to) : status(dead());
  }
  status mkdir(const std::string& path) override { return inner().mkdir(path); }
  result<std::vector<io::dir_entry>> list(const std::string& dir) override { return inner().list(dir); }
  result<bool> exists(const std::string& path) override { return inner().exists(path); }
  status sync_dir(const std::string& dir) override { return step() ? inner().sync_dir(dir) : status(dead()); }
  result<std::unique_ptr<io::file_lock>> lock_exclusive(const std::string& path) override {
    return inner().lock_exclusive(path);
  }
  result<std::uint64_t> free_space(const std::string& path) override { return inner().free_space(path); }

 private:
  static io::filesystem& inner() { return io::posix_filesystem(); }
  static std::error_code dead() { return std::make_error_code(std::errc::io_error); }
  bool step() {
    if (_crashed) return false;
    if (++_ops > _budget) {
      _crashed = true;
      return false;
    }
    return true;
  }
  int _budget;
  int _ops = 0;
  bool _crashed = false;
};

storage::log_config config() {
  storage::log_config c;
  c.segment_bytes = 1024;
  c.index_interval_bytes = 128;
  c.retention_ms = -1;
  c.compact = true;
  c.delete_by_retention = false;
  c.min_cleanable_dirty_ratio = 0;
  c.delete_retention_ms = 0;
  return c;
}

/// Writes the same log into `dir` every time (several sealed segments of overwritten keys), returns the model.
std::map<std::string, std::optional<std::string>> build(const std::string& dir, std::int64_t& now) {
  std::map<std::string, std::optional<std::string>> model;
  auto log = storage::partition_log::open(io::posix_filesystem(), dir, config(), storage::open_options{true, now});
  EXPECT_TRUE(log);
  for (int round = 0; round < 40; ++round) {
    std::vector<kv> b;
    for (int j = 0; j < 3; ++j) {
      std::string key = "k" + std::to_string((round * 3 + j) % 17);
      std::optional<std::string> v;
      if ((round + j) % 7 != 3) v = "r" + std::to_string(round) + std::string(20, 'y');
      b.push_back({key, v});
      model[key] = v;
    }
    EXPECT_TRUE(append_batch(**log, keyed_batch(b, 1000), now));
  }
  now += config().segment_ms + 1;
  EXPECT_TRUE(append_batch(**log, keyed_batch({{"~roll", "r"}}, 1000), now));
  EXPECT_GE((*log)->segment_count(), 4u);
  EXPECT_TRUE((*log)->close());
  return model;
}

TEST(SwapCrash, EveryStepOfAPassLeavesTheOldSegmentsOrTheNewOnes) {
  int completed_at = -1;
  int swaps_left = 0;  // crashes that left a committed swap for start-up to finish
  for (int budget = 0; budget < 200 && completed_at < 0; ++budget) {
    sd::test::temp_dir dir;
    const std::string path = dir / "t-0";
    std::int64_t now = 10'000;
    auto model = build(path, now);
    {
      crash_after_ops fs(budget);
      auto log = storage::partition_log::open(fs, path, config(), storage::open_options{true, now});
      ASSERT_TRUE(log) << "budget " << budget;
      offset_map map(1 << 16);
      auto view = (*log)->view_for_cleaning();
      partition_facts facts;
      facts.last_stable = (*log)->next_offset().value();
      auto plan = assess(view, config(), facts, now);
      ASSERT_TRUE(plan.due);
      auto out = clean(fs, view, config(), facts, plan, map);
      if (out) {
        for (auto& s : out->segments)
          if (!(*log)->install_cleaned(std::move(s))) break;
      }
      if (!fs.crashed()) completed_at = budget;
      // The process dies here: nothing else is written (the log object is dropped without close()).
    }
    for (const auto& e : std::filesystem::directory_iterator(path)) swaps_left += e.path().extension() == ".swap";
    // Start-up after kill -9.
    auto again = storage::partition_log::open(io::posix_filesystem(), path, config(), storage::open_options{false, now});
    ASSERT_TRUE(again) << "budget " << budget << ": " << again.error().message();
    EXPECT_EQ((*again)->recovery().bytes_truncated, 0u) << "budget " << budget;
    EXPECT_EQ((*again)->recovery().segments_removed, 0u) << "budget " << budget;
    for (const auto& e : std::filesystem::directory_iterator(path)) {
      const auto name = e.path().filename().string();
      EXPECT_FALSE(name.ends_with(".swap") || name.ends_with(".tmp")) << name << " left at budget " << budget;
    }
    expect_matches_model(read_all(**again), model, (*again)->cleaner_checkpoint().value(), "~roll");
    // And a full pass afterwards still gets the log to one record per key.
    offset_map map(1 << 16);
    run_cleaner(**again, io::posix_filesystem(), map, now);
    auto recs = read_all(**again);
    expect_matches_model(recs, model, (*again)->next_offset().value() - 1, "~roll");
  }
  EXPECT_GT(completed_at, 8) << "the pass should take several crash points";
  EXPECT_GT(swaps_left, 2) << "no crash point fell between a swap's commit and its end";
}

}  // namespace
}  // namespace sd::compaction::test
