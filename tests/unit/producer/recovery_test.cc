// Producer state follows the real partition log: snapshots at segment roll and at close, rebuild from batch
// headers after a crash (a log dropped without close()), snapshots past the log end or damaged are discarded.
#include "producer/recovery.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "producer/snapshot.h"
#include "unit/producer/temp_dir.h"
#include "unit/producer/test_batches.h"

namespace sd::producer {
namespace {

using test::header;
constexpr std::int64_t recovery_day_ms = 86'400'000;
constexpr std::int64_t now_ms = 1'800'000'000'000;

struct partition {
  std::unique_ptr<storage::partition_log> log;
  std::shared_ptr<producer_state_table> table = std::make_shared<producer_state_table>(recovery_day_ms);
  recovery_stats stats;

  static partition open(const std::string& dir, bool clean, std::int64_t segment_bytes = 1 << 20) {
    storage::log_config cfg;
    cfg.segment_bytes = segment_bytes;
    storage::open_options opts;
    opts.clean_shutdown = clean;
    opts.now_ms = now_ms;
    auto log = storage::partition_log::open(io::posix_filesystem(), dir, cfg, opts);
    if (!log) throw std::runtime_error("open: " + log.error().message());
    partition p;
    p.log = std::move(*log);
    auto st = attach(*p.log, p.table, now_ms);
    if (!st) throw std::runtime_error("attach: " + st.error().message());
    p.stats = *st;
    return p;
  }

  // What the broker does for one batch: check, append, record. Returns the answered base offset.
  result<std::int64_t> produce(batch::header h) {
    auto c = table->check(h, now_ms);
    if (!c) return c.error();
    if (c->kind == verdict::duplicate) return c->original.base_offset;
    bytes b = test::encode(h);
    auto a = log->append(b, now_ms);
    if (!a) return a.error();
    h.base_offset = a->base_offset.value();
    table->record(h, now_ms);
    return h.base_offset;
  }
};

// Entries without last_update_ms (replay sets it to the recovery time).
std::vector<producer_entry> comparable(const producer_state_table& t) {
  auto v = t.entries();
  for (auto& e : v) e.last_update_ms = 0;
  return v;
}

std::vector<offset> snapshots_in(const std::string& dir) {
  auto l = list_snapshots(io::posix_filesystem(), dir);
  return l ? *l : std::vector<offset>{};
}

TEST(ProducerRecovery, RebuildFromHeadersAfterCrashDeduplicatesRetries) {
  test::temp_dir tmp;
  const std::string dir = tmp.path() + "/t-0";
  std::vector<producer_entry> before;
  std::int64_t last_base = -1;
  {
    auto p = partition::open(dir, false);
    EXPECT_FALSE(p.stats.snapshot_used);
    for (std::int32_t i = 0; i < 8; ++i) {
      ASSERT_TRUE(p.produce(header(5, 0, i * 3, 3)));
      ASSERT_TRUE(p.produce(header(-1, -1, -1, 1)));
      auto r = p.produce(header(6, 2, i, 1));
      ASSERT_TRUE(r);
      last_base = *r;
    }
    ASSERT_TRUE(p.log->flush());
    before = comparable(*p.table);
    // Crash: no close(), so no snapshot at close.
  }
  EXPECT_TRUE(snapshots_in(dir).empty());
  auto p = partition::open(dir, false);
  EXPECT_FALSE(p.stats.snapshot_used);
  EXPECT_EQ(p.stats.batches_replayed, 16u);
  EXPECT_EQ(comparable(*p.table), before);
  // Every one of the last five batches of producer 6 is still a duplicate with its original offset.
  auto dup = p.produce(header(6, 2, 7, 1));
  ASSERT_TRUE(dup);
  EXPECT_EQ(*dup, last_base);
  EXPECT_EQ(p.log->next_offset(), offset(8 * 5));
  auto gap = p.produce(header(5, 0, 25, 1));
  ASSERT_FALSE(gap);
  EXPECT_EQ(gap.error(), errc::out_of_order_sequence);
  EXPECT_TRUE(p.produce(header(5, 0, 24, 1)));
  // Recovery wrote a snapshot at the log end it had reached.
  ASSERT_FALSE(snapshots_in(dir).empty());
  EXPECT_EQ(snapshots_in(dir)[0], offset(40));
}

TEST(ProducerRecovery, SnapshotAtCloseMakesTheNextStartScanNothing) {
  test::temp_dir tmp;
  const std::string dir = tmp.path() + "/t-0";
  std::vector<producer_entry> before;
  {
    auto p = partition::open(dir, false);
    for (std::int32_t i = 0; i < 6; ++i) ASSERT_TRUE(p.produce(header(1, 0, i, 1)));
    ASSERT_TRUE(p.log->close());
    before = p.table->entries();
  }
  auto snaps = snapshots_in(dir);
  ASSERT_EQ(snaps.size(), 1u);
  EXPECT_EQ(snaps[0], offset(6));
  auto p = partition::open(dir, true);
  ASSERT_TRUE(p.stats.snapshot_used);
  EXPECT_EQ(*p.stats.snapshot_used, offset(6));
  EXPECT_EQ(p.stats.batches_replayed, 0u);
  EXPECT_EQ(p.table->entries(), before) << "the snapshot keeps last_update_ms too";
  auto dup = p.produce(header(1, 0, 3, 1));
  ASSERT_TRUE(dup);
  EXPECT_EQ(*dup, 3);
}

TEST(ProducerRecovery, SnapshotAtRollThenTailReplayAfterCrash) {
  test::temp_dir tmp;
  const std::string dir = tmp.path() + "/t-0";
  const std::int64_t seg = 61 * 4;  // four header-only batches per segment
  std::vector<producer_entry> before;
  {
    auto p = partition::open(dir, false, seg);
    for (std::int32_t i = 0; i < 10; ++i) ASSERT_TRUE(p.produce(header(1, 0, i, 1)));
    ASSERT_TRUE(p.log->flush());
    EXPECT_EQ(p.log->segment_count(), 3u);
    before = comparable(*p.table);
  }
  auto snaps = snapshots_in(dir);
  ASSERT_EQ(snaps.size(), 2u);
  EXPECT_EQ(snaps[0], offset(8));
  EXPECT_EQ(snaps[1], offset(4));
  auto p = partition::open(dir, false, seg);
  ASSERT_TRUE(p.stats.snapshot_used);
  EXPECT_EQ(*p.stats.snapshot_used, offset(8));
  EXPECT_EQ(p.stats.batches_replayed, 2u);
  EXPECT_EQ(comparable(*p.table), before);
  auto dup = p.produce(header(1, 0, 5, 1));
  ASSERT_TRUE(dup);
  EXPECT_EQ(*dup, 5);
}

TEST(ProducerRecovery, SnapshotBeyondTheLogEndIsDiscarded) {
  test::temp_dir tmp;
  const std::string dir = tmp.path() + "/t-0";
  {
    auto p = partition::open(dir, false);
    for (std::int32_t i = 0; i < 4; ++i) ASSERT_TRUE(p.produce(header(1, 0, i, 1)));
    ASSERT_TRUE(p.log->flush());
  }
  // A snapshot that claims producer 1 reached sequence 99 at offset 100: the crash took that tail.
  snapshot future;
  future.covered_end = offset(100);
  producer_entry e;
  e.producer_id = 1;
  e.epoch = 0;
  e.last_update_ms = now_ms;
  e.batches.push_back({99, 99, 99, 99, 1000});
  future.entries.push_back(e);
  ASSERT_TRUE(write_snapshot(io::posix_filesystem(), dir, future));
  auto p = partition::open(dir, false);
  EXPECT_EQ(p.stats.snapshots_discarded, 1u);
  EXPECT_FALSE(p.stats.snapshot_used);
  EXPECT_EQ(p.stats.batches_replayed, 4u);
  const auto* got = p.table->find(1);
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->batches.back().last_seq, 3);
  EXPECT_TRUE(p.produce(header(1, 0, 4, 1))) << "the producer continues from what the log holds";
  for (auto o : snapshots_in(dir)) EXPECT_LE(o, offset(4));
}

TEST(ProducerRecovery, DamagedSnapshotFallsBackToTheLog) {
  test::temp_dir tmp;
  const std::string dir = tmp.path() + "/t-0";
  {
    auto p = partition::open(dir, false);
    for (std::int32_t i = 0; i < 3; ++i) ASSERT_TRUE(p.produce(header(2, 1, i * 2, 2)));
    ASSERT_TRUE(p.log->close());
  }
  const std::string snap = dir + "/" + snapshot_file_name(offset(6));
  ASSERT_TRUE(std::filesystem::exists(snap));
  {
    std::fstream f(snap, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(25);
    f.put('\x7f');
  }
  auto p = partition::open(dir, true);
  EXPECT_EQ(p.stats.snapshots_discarded, 1u);
  EXPECT_FALSE(p.stats.snapshot_used);
  EXPECT_EQ(p.stats.batches_replayed, 3u);
  auto dup = p.produce(header(2, 1, 4, 2));
  ASSERT_TRUE(dup);
  EXPECT_EQ(*dup, 4);
}

TEST(ProducerRecovery, ExpiredProducersAreNotSnapshotted) {
  test::temp_dir tmp;
  const std::string dir = tmp.path() + "/t-0";
  auto p = partition::open(dir, false);
  ASSERT_TRUE(p.produce(header(1, 0, 0, 1)));
  ASSERT_TRUE(checkpoint(*p.log, *p.table, p.log->next_offset(), now_ms + recovery_day_ms));
  auto s = read_snapshot(io::posix_filesystem(), dir, p.log->next_offset());
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->entries.empty());
}

}  // namespace
}  // namespace sd::producer
