// Offsets log: record encoding, append + replay across reopen, key compaction (the log cleaner's passes)
// keeps the state and bounds the size, and a group_manager restored from the log answers as before the
// restart.
#include <gtest/gtest.h>

#include <atomic>

#include "base/record_batch_header.h"
#include "base/clock.h"
#include "compaction/cleaner.h"
#include "group/errc.h"
#include "group/offset_log.h"
#include "io/filesystem.h"
#include "storage/flusher.h"
#include "temp_dir.h"
#include "unit/group/group_fixture.h"

namespace sd::group::testing {
namespace {

TEST(GroupRecords, RoundTripAndTombstones) {
  committed_offset c{42, 3, std::string("meta"), 1234};
  store_record o = offset_record{"grp", {"topic", 7}, c};
  group_metadata md;
  md.protocol_type = "consumer";
  md.protocol = "range";
  md.generation = 9;
  md.leader = "m1";
  md.state_timestamp_ms = 55;
  md.members.push_back({"m1", std::string("inst"), "cid", "/h", 10000, 20000, {{"range", {1, 2}}}, {3, 4}});
  store_record g = group_record{"grp", md};
  store_record tomb = offset_record{"grp", {"topic", 7}, std::nullopt};
  for (const auto& r : {o, g, tomb, store_record(group_record{"grp", std::nullopt})}) {
    auto e = encode_record(r);
    std::optional<byte_span> v;
    if (e.value) v = byte_span(e.value->data(), e.value->size());
    auto back = decode_record(byte_span(e.key.data(), e.key.size()), v);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, r);
  }
  // Truncated or garbage input is an error, never a crash.
  auto e = encode_record(g);
  for (std::size_t cut = 0; cut < e.value->size(); cut += 3) {
    byte_span v(e.value->data(), cut);
    EXPECT_FALSE(decode_record(byte_span(e.key.data(), e.key.size()), v)) << cut;
  }
  sd::bytes junk{0, 9, 1, 2};
  EXPECT_FALSE(decode_record(byte_span(junk.data(), junk.size()), std::nullopt));
}

TEST(GroupRecords, BatchFramesAndListsRecords) {
  std::vector<encoded_record> rs;
  for (int i = 0; i < 5; ++i) rs.push_back(encode_record(offset_record{"g", {"t", i}, committed_offset{i}}));
  auto b = encode_batch(rs, 1000);
  auto fr = batch::frame(byte_span(b.data(), b.size()), b.size());
  ASSERT_EQ(fr.status, batch::check::ok);
  EXPECT_EQ(fr.hdr.records_count, 5);
  int n = 0;
  EXPECT_TRUE(for_each_record(byte_span(b.data(), b.size()), [&](byte_span k, std::optional<byte_span> v, std::int64_t at) {
    EXPECT_EQ(at, n);  // base offset 0, offset deltas 0..4
    auto r = decode_record(k, v);
    EXPECT_TRUE(r);
    EXPECT_EQ(std::get<offset_record>(*r).tp.partition, n++);
    return true;
  }));
  EXPECT_EQ(n, 5);
}

class offset_log_test : public ::testing::Test {
 protected:
  std::unique_ptr<offset_log> open() {
    auto l = offset_log::open(io::posix_filesystem(), dir.path() + "/__group_offsets", cfg, nullptr, false);
    EXPECT_TRUE(l) << l.error().message();
    return l ? std::move(*l) : nullptr;
  }
  std::unique_ptr<group_manager> restore(offset_log& log, clocks c = {}) {
    auto m = std::make_unique<group_manager>(cfg, log, c);
    auto st = log.replay([&](const store_record& r) { m->apply_replayed(r); });
    EXPECT_TRUE(st) << st.error().message();
    m->finish_restore();
    return m;
  }
  void SetUp() override { cfg.initial_rebalance_delay_ms = 0; }
  sd::test::temp_dir dir;
  coordinator_config cfg;
};

TEST_F(offset_log_test, CommitsSurviveReopen) {
  {
    auto log = open();
    group_manager m(cfg, *log);
    for (int i = 0; i < 100; ++i) {
      commit_request r;
      r.group_id = "g" + std::to_string(i % 3);
      r.offsets.emplace_back(topic_partition{"t", i % 4}, committed_offset{i});
      std::optional<std::error_code> done;
      m.commit(std::move(r), [&](std::error_code ec) { done = ec; });
      ASSERT_TRUE(done.has_value());
      ASSERT_FALSE(*done);
    }
    std::error_code top;
    (void)m.delete_offsets("g0", {{"t", 0}}, nullptr, top);
    ASSERT_TRUE(log->close());
  }
  auto log = open();
  auto m = restore(*log);
  EXPECT_EQ(m->group_count(), 3u);
  std::vector<topic_partition> which{{"t", 0}, {"t", 1}, {"t", 2}, {"t", 3}};
  auto g0 = m->fetch("g0", which);  // g0 got i = 0,3,6,...,99: t-0 deleted, t-3 last 99
  EXPECT_EQ(g0[0].offset, -1);
  EXPECT_EQ(g0[3].offset, 99);
  auto g1 = m->fetch("g1", which);  // i = 1,4,...,97
  EXPECT_EQ(g1[1].offset, 97);
  auto g2 = m->fetch("g2", which);  // i = 2,5,...,98
  EXPECT_EQ(g2[2].offset, 98);
}

TEST_F(offset_log_test, DeletedTopicsOffsetsAreRemovedDurablyFromEveryGroup) {
  {
    auto log = open();
    group_manager m(cfg, *log);
    for (const char* g : {"a", "b"}) {
      for (const char* t : {"gone", "kept"}) {
        commit_request r;
        r.group_id = g;
        r.offsets.emplace_back(topic_partition{t, 0}, committed_offset{5});
        r.offsets.emplace_back(topic_partition{t, 1}, committed_offset{6});
        std::optional<std::error_code> done;
        m.commit(std::move(r), [&](std::error_code ec) { done = ec; });
        ASSERT_TRUE(done.has_value() && !*done);
      }
    }
    EXPECT_EQ(m.remove_topic_offsets("gone"), 4u);
    EXPECT_EQ(m.remove_topic_offsets("gone"), 0u);
    EXPECT_EQ(m.remove_topic_offsets("never-existed"), 0u);
    ASSERT_TRUE(log->close());
  }
  auto log = open();
  auto m = restore(*log);
  for (const char* g : {"a", "b"}) {
    auto got = m->fetch(g, std::nullopt);  // every committed partition
    ASSERT_EQ(got.size(), 2u) << g;
    for (const auto& f : got) {
      EXPECT_EQ(f.tp.topic, "kept");
      EXPECT_EQ(f.offset, f.tp.partition == 0 ? 5 : 6);
    }
  }
}

TEST_F(offset_log_test, CompactionBoundsTheLogAndKeepsTheState) {
  cfg.log_segment_bytes = 64 * 1024;
  constexpr int commits = 10000;
  std::uint64_t max_size = 0;
  compaction::offset_map map(1 << 20);
  int passes = 0;
  {
    storage::flusher flusher;  // group commit, as in the broker
    auto opened = offset_log::open(io::posix_filesystem(), dir.path() + "/__group_offsets", cfg, &flusher, false);
    ASSERT_TRUE(opened);
    auto& log = **opened;
    group_manager m(cfg, log);
    std::atomic<int> durable{0}, failed{0};
    for (int i = 0; i < commits; ++i) {
      commit_request r;
      r.group_id = "group-" + std::to_string(i % 5);
      r.offsets.emplace_back(topic_partition{"topic", i % 10}, committed_offset{i, -1, std::string(20, 'm'), 0});
      m.commit(std::move(r), [&](std::error_code ec) { ++(ec ? failed : durable); });
      if (i % 500 == 499) {  // as the broker's log cleaner does every log.cleaner.backoff.ms
        auto cleaned = compaction::clean_synchronously(*log.log(), io::posix_filesystem(), map, wall_ms_now());
        ASSERT_TRUE(cleaned) << cleaned.error().message();
        passes += *cleaned;
      }
      max_size = std::max(max_size, log.size_bytes());
    }
    flusher.stop();  // completes every pending request
    EXPECT_EQ(durable.load(), commits);
    EXPECT_EQ(failed.load(), 0);
    EXPECT_GT(passes, 2);
    EXPECT_GT(log.log()->cleaner_checkpoint().value(), 0);
    ASSERT_TRUE(log.close());
  }
  // 10 live keys (plus 5 groups): what is left is about the dirty part between passes, in whole segments.
  EXPECT_LT(max_size, 4 * static_cast<std::uint64_t>(cfg.log_segment_bytes)) << "the log stays bounded";
  auto log = open();
  auto m = restore(*log);
  EXPECT_EQ(m->group_count(), 5u);
  for (int g = 0; g < 5; ++g) {
    auto all = m->fetch("group-" + std::to_string(g), std::nullopt);
    ASSERT_EQ(all.size(), 2u);  // group g sees partitions g and g+5
    for (auto& f : all) {
      // The last i with i % 5 == g and i % 10 == partition.
      std::int64_t want = commits - 10 + f.tp.partition;
      EXPECT_EQ(f.offset, want) << "group-" << g << " partition " << f.tp.partition;
    }
  }
}

TEST_F(offset_log_test, StableGroupIsRestoredWithItsMembersAndGeneration) {
  time_point steady = clock::now();
  clocks c;
  c.steady = [&] { return steady; };
  std::string member;
  std::int32_t gen = 0;
  {
    auto log = open();
    group_manager m(cfg, *log, c);
    auto r = group_fixture::join_req("");
    r.session_timeout_ms = 10000;
    std::optional<join_result> j;
    m.join(r, [&](join_result res) { j = res; });
    ASSERT_TRUE(j.has_value());
    member = j->member_id;
    gen = j->generation;
    std::optional<sync_result> s;
    m.sync(sync_request{"g", member, std::nullopt, gen, {{member, sd::bytes{'z'}}}}, [&](sync_result res) { s = res; });
    ASSERT_TRUE(s.has_value());
    commit_request cr;
    cr.group_id = "g";
    cr.member_id = member;
    cr.generation = gen;
    cr.offsets.emplace_back(topic_partition{"t", 0}, committed_offset{77});
    m.commit(cr, [](std::error_code ec) { ASSERT_FALSE(ec); });
    ASSERT_TRUE(log->close());
  }
  auto log = open();
  auto m = restore(*log, c);
  auto d = m->describe("g");
  EXPECT_EQ(d.state, group_state::stable);
  EXPECT_EQ(d.generation, gen);
  ASSERT_EQ(d.members.size(), 1u);
  EXPECT_EQ(d.members[0].assignment, sd::bytes{'z'});
  EXPECT_FALSE(m->heartbeat({"g", member, std::nullopt, gen})) << "the member carries on after the restart";
  std::optional<sync_result> s;
  m->sync(sync_request{"g", member, std::nullopt, gen, {}}, [&](sync_result res) { s = res; });
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->assignment, sd::bytes{'z'});
  std::vector<topic_partition> which{{"t", 0}};
  EXPECT_EQ(m->fetch("g", which).at(0).offset, 77);
  // A member that does not come back expires after its session timeout.
  steady += std::chrono::milliseconds(11000);
  m->tick();
  EXPECT_EQ(m->describe("g").state, group_state::empty);
}

}  // namespace
}  // namespace sd::group::testing
