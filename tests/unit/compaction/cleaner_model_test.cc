// The cleaner against a model: random keyed writes with tombstones, cleaning between batches, every read
// checked against "the latest value of each key"; offsets in removed ranges; restarts over cleaned segments;
// producers' last batches, aborted and control batches; more keys than the offset map holds.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <random>

#include "compaction_test_util.h"
#include "io/filesystem.h"
#include "storage/layout.h"
#include "temp_dir.h"

namespace sd::compaction::test {
namespace {

storage::log_config compact_config() {
  storage::log_config c;
  c.segment_bytes = 2048;
  c.index_interval_bytes = 256;
  c.retention_ms = -1;
  c.compact = true;
  c.delete_by_retention = false;
  c.min_cleanable_dirty_ratio = 0;
  c.delete_retention_ms = 0;
  return c;
}

class CleanerModel : public ::testing::Test {
 protected:
  std::unique_ptr<storage::partition_log> open(storage::log_config cfg = compact_config(), bool clean = true) {
    auto log = storage::partition_log::open(io::posix_filesystem(), _dir / "t-0", cfg, storage::open_options{clean, 10'000});
    EXPECT_TRUE(log) << (log ? "" : log.error().message());
    return log ? std::move(*log) : nullptr;
  }
  /// Appends a batch that rolls the active segment (its time is past segment.ms), so everything before it can
  /// be cleaned; its key is "~roll".
  void roll(storage::partition_log& log, std::int64_t& now) {
    now += log.config().segment_ms + 1;
    auto b = keyed_batch({{"~roll", "r"}}, 1000);
    ASSERT_TRUE(log.append(b, now));
  }
  sd::test::temp_dir _dir;
};

TEST_F(CleanerModel, RandomKeyedWritesWithTombstonesReadBackAsTheModel) {
  auto log = open();
  offset_map map(1 << 20);
  std::mt19937 rng(20261207);
  std::map<std::string, std::optional<std::string>> model;
  std::int64_t now = 10'000;
  int passes = 0;
  for (int round = 0; round < 60; ++round) {
    std::vector<kv> batch;
    const int n = 1 + static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) {
      std::string key = "key-" + std::to_string(rng() % 80);
      std::optional<std::string> value;
      if (rng() % 6 != 0) value = "v" + std::to_string(round) + "-" + std::to_string(i) + std::string(rng() % 40, 'x');
      batch.push_back({key, value});
      model[key] = value;
    }
    const auto codec = round % 3 == 0 ? batch::compression::zstd : batch::compression::none;
    ASSERT_TRUE(append_batch(*log, keyed_batch(batch, 1000, codec), now));
    if (round % 5 == 4) {
      passes += run_cleaner(*log, io::posix_filesystem(), map, now);
      expect_matches_model(read_all(*log), model, log->cleaner_checkpoint().value(), "~roll");
    }
  }
  ASSERT_GT(passes, 3);
  ASSERT_GT(log->cleaner_checkpoint().value(), 0);
  // Everything cleanable: exactly one record per live key, no tombstones (delete.retention.ms = 0). A tombstone
  // goes in the first pass after the one that first cleaned it (the delete horizon counts from that pass), so
  // two rolls and passes.
  roll(*log, now);
  run_cleaner(*log, io::posix_filesystem(), map, now);
  roll(*log, now);
  run_cleaner(*log, io::posix_filesystem(), map, now);
  auto recs = read_all(*log);
  expect_matches_model(recs, model, log->next_offset().value(), "~roll");
  std::size_t live = 0;
  for (const auto& [k, v] : model) live += v ? 1 : 0;
  std::size_t values = 0;
  for (const auto& r : recs) {
    if (*r.key == "~roll") continue;
    EXPECT_TRUE(r.value.has_value()) << "tombstone of " << *r.key << " kept past delete.retention.ms";
    ++values;
  }
  EXPECT_EQ(values, live);

  // A restart, clean or not, reads the cleaned segments (gaps included) back the same.
  const auto before = read_all(*log);
  const auto next = log->next_offset();
  ASSERT_TRUE(log->close());
  log.reset();
  for (bool clean : {true, false}) {
    auto again = open(compact_config(), clean);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->next_offset(), next);
    EXPECT_EQ(again->recovery().bytes_truncated, 0u) << "clean=" << clean;
    EXPECT_EQ(again->recovery().segments_removed, 0u) << "clean=" << clean;
    const auto after = read_all(*again);
    ASSERT_EQ(after.size(), before.size());
    for (std::size_t i = 0; i < after.size(); ++i) EXPECT_EQ(after[i].offset, before[i].offset);
    ASSERT_TRUE(again->close());
  }
}

TEST_F(CleanerModel, TombstonesStayForDeleteRetention) {
  auto cfg = compact_config();
  cfg.delete_retention_ms = 60'000;
  cfg.segment_ms = 1000;  // roll() moves the clock by this much only
  auto log = open(cfg);
  offset_map map(1 << 16);
  std::int64_t now = 10'000;
  ASSERT_TRUE(append_batch(*log, keyed_batch({{"a", "1"}, {"b", "2"}}, now), now));
  // The tombstone's own timestamp is far older than delete.retention.ms (a producer's CreateTime): the
  // retention still counts from the pass that first cleaned it, so readers of the log get their full window.
  ASSERT_TRUE(append_batch(*log, keyed_batch({{"a", std::nullopt}}, now - 600'000), now));
  roll(*log, now);
  run_cleaner(*log, io::posix_filesystem(), map, now);
  auto recs = read_all(*log);
  ASSERT_EQ(recs.size(), 3u);  // b=2, the tombstone of a, ~roll
  EXPECT_EQ(*recs[0].key, "b");
  EXPECT_EQ(*recs[1].key, "a");
  EXPECT_FALSE(recs[1].value);
  // Still within delete.retention.ms of that first pass: a later pass keeps it.
  now += 30'000;
  ASSERT_TRUE(append_batch(*log, keyed_batch({{"d", "4"}}, now), now));
  roll(*log, now);
  ASSERT_GT(run_cleaner(*log, io::posix_filesystem(), map, now), 0);
  recs = read_all(*log);
  EXPECT_TRUE(std::any_of(recs.begin(), recs.end(), [](const auto& r) { return *r.key == "a" && !r.value; }))
      << "tombstone dropped before delete.retention.ms since its first clean";
  // Once delete.retention.ms has passed since that pass, the next pass drops it.
  now += 120'000;
  ASSERT_TRUE(append_batch(*log, keyed_batch({{"c", "3"}}, now), now));
  roll(*log, now);
  run_cleaner(*log, io::posix_filesystem(), map, now);
  recs = read_all(*log);
  for (const auto& r : recs) EXPECT_NE(*r.key, "a");
}

TEST_F(CleanerModel, AnOffsetInsideARemovedRangeReadsTheNextRecord) {
  auto log = open();
  offset_map map(1 << 16);
  std::int64_t now = 10'000;
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(append_batch(*log, keyed_batch({{"same", "v" + std::to_string(i)}}, 1000), now));
  ASSERT_TRUE(append_batch(*log, keyed_batch({{"other", "o"}}, 1000), now));
  roll(*log, now);
  run_cleaner(*log, io::posix_filesystem(), map, now);
  auto recs = read_all(*log);
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].offset, 19);
  EXPECT_EQ(*recs[0].value, "v19");
  EXPECT_EQ(recs[1].offset, 20);
  // A consumer at offset 5 (removed) gets offset 19 next; one at 21 (past the last cleaned record) the roll.
  auto r = log->read(sd::offset(5), 1 << 20);
  ASSERT_TRUE(r);
  auto data = storage::copy_to_bytes(*r);
  ASSERT_TRUE(data);
  auto first = protocol::read_batch(*data);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->header.base_offset, 19);
  EXPECT_EQ(log->start_offset().value(), 0);
  EXPECT_EQ(log->next_offset().value(), 22);
}

TEST_F(CleanerModel, ADamagedCheckpointFileDoesNotTurnCleanedSegmentsIntoCorruption) {
  // The checkpoint tells recovery where gaps are expected. If it no longer reads, recovery must not truncate
  // the cleaned segments as corrupt: every sealed segment may hold gaps then.
  auto log = open();
  offset_map map(1 << 16);
  std::int64_t now = 10'000;
  for (int i = 0; i < 60; ++i)
    ASSERT_TRUE(append_batch(*log, keyed_batch({{"k" + std::to_string(i % 3), "v" + std::to_string(i)}}, 1000), now));
  roll(*log, now);
  ASSERT_GT(run_cleaner(*log, io::posix_filesystem(), map, now), 0);
  const auto before = read_all(*log);
  ASSERT_LT(before.size(), 10u);
  const auto next = log->next_offset();
  ASSERT_TRUE(log->close());
  log.reset();
  {
    std::ofstream damaged(_dir / ("t-0/" + std::string(storage::layout::cleaner_checkpoint_file)),
                          std::ios::binary | std::ios::trunc);
    damaged << "not a checkpoint";
  }
  auto again = open(compact_config(), /*clean=*/false);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->next_offset(), next);
  EXPECT_EQ(again->recovery().bytes_truncated, 0u);
  EXPECT_EQ(again->recovery().segments_removed, 0u);
  const auto after = read_all(*again);
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < after.size(); ++i) EXPECT_EQ(after[i].offset, before[i].offset);
}

TEST_F(CleanerModel, ProducersLastBatchStaysAbortedDataGoesMarkersStay) {
  auto log = open();
  offset_map map(1 << 16);
  std::int64_t now = 10'000;
  // Producer 7: two batches of key "p"; its last batch's record is then overwritten by a later plain record.
  ASSERT_TRUE(append_batch(*log, keyed_batch({{"p", "1"}}, 1000, batch::compression::none, 7, 0), now));
  ASSERT_TRUE(append_batch(*log, keyed_batch({{"p", "2"}}, 1000, batch::compression::none, 7, 1), now));  // offset 1
  ASSERT_TRUE(append_batch(*log, keyed_batch({{"p", "3"}}, 1000), now));                                   // offset 2
  // Producer 9's aborted transactional batch (offset 3) and its marker (offset 4).
  {
    protocol::record rec;
    rec.key = bytes{'q'};
    rec.value = bytes{'x'};
    rec.timestamp = 1000;
    protocol::batch_options o;
    o.producer_id = 9;
    o.producer_epoch = 0;
    o.base_sequence = 0;
    o.transactional = true;
    auto b = protocol::build_batch(std::span(&rec, 1), o);
    ASSERT_TRUE(b);
    ASSERT_TRUE(append_batch(*log, *b, now));
    protocol::record marker;
    marker.key = bytes{0, 0, 0, 0};  // version 0, type ABORT
    marker.value = bytes{0, 0, 0, 0, 0, 0};
    marker.timestamp = 1000;
    o.control = true;
    o.base_sequence = -1;
    auto m = protocol::build_batch(std::span(&marker, 1), o);
    ASSERT_TRUE(m);
    ASSERT_TRUE(append_batch(*log, *m, now));
  }
  roll(*log, now);
  partition_facts facts;
  facts.last_stable = log->next_offset().value();
  facts.aborted.push_back({9, 3, 4});
  facts.last_batch_of_producer[7] = 1;
  run_cleaner(*log, io::posix_filesystem(), map, now, facts);
  std::vector<batch::header> hs;
  auto recs = read_all(*log, &hs);
  ASSERT_EQ(hs.size(), 4u);  // producer 7's last batch (emptied), p=3, the marker, ~roll
  EXPECT_EQ(hs[0].producer_id, 7);
  EXPECT_EQ(hs[0].base_offset, 1);
  EXPECT_EQ(hs[0].records_count, 0);
  EXPECT_EQ(hs[0].base_sequence, 1);
  EXPECT_EQ(hs[1].base_offset, 2);
  EXPECT_TRUE(hs[2].control());
  EXPECT_EQ(hs[2].base_offset, 4);
  for (const auto& r : recs) EXPECT_NE(*r.key, "q") << "aborted data survived";
}

TEST_F(CleanerModel, TenTimesMoreKeysThanTheMapHoldsTakesMorePassesNotMoreMemory) {
  auto cfg = compact_config();
  cfg.segment_bytes = 8192;
  auto log = open(cfg);
  const std::size_t budget = 24 * 64;  // about 57 keys
  offset_map map(budget);
  ASSERT_LE(map.memory_bytes(), budget);
  const std::size_t keys = map.capacity() * 10;
  std::map<std::string, std::optional<std::string>> model;
  std::int64_t now = 10'000;
  for (int round = 0; round < 3; ++round) {
    for (std::size_t k = 0; k < keys; k += 4) {
      std::vector<kv> batch;
      for (std::size_t j = k; j < std::min(keys, k + 4); ++j) {
        batch.push_back({"key-" + std::to_string(j), "r" + std::to_string(round)});
        model[batch.back().key] = batch.back().value;
      }
      ASSERT_TRUE(append_batch(*log, keyed_batch(batch, 1000), now));
    }
  }
  roll(*log, now);
  const int passes = run_cleaner(*log, io::posix_filesystem(), map, now);
  EXPECT_GE(passes, 10);
  EXPECT_LE(map.memory_bytes(), budget);
  auto recs = read_all(*log);
  expect_matches_model(recs, model, log->next_offset().value(), "~roll");
  EXPECT_EQ(recs.size(), keys + 1);
}

}  // namespace
}  // namespace sd::compaction::test
