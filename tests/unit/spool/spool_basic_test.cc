// The spool's contract in normal operation: round trip, seq density, durability before reads and acks,
// group commit, segment roll and deletion, lock and relay id.

#include <atomic>
#include <thread>

#include "spool_test_util.h"

namespace sd::spool::test {
namespace {

TEST(Spool, RoundTripKeepsEveryField) {
  sd::test::temp_dir dir;
  auto o = make_options(dir.path());
  o.segment_bytes = 4 << 20;
  auto s = must_open(o);
  std::vector<record> in;
  for (int v = 0; v < 4; ++v) {
    record r;
    r.topic = "topic-" + std::to_string(v);
    r.partition = v - 1;
    r.timestamp_ms = 1000 + v;
    if (v & 1) r.key = "";
    if (v & 2) r.value = "";
    r.headers = {{"x", "1"}, {"y", ""}};
    in.push_back(r);
  }
  record big;
  big.topic = "big";
  big.key = "k";
  big.value = std::string(1 << 20, '\0');
  for (std::size_t i = 0; i < big.value->size(); ++i) (*big.value)[i] = static_cast<char>(i * 131);
  in.push_back(big);
  record now;  // timestamp 0: the append time
  now.topic = "now";
  in.push_back(now);
  auto first = append_wait(*s, in);
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, 1u);
  auto check = [&](const spool& sp) {
    auto out = read_all(sp);
    ASSERT_EQ(out.size(), in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
      EXPECT_EQ(out[i].seq, i + 1);
      EXPECT_EQ(out[i].topic, in[i].topic);
      EXPECT_EQ(out[i].partition, in[i].partition);
      EXPECT_EQ(out[i].key, in[i].key);
      EXPECT_EQ(out[i].value, in[i].value);
      EXPECT_EQ(out[i].headers, in[i].headers);
      if (in[i].timestamp_ms != 0) {
        EXPECT_EQ(out[i].timestamp_ms, in[i].timestamp_ms);
      }
    }
    EXPECT_GT(out.back().timestamp_ms, 1'600'000'000'000);
  };
  check(*s);
  s->close();
  s = must_open(o);
  check(*s);
}

TEST(Spool, SeqsAreDenseAcrossRestartsAndNeverReused) {
  sd::test::temp_dir dir;
  auto o = make_options(dir.path());
  std::uint64_t expect = 1;
  for (int round = 0; round < 3; ++round) {
    recovery_report rep;
    auto s = must_open(o, &rep);
    EXPECT_EQ(rep.next_seq, expect);
    for (int i = 0; i < 10; ++i) {
      auto seq = append_wait(*s, {make_record(expect), make_record(expect + 1)});
      ASSERT_TRUE(seq);
      EXPECT_EQ(*seq, expect);
      expect += 2;
    }
    if (round == 1) {
      ASSERT_TRUE(s->mark_forwarded(s->durable_seq()));
    }
  }
  auto s = must_open(o);
  auto all = read_all(*s);
  ASSERT_FALSE(all.empty());
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_EQ(all[i].seq, all[i - 1].seq + 1);
  EXPECT_EQ(all.back().seq, expect - 1);
  EXPECT_EQ(s->forwarded_seq(), 40u);
}

TEST(Spool, AlwaysAcknowledgesOnlyDurableRecords) {
  sd::test::temp_dir dir;
  auto s = must_open(make_options(dir.path()));
  std::promise<bool> p;
  s->append({make_record(1)}, [&](result<std::uint64_t> r) { p.set_value(r && s->durable_seq() >= *r); });
  EXPECT_TRUE(p.get_future().get());
}

TEST(Spool, ReadsNeverPassDurableSeq) {
  sd::test::temp_dir dir;
  auto o = make_options(dir.path());
  o.sync = sync_mode::interval;
  o.sync_interval = std::chrono::seconds(60);
  auto s = must_open(o);
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(append_one(*s, i));  // acknowledged after the write
  auto st = s->get_stats();
  EXPECT_EQ(st.written_seq, 5u);
  EXPECT_EQ(st.durable_seq, 0u);
  auto r = s->read(1, 100, 1 << 20);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
  EXPECT_EQ(s->mark_forwarded(1).error(), make_error_code(errc::invalid_argument));
  std::atomic<bool> woke{false};
  s->notify_on_durable(0, [&] { woke = true; });
  EXPECT_FALSE(woke);
  s->close();  // syncs what is written
  EXPECT_TRUE(woke);
  s = must_open(o);
  EXPECT_EQ(read_all(*s).size(), 5u);
}

TEST(Spool, NotifyOnDurableFiresWhenARecordBecomesReadable) {
  sd::test::temp_dir dir;
  auto s = must_open(make_options(dir.path()));
  std::promise<void> p;
  s->notify_on_durable(0, [&] { p.set_value(); });
  s->append({make_record(1)}, [](result<std::uint64_t>) {});
  p.get_future().get();
  EXPECT_GE(s->durable_seq(), 1u);
  bool now = false;
  s->notify_on_durable(0, [&] { now = true; });  // already true: runs at once
  EXPECT_TRUE(now);
}

TEST(Spool, GroupCommitSyncsOnceForManyAppends) {
  sd::test::temp_dir dir;
  auto s = must_open(make_options(dir.path()));
  constexpr int threads = 8, per_thread = 250;
  std::atomic<int> done{0}, failed{0};
  std::mutex order_mu;
  std::vector<std::uint64_t> ack_order;
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        s->append({make_record(t * per_thread + i)}, [&](result<std::uint64_t> r) {
          if (!r)
            ++failed;
          else {
            std::lock_guard lk(order_mu);
            ack_order.push_back(*r);
          }
          ++done;
        });
      }
    });
  }
  for (auto& t : ts) t.join();
  while (done < threads * per_thread) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(failed, 0);
  auto st = s->get_stats();
  EXPECT_EQ(st.appends_total, std::uint64_t(threads * per_thread));
  EXPECT_LT(st.syncs_total, st.appends_total);
  EXPECT_GE(st.syncs_total, 1u);
  for (std::size_t i = 0; i < ack_order.size(); ++i) EXPECT_EQ(ack_order[i], i + 1);  // in seq order
  EXPECT_EQ(read_all(*s).size(), std::size_t(threads * per_thread));
}

TEST(Spool, RollsSegmentsAndDeletesThemOnceForwarded) {
  sd::test::temp_dir dir;
  auto o = make_options(dir.path());
  o.segment_bytes = 8192;
  auto s = must_open(o);
  for (int i = 1; i <= 100; ++i) ASSERT_TRUE(append_one(*s, i, 400));
  auto files = segment_files(dir.path());
  ASSERT_GT(files.size(), 4u);
  EXPECT_EQ(files.front(), dir / "00000000000000000001.spool");
  for (const auto& f : files) EXPECT_LE(std::filesystem::file_size(f), o.segment_bytes);
  EXPECT_EQ(s->get_stats().segments, files.size());
  // Reading from the middle finds the right segment.
  auto mid = s->read(57, 3, 1 << 20);
  ASSERT_TRUE(mid);
  ASSERT_EQ(mid->size(), 3u);
  EXPECT_EQ((*mid)[0].seq, 57u);
  EXPECT_EQ((*mid)[0].key, "k57");
  ASSERT_TRUE(s->mark_forwarded(60));
  auto left = segment_files(dir.path());
  EXPECT_LT(left.size(), files.size());
  auto first_left = format::parse_segment_name(std::filesystem::path(left.front()).filename().string());
  EXPECT_LE(*first_left, 61u);
  auto rest = s->read(61, 1000, 1 << 20);
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->size(), 40u);
  EXPECT_EQ(rest->front().seq, 61u);
  EXPECT_EQ(s->get_stats().records, 40u);
  EXPECT_EQ(s->mark_forwarded(59).error(), make_error_code(errc::invalid_argument));
  EXPECT_EQ(s->mark_forwarded(101).error(), make_error_code(errc::invalid_argument));
  ASSERT_TRUE(s->mark_forwarded(100));
  EXPECT_EQ(s->get_stats().records, 0u);
  s->close();
  recovery_report rep;
  s = must_open(o, &rep);
  EXPECT_EQ(rep.forwarded_seq, 100u);
  EXPECT_EQ(rep.records, 0u);
  EXPECT_EQ(rep.next_seq, 101u);
}

TEST(Spool, ReadHonoursMaxRecordsAndMaxBytes) {
  sd::test::temp_dir dir;
  auto s = must_open(make_options(dir.path()));
  for (int i = 1; i <= 20; ++i) ASSERT_TRUE(append_one(*s, i, 100));
  auto r = s->read(1, 5, 1 << 20);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->size(), 5u);
  r = s->read(3, 100, 1);  // at least one record
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ(r->front().seq, 3u);
  r = s->read(21, 100, 1 << 20);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
}

TEST(Spool, SecondOpenOfTheSameDirectoryIsLocked) {
  sd::test::temp_dir dir;
  auto o = make_options(dir.path());
  auto s = must_open(o);
  auto again = spool::open(o);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), make_error_code(errc::locked));
  s->close();
  EXPECT_TRUE(spool::open(o));
}

TEST(Spool, AnotherRelayIdIsRefused) {
  sd::test::temp_dir dir;
  auto o = make_options(dir.path());
  must_open(o)->close();
  o.relay_id = "relay-2";
  auto s = spool::open(o);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error(), make_error_code(errc::wrong_relay));
}

TEST(Spool, ClosedSpoolRefusesWork) {
  sd::test::temp_dir dir;
  auto s = must_open(make_options(dir.path()));
  ASSERT_TRUE(append_one(*s, 1));
  s->close();
  EXPECT_EQ(append_one(*s, 2).error(), make_error_code(errc::closed));
  EXPECT_EQ(s->read(1, 1, 1).error(), make_error_code(errc::closed));
  EXPECT_EQ(s->mark_forwarded(1).error(), make_error_code(errc::closed));
  bool fired = false;
  s->notify_on_space([&] { fired = true; });
  EXPECT_TRUE(fired);
}

TEST(Spool, RejectsRecordsThatCanNeverFit) {
  sd::test::temp_dir dir;
  auto o = make_options(dir.path());
  o.segment_bytes = 8192;
  auto s = must_open(o);
  EXPECT_EQ(append_one(*s, 1, 9000).error(), make_error_code(errc::record_too_large));
  EXPECT_EQ(append_wait(*s, {}).error(), make_error_code(errc::invalid_argument));
  EXPECT_TRUE(append_one(*s, 1, 8000));
}

// A batch whose records fit the spool's bytes but not with the header of every segment it needs could never be
// taken, so it is refused as too large (the caller splits it), not as full (the caller would wait forever).
TEST(Spool, BatchThatCannotFitAnEmptiedSpoolIsTooLargeNotFull) {
  sd::test::temp_dir dir;
  auto o = make_options(dir.path());
  o.segment_bytes = 16 << 10;
  o.max_bytes = 64 << 10;
  auto s = must_open(o);
  std::vector<record> batch;
  std::uint64_t frames = 0;
  for (std::uint64_t i = 1; frames + format::frame_bytes(make_record(i, 1000)) + format::segment_header_bytes <=
                            o.max_bytes;
       ++i) {
    batch.push_back(make_record(i, 1000));
    frames += format::frame_bytes(batch.back());
  }
  // One more record that brings the frames to exactly max_bytes less one segment header.
  const auto target = o.max_bytes - format::segment_header_bytes;
  for (std::size_t v = 0; v < 1000; ++v) {
    if (frames + format::frame_bytes(make_record(batch.size() + 1, v)) != target) continue;
    batch.push_back(make_record(batch.size() + 1, v));
    frames = target;
    break;
  }
  ASSERT_EQ(frames, target);
  ASSERT_GT(batch.size(), 16u);  // spans several segments, so it needs more than one header
  EXPECT_EQ(append_wait(*s, batch).error(), make_error_code(errc::record_too_large));
  EXPECT_EQ(s->get_stats().full_rejections_total, 0u);
  // Half of it is taken, and the other half after forwarding.
  std::vector<record> first(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(batch.size() / 2));
  std::vector<record> second(batch.begin() + static_cast<std::ptrdiff_t>(batch.size() / 2), batch.end());
  auto seq = append_wait(*s, first);
  ASSERT_TRUE(seq);
  EXPECT_EQ(append_wait(*s, second).error(), make_error_code(errc::full));
  ASSERT_TRUE(s->mark_forwarded(s->durable_seq()));
  EXPECT_TRUE(append_wait(*s, second));
}

}  // namespace
}  // namespace sd::spool::test
