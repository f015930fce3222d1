// The per-partition transaction state: transactional batches open a producer's transaction, markers close
// it (ABORT adds it to the aborted list), the first unstable offset is the oldest open transaction's first
// offset, markers with a newer epoch fence the older one; snapshots (format v2) keep all of it and v1 files
// still load; control batches encode and decode; recovery rebuilds the state from markers in the log.
#include <gtest/gtest.h>

#include "producer/control_batch.h"
#include "producer/recovery.h"
#include "producer/snapshot.h"
#include "producer/snapshot_format.h"
#include "base/crc32c.h"
#include "io/filesystem.h"
#include "unit/producer/temp_dir.h"
#include "unit/producer/test_batches.h"

namespace sd::producer {
namespace {

using test::header;
constexpr std::int64_t txn_now_ms = 1'800'000'000'000;
constexpr std::int64_t txn_day_ms = 86'400'000;

batch::header txn_header(std::int64_t pid, std::int16_t epoch, std::int32_t seq, std::int32_t records,
                         std::int64_t base) {
  auto h = header(pid, epoch, seq, records, base);
  h.attributes |= 0x10;
  return h;
}

TEST(TransactionState, MarkersCloseTransactionsAndAbortsAreListed) {
  producer_state_table t(txn_day_ms);
  EXPECT_FALSE(t.first_unstable_offset());
  t.record(txn_header(7, 0, 0, 3, 10), txn_now_ms);   // producer 7 opens at 10
  t.record(header(8, 0, 0, 2, 13), txn_now_ms);       // idempotent, not transactional
  t.record(txn_header(9, 0, 0, 1, 15), txn_now_ms);   // producer 9 opens at 15
  t.record(txn_header(7, 0, 3, 2, 16), txn_now_ms);   // 7 continues: still opened at 10
  EXPECT_EQ(t.first_unstable_offset(), 10);
  EXPECT_EQ(t.open_transactions(), 2u);

  t.record_marker(7, 0, marker_kind::abort, 18, txn_now_ms);
  EXPECT_EQ(t.first_unstable_offset(), 15);
  ASSERT_EQ(t.aborted().size(), 1u);
  EXPECT_EQ(t.aborted()[0], (aborted_txn{7, 10, 18}));
  t.record_marker(9, 0, marker_kind::commit, 19, txn_now_ms);
  EXPECT_FALSE(t.first_unstable_offset());
  EXPECT_EQ(t.aborted().size(), 1u);  // commits are not listed

  // A marker for a producer with nothing open changes nothing but the epoch.
  t.record_marker(8, 0, marker_kind::abort, 20, txn_now_ms);
  EXPECT_EQ(t.aborted().size(), 1u);

  // aborted_between: overlapping [from, to) only.
  EXPECT_EQ(t.aborted_between(0, 10).size(), 0u);
  EXPECT_EQ(t.aborted_between(0, 11).size(), 1u);
  EXPECT_EQ(t.aborted_between(18, 30).size(), 1u);
  EXPECT_EQ(t.aborted_between(19, 30).size(), 0u);
  t.trim_aborted(18);
  EXPECT_EQ(t.aborted().size(), 1u);
  t.trim_aborted(19);
  EXPECT_TRUE(t.aborted().empty());
}

TEST(TransactionState, ANewerEpochMarkerFencesTheOlderEpochAndRestartsSequences) {
  producer_state_table t(txn_day_ms);
  t.record(txn_header(5, 3, 0, 4, 0), txn_now_ms);
  t.record_marker(5, 4, marker_kind::abort, 4, txn_now_ms);  // coordinator fenced epoch 3
  EXPECT_EQ(t.check(txn_header(5, 3, 4, 1, 0), txn_now_ms).error(), make_error_code(errc::invalid_producer_epoch));
  // Epoch 4 may start at sequence 0 (the fenced epoch's batches are forgotten).
  EXPECT_TRUE(t.check(txn_header(5, 4, 0, 1, 0), txn_now_ms));
}

TEST(TransactionState, OpenTransactionsDoNotExpire) {
  producer_state_table t(1000);
  t.record(txn_header(1, 0, 0, 1, 0), txn_now_ms);
  t.record(header(2, 0, 0, 1, 1), txn_now_ms);
  EXPECT_EQ(t.expire(txn_now_ms + 5000), 1u);  // only the idle idempotent producer
  EXPECT_EQ(t.first_unstable_offset(), 0);
}

TEST(TransactionState, SnapshotKeepsOpenTransactionsAndTheAbortedList) {
  snapshot s;
  s.covered_end = offset(100);
  producer_entry open;
  open.producer_id = 3;
  open.epoch = 1;
  open.last_update_ms = txn_now_ms;
  open.txn_first_offset = 40;
  open.batches.push_back({0, 4, 40, 44, 1000});
  producer_entry fenced;  // no batches left after a fencing marker: kept (its epoch matters)
  fenced.producer_id = 4;
  fenced.epoch = 9;
  fenced.last_update_ms = txn_now_ms;
  s.entries = {open, fenced};
  s.aborted = {{3, 10, 20}, {4, 21, 30}};
  auto back = decode_snapshot(encode_snapshot(s));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->entries, s.entries);
  EXPECT_EQ(back->aborted, s.aborted);

  // Damage anywhere is detected (CRC), and an aborted entry past the covered end is refused.
  auto bytes = encode_snapshot(s);
  bytes[bytes.size() / 2] ^= 1;
  EXPECT_FALSE(decode_snapshot(bytes));
  s.aborted.push_back({5, 90, 120});
  EXPECT_FALSE(decode_snapshot(encode_snapshot(s)));
}

TEST(TransactionState, VersionOneSnapshotsStillLoad) {
  // A v1 file as the previous broker wrote it: one entry with one batch, no transaction fields.
  bytes v1;
  append_be<std::uint32_t>(v1, snapshot_format::magic);
  append_be<std::uint16_t>(v1, 1);
  append_be<std::uint16_t>(v1, 0);
  append_be<std::int64_t>(v1, 50);
  append_be<std::uint32_t>(v1, 1);
  append_be<std::int64_t>(v1, 11);
  append_be<std::int16_t>(v1, 2);
  append_be<std::int64_t>(v1, txn_now_ms);
  v1.push_back(1);
  append_be<std::int32_t>(v1, 0);
  append_be<std::int32_t>(v1, 9);
  append_be<std::int64_t>(v1, 30);
  append_be<std::int64_t>(v1, 39);
  append_be<std::int64_t>(v1, 1000);
  append_be<std::uint32_t>(v1, crc32c::extend(0, v1.data(), v1.size()));
  auto s = decode_snapshot(v1);
  ASSERT_TRUE(s);
  ASSERT_EQ(s->entries.size(), 1u);
  EXPECT_EQ(s->entries[0].producer_id, 11);
  EXPECT_EQ(s->entries[0].txn_first_offset, -1);
  EXPECT_TRUE(s->aborted.empty());
}

TEST(TransactionState, ControlBatchesRoundTrip) {
  auto b = encode_marker(42, 3, marker_kind::commit, 0, txn_now_ms);
  auto h = batch::parse_header(b.data());
  EXPECT_TRUE(h.control());
  EXPECT_TRUE(h.transactional());
  EXPECT_EQ(h.producer_id, 42);
  EXPECT_EQ(h.producer_epoch, 3);
  EXPECT_EQ(h.base_sequence, -1);
  EXPECT_EQ(batch::frame(byte_span(b.data(), b.size()), b.size()).status, batch::check::ok);
  EXPECT_EQ(decode_marker(b), marker_kind::commit);
  EXPECT_EQ(decode_marker(encode_marker(42, 3, marker_kind::abort, 0, txn_now_ms)), marker_kind::abort);
  // Not a marker: a data batch, or a truncated one.
  auto data = test::encode(header(1, 0, 0));
  EXPECT_FALSE(decode_marker(data));
  EXPECT_FALSE(decode_marker(byte_span(b.data(), b.size() - 8)));
}

TEST(TransactionState, RecoveryRebuildsTransactionsFromTheLog) {
  test::temp_dir dir;
  storage::log_config cfg;
  storage::open_options opts;
  opts.now_ms = txn_now_ms;
  auto table = std::make_shared<producer_state_table>(txn_day_ms);
  {
    auto log = storage::partition_log::open(io::posix_filesystem(), dir.path(), cfg, opts);
    ASSERT_TRUE(log);
    ASSERT_TRUE(attach(**log, table, txn_now_ms));
    auto append = [&](const bytes& b) {
      auto copy = b;
      auto a = (*log)->append(copy, txn_now_ms);
      EXPECT_TRUE(a);
      return a->base_offset.value();
    };
    auto h1 = txn_header(1, 0, 0, 2, 0);
    h1.base_offset = append(test::encode(h1));  // 0..1, producer 1
    table->record(h1, txn_now_ms);
    auto h2 = txn_header(2, 0, 0, 1, 0);
    h2.base_offset = append(test::encode(h2));  // 2, producer 2
    table->record(h2, txn_now_ms);
    auto m = append(encode_marker(1, 0, marker_kind::abort, 0, txn_now_ms));  // 3
    table->record_marker(1, 0, marker_kind::abort, m, txn_now_ms);
    ASSERT_EQ(table->first_unstable_offset(), 2);
    // Dropped without close(): no snapshot at the end; recovery must read the marker from the log.
    ASSERT_TRUE((*log)->flush());
  }
  opts.clean_shutdown = false;
  auto log = storage::partition_log::open(io::posix_filesystem(), dir.path(), cfg, opts);
  ASSERT_TRUE(log);
  auto rebuilt = std::make_shared<producer_state_table>(txn_day_ms);
  auto st = attach(**log, rebuilt, txn_now_ms);
  ASSERT_TRUE(st);
  EXPECT_EQ(rebuilt->first_unstable_offset(), 2);
  ASSERT_EQ(rebuilt->aborted().size(), 1u);
  EXPECT_EQ(rebuilt->aborted()[0], (aborted_txn{1, 0, 3}));
  (void)(*log)->close();
}

}  // namespace
}  // namespace sd::producer
