// verify_ledger: range sets (merging, difference, text form), the consume run's rules (duplicates, reordering,
// offset regressions, redelivery skipped, backward commits), the report's loss, and the ledger files' round
// trips and refusals.
#include "client/verify_ledger.h"

#include <gtest/gtest.h>

namespace sd::client::verify {
namespace {

range_set of(std::initializer_list<std::pair<std::int64_t, std::int64_t>> runs) {
  range_set r;
  for (auto [a, b] : runs) r.insert_range(a, b);
  return r;
}

TEST(RangeSet, MergesTouchingAndOverlappingRuns) {
  range_set r;
  EXPECT_TRUE(r.insert(5));
  EXPECT_TRUE(r.insert(7));
  EXPECT_EQ(r.runs(), 2u);
  EXPECT_TRUE(r.insert(6));
  EXPECT_EQ(r.runs(), 1u) << "5,6,7 is one run";
  EXPECT_FALSE(r.insert(6)) << "already there";
  r.insert_range(0, 4);
  r.insert_range(10, 20);
  r.insert_range(8, 12);
  EXPECT_EQ(r.to_text(), "0-20");
  EXPECT_EQ(r.count(), 21u);
  EXPECT_TRUE(r.contains(0));
  EXPECT_TRUE(r.contains(20));
  EXPECT_FALSE(r.contains(21));
}

TEST(RangeSet, AMillionInOrderIsOneRun) {
  range_set r;
  for (std::int64_t i = 0; i < 1'000'000; ++i) r.insert(i);
  EXPECT_EQ(r.runs(), 1u);
  EXPECT_EQ(r.count(), 1'000'000u);
}

TEST(RangeSet, MinusAndText) {
  auto a = of({{0, 9}, {20, 29}});
  auto b = of({{3, 4}, {9, 21}, {29, 40}});
  EXPECT_EQ(a.minus(b).to_text(), "0-2,5-8,22-28");
  EXPECT_EQ(a.minus(range_set{}).to_text(), a.to_text());
  EXPECT_TRUE(a.minus(a).empty());
  EXPECT_EQ(range_set{}.to_text(), "-");
  auto parsed = range_set::parse("0-2,5-8,22-28");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, a.minus(b));
  EXPECT_TRUE(range_set::parse("-")->empty());
  for (const char* bad : {"", "1-", "a", "5-1", "1,,2", "-3"}) EXPECT_FALSE(range_set::parse(bad)) << bad;
  EXPECT_EQ(of({{0, 9}}).first(3), (std::vector<std::int64_t>{0, 1, 2}));
}

record_identity rec(std::int32_t p, std::int64_t offset, const std::string& key, std::int64_t seq,
                    const std::string& writer = "w") {
  return {p, offset, key, writer, seq};
}

TEST(ConsumeRun, CleanSequenceHasNoViolations) {
  consume_run run("t", "");
  run.partition_assigned(0);
  for (int i = 0; i < 10; ++i) run.observe(rec(0, i, "k" + std::to_string(i % 2), i / 2));
  EXPECT_EQ(run.violations().total(), 0u);
  EXPECT_EQ(run.records_checked(), 10u);
  EXPECT_EQ(run.seen().at({"w", "k0"}).to_text(), "0-4");
}

TEST(ConsumeRun, DuplicateReorderAndRegressionAreEachCounted) {
  consume_run run("t", "");
  run.observe(rec(0, 0, "k", 0));
  run.observe(rec(0, 1, "k", 2));
  run.observe(rec(0, 2, "k", 1));  // reordered
  run.observe(rec(0, 3, "k", 2));  // duplicate
  run.observe(rec(1, 10, "j", 0));
  run.observe(rec(1, 9, "j", 1));  // offset went back within one assignment
  EXPECT_EQ(run.violations().reordered, 1u);
  EXPECT_EQ(run.violations().duplicates, 1u);
  EXPECT_EQ(run.violations().offset_regressions, 1u);
  ASSERT_EQ(run.examples().size(), 3u);
  EXPECT_NE(run.examples()[0].find("reordered: writer w key k seq 1"), std::string::npos) << run.examples()[0];
}

TEST(ConsumeRun, RedeliveryAfterReassignmentIsNotADuplicate) {
  consume_run run("t", "g");
  run.partition_assigned(0);
  for (int i = 0; i < 5; ++i) run.observe(rec(0, i, "k", i));
  run.partition_assigned(0);  // revoked and assigned again: reads resume from the last commit, offset 3
  for (int i = 3; i < 8; ++i) run.observe(rec(0, i, "k", i));
  EXPECT_EQ(run.violations().total(), 0u);
  EXPECT_EQ(run.records_redelivered(), 2u);
  EXPECT_EQ(run.records_checked(), 8u);
}

TEST(ConsumeRun, RecordsWithoutHeadersAreCountedNotChecked) {
  consume_run run("t", "");
  record_identity r{0, 0, "k", std::nullopt, std::nullopt};
  run.observe(r);
  EXPECT_EQ(run.records_without_headers(), 1u);
  EXPECT_EQ(run.violations().total(), 0u);
}

TEST(ConsumeRun, BackwardCommitAgainstEarlierRuns) {
  consume_run first("t", "g");
  first.committed(0, 50);
  first.committed(0, 100);
  first.committed(1, 7);
  consume_run other_group("t", "h");
  other_group.committed(0, 500);
  auto recorded = recorded_commits({first, other_group}, "g");
  EXPECT_EQ(recorded.at(0), 100);
  EXPECT_EQ(recorded.at(1), 7);
  consume_run second("t", "g");
  second.check_commit_start(0, 100, recorded.at(0));
  second.check_commit_start(1, 3, recorded.at(1));
  EXPECT_EQ(second.violations().backward_commits, 1u);
  EXPECT_NE(second.examples()[0].find("partition 1 committed 3 below 7"), std::string::npos);
}

TEST(Report, LostIsAckedMinusEverySeenAndFailedFoundIsCounted) {
  writer_ledger w{"t", "w", {}};
  w.keys["k"].acked = of({{0, 9}});
  w.keys["k"].failed = of({{10, 11}});
  w.keys["j"].acked = of({{0, 4}});
  consume_run a("t", "g");
  for (int i = 0; i < 5; ++i) a.observe(rec(0, i, "k", i));
  consume_run b("t", "");
  for (int i = 5; i < 9; ++i) b.observe(rec(0, i, "k", i));  // seq 9 never seen
  b.observe(rec(0, 9, "k", 10));                              // a failed one that was written after all
  for (int i = 0; i < 5; ++i) b.observe(rec(1, i, "j", i));
  consume_run elsewhere("u", "");
  auto rep = build_report("t", {w}, {a, b, elsewhere});
  EXPECT_EQ(rep.consume_runs, 2u);
  EXPECT_EQ(rep.acked, 15u);
  EXPECT_EQ(rep.lost, 1u);
  EXPECT_EQ(rep.failed, 2u);
  EXPECT_EQ(rep.failed_found, 1u);
  EXPECT_FALSE(rep.ok());
  ASSERT_FALSE(rep.examples.empty());
  EXPECT_NE(rep.examples[0].find("key k seq 9"), std::string::npos) << rep.examples[0];
  EXPECT_NE(rep.to_json().find("\"lost\": 1"), std::string::npos) << rep.to_json();
  EXPECT_FALSE(build_report("t", {w}, {}).ok()) << "nothing consumed: not OK";
}

TEST(LedgerFiles, RoundTripAndRefuseGarbage) {
  writer_ledger w{"t", "w1", {}};
  w.keys["a"].acked = of({{0, 3}, {5, 5}});
  auto back = writer_ledger::parse(w.to_text());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->keys.at("a").acked, w.keys.at("a").acked);
  std::string err;
  EXPECT_FALSE(writer_ledger::parse("topic t\nwriter w\nkey a acked 3-1 failed -\n", &err));
  EXPECT_NE(err.find("line 3"), std::string::npos) << err;
  EXPECT_FALSE(writer_ledger::parse("key a acked - failed -\n", &err)) << "no topic";

  consume_run run("t", "g");
  run.observe(rec(0, 0, "k", 0));
  run.observe(rec(0, 1, "k", 0));
  run.committed(0, 2);
  auto r = consume_run::parse(run.to_text(), &err);
  ASSERT_TRUE(r) << err;
  EXPECT_EQ(r->group(), "g");
  EXPECT_EQ(r->violations().duplicates, 1u);
  EXPECT_EQ(r->commits().at(0), 2);
  EXPECT_EQ(r->seen().at({"w", "k"}).to_text(), "0");
  EXPECT_EQ(r->examples(), run.examples());
  EXPECT_FALSE(consume_run::parse("topic t\nduplicates x\n", &err));
}

}  // namespace
}  // namespace sd::client::verify
