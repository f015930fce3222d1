// producer_probe: what the idempotence checks decided is counted once per decision.
#include "producer/probe.h"

#include <gtest/gtest.h>

#include "producer/producer_state.h"
#include "unit/producer/test_batches.h"

namespace sd::producer {
namespace {

using test::header;

TEST(ProducerProbe, CountsDuplicatesRefusalsAndExpiries) {
  producer_probe probe;
  producer_state_table table(1000, &probe);
  auto h = header(7, 0, 0);
  ASSERT_TRUE(table.check(h, 100));
  table.record(h, 100);
  auto dup = table.check(h, 200);  // the same batch again: a duplicate
  ASSERT_TRUE(dup);
  EXPECT_EQ(dup->kind, verdict::duplicate);
  EXPECT_FALSE(table.check(header(7, 0, 5), 200));   // gap: out of order
  EXPECT_FALSE(table.check(header(7, -1, 1), 200));  // older epoch
  EXPECT_EQ(probe.duplicates_total.value(), 1u);
  EXPECT_EQ(probe.out_of_order_total.value(), 1u);
  EXPECT_EQ(probe.invalid_epoch_total.value(), 1u);
  EXPECT_EQ(table.expire(5000), 1u);
  EXPECT_EQ(probe.expired_total.value(), 1u);
  ASSERT_TRUE(table.check(header(7, 0, 9), 6000));  // unknown again: accepted, nothing counted
  EXPECT_EQ(probe.out_of_order_total.value(), 1u);
}

TEST(ProducerProbe, TableWithoutProbeStillWorks) {
  producer_state_table table(1000);
  auto h = header(7, 0, 0);
  ASSERT_TRUE(table.check(h, 100));
  table.record(h, 100);
  EXPECT_EQ(table.check(h, 100)->kind, verdict::duplicate);
}

}  // namespace
}  // namespace sd::producer
