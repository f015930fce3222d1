#include "metrics/text_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "metrics/exposition.h"
#include "support/prometheus_text.h"

namespace sd::metrics {
namespace {

namespace prom = sd::testing::prom;

TEST(TextWriter, WritesFamiliesThatTheStrictParserAccepts) {
  text_writer w;
  w.family("sd_test_requests_total", metric_type::counter, "requests\nwith a \\ in help");
  label l1[] = {{"api", "Produce"}};
  label l2[] = {{"api", "Fetch"}};
  w.sample(l1, 3);
  w.sample(l2, 0);
  w.family("sd_test_in_use_bytes", metric_type::gauge, "bytes");
  w.sample(-12.5);
  histogram h{latency_buckets_seconds()};
  h.observe_ns(70'000);
  h.observe_ns(3'000'000'000);
  w.family("sd_test_latency_seconds", metric_type::histogram, "latency");
  w.histogram(l1, h.snapshot());
  w.histogram(l2, histogram().snapshot());
  auto page = w.take();
  auto parsed = prom::parse(page);
  EXPECT_EQ(parsed.value("sd_test_requests_total", {{"api", "Produce"}}), 3.0);
  EXPECT_EQ(parsed.value("sd_test_in_use_bytes"), -12.5);
  EXPECT_EQ(parsed.value("sd_test_latency_seconds_count", {{"api", "Produce"}}), 2.0);
  EXPECT_EQ(parsed.value("sd_test_latency_seconds_bucket", {{"api", "Produce"}, {"le", "+Inf"}}), 2.0);
  EXPECT_EQ(parsed.value("sd_test_latency_seconds_bucket", {{"api", "Produce"}, {"le", "0.0001"}}), 1.0);
  EXPECT_NEAR(*parsed.value("sd_test_latency_seconds_sum", {{"api", "Produce"}}), 3.00007, 1e-9);
  EXPECT_EQ(parsed.value("sd_test_latency_seconds_count", {{"api", "Fetch"}}), 0.0);
  EXPECT_EQ(parsed.find_family("sd_test_requests_total")->help, "requests\nwith a \\ in help");
}

TEST(TextWriter, EscapesLabelValues) {
  text_writer w;
  w.family("sd_test_gauge", metric_type::gauge, "g");
  label l[] = {{"topic", "a\"b\\c\nd"}};
  w.sample(l, 1);
  EXPECT_NE(w.text().find(R"(sd_test_gauge{topic="a\"b\\c\nd"} 1)"), std::string::npos) << w.text();
  auto parsed = prom::parse(w.text());
  EXPECT_EQ(parsed.value("sd_test_gauge", {{"topic", "a\"b\\c\nd"}}), 1.0);
}

TEST(TextWriter, ValuesReadBackExactly) {
  std::string s;
  append_value(s, 12345678901234.0);
  EXPECT_EQ(s, "12345678901234");
  s.clear();
  append_value(s, 0.1);
  EXPECT_EQ(std::stod(s), 0.1);
  s.clear();
  append_value(s, HUGE_VAL);
  EXPECT_EQ(s, "+Inf");
  s.clear();
  append_value(s, -HUGE_VAL);
  EXPECT_EQ(s, "-Inf");
  s.clear();
  append_value(s, std::nan(""));
  EXPECT_EQ(s, "NaN");
}

TEST(TextWriter, RejectsBadMetricNames) {
  for (const char* bad : {"", "1abc", "a-b", "a b", "é_total", "a{b}"}) {
    text_writer w;
    EXPECT_THROW(w.family(bad, metric_type::gauge, "x"), std::logic_error) << bad;
  }
  text_writer w;
  EXPECT_NO_THROW(w.family("ns:sub_name_1", metric_type::gauge, "colons are allowed in metric names"));
}

TEST(TextWriter, RejectsCounterWithoutTotal) {
  text_writer w;
  EXPECT_THROW(w.family("sd_test_requests", metric_type::counter, "x"), std::logic_error);
}

TEST(TextWriter, RejectsNegativeCounterValue) {
  text_writer w;
  w.family("sd_test_total", metric_type::counter, "x");
  EXPECT_THROW(w.sample(-1), std::logic_error);
  EXPECT_THROW(w.sample(std::nan("")), std::logic_error);
}

TEST(TextWriter, RejectsDuplicateFamily) {
  text_writer w;
  w.family("sd_test_a", metric_type::gauge, "x");
  EXPECT_THROW(w.family("sd_test_a", metric_type::gauge, "x"), std::logic_error);
  EXPECT_THROW(w.family("sd_test_a", metric_type::histogram, "x"), std::logic_error);
}

TEST(TextWriter, RejectsFamiliesThatClashWithAHistogram) {
  text_writer w;
  w.family("sd_test_latency_seconds", metric_type::histogram, "x");
  EXPECT_THROW(w.family("sd_test_latency_seconds_count", metric_type::gauge, "x"), std::logic_error);
  EXPECT_THROW(w.family("sd_test_latency_seconds_bucket", metric_type::gauge, "x"), std::logic_error);
  text_writer w2;
  w2.family("sd_test_x_sum", metric_type::gauge, "x");
  EXPECT_THROW(w2.family("sd_test_x", metric_type::histogram, "x"), std::logic_error);
}

TEST(TextWriter, RejectsDuplicateSeries) {
  text_writer w;
  w.family("sd_test_a", metric_type::gauge, "x");
  label ab[] = {{"a", "1"}, {"b", "2"}};
  label ba[] = {{"b", "2"}, {"a", "1"}};  // the same series: label order does not matter
  w.sample(ab, 1);
  EXPECT_THROW(w.sample(ba, 2), std::logic_error);
  w.sample(3);
  EXPECT_THROW(w.sample(4), std::logic_error);
  w.family("sd_test_h", metric_type::histogram, "x");
  w.histogram(ab, histogram().snapshot());
  EXPECT_THROW(w.histogram(ba, histogram().snapshot()), std::logic_error);
}

TEST(TextWriter, RejectsInterleavingFamilies) {
  // Samples always go to the family started last, so interleaving would need a family started twice.
  text_writer w;
  w.family("sd_test_a", metric_type::gauge, "x");
  w.sample(1);
  w.family("sd_test_b", metric_type::gauge, "x");
  w.sample(1);
  EXPECT_THROW(w.family("sd_test_a", metric_type::gauge, "x"), std::logic_error);
}

TEST(TextWriter, RejectsSamplesOutsideTheirKind) {
  text_writer w;
  EXPECT_THROW(w.sample(1), std::logic_error);  // no family yet
  EXPECT_THROW(w.histogram({}, histogram().snapshot()), std::logic_error);
  w.family("sd_test_h", metric_type::histogram, "x");
  EXPECT_THROW(w.sample(1), std::logic_error);
  w.family("sd_test_g", metric_type::gauge, "x");
  EXPECT_THROW(w.histogram({}, histogram().snapshot()), std::logic_error);
}

TEST(TextWriter, RejectsBadLabelNames) {
  for (const char* bad : {"", "__reserved", "1a", "a-b", "a:b", "a b"}) {
    text_writer w;
    w.family("sd_test_g", metric_type::gauge, "x");
    label l[] = {{bad, "v"}};
    EXPECT_THROW(w.sample(l, 1), std::logic_error) << bad;
  }
  text_writer w;
  w.family("sd_test_g", metric_type::gauge, "x");
  label twice[] = {{"a", "1"}, {"a", "2"}};
  EXPECT_THROW(w.sample(twice, 1), std::logic_error);
  w.family("sd_test_h", metric_type::histogram, "x");
  label le[] = {{"le", "1"}};
  EXPECT_THROW(w.histogram(le, histogram().snapshot()), std::logic_error);
}

TEST(TextWriter, RejectsInconsistentHistogramSnapshots) {
  text_writer w;
  w.family("sd_test_h", metric_type::histogram, "x");
  histogram_snapshot s;
  s.upper_bounds_seconds = {0.1, 1};
  s.cumulative = {1, 2};  // one short
  EXPECT_THROW(w.histogram({}, s), std::logic_error);
  s.cumulative = {2, 1, 3};  // not cumulative
  s.count = 3;
  EXPECT_THROW(w.histogram({}, s), std::logic_error);
  s.cumulative = {1, 2, 3};
  s.count = 4;  // count != +Inf
  EXPECT_THROW(w.histogram({}, s), std::logic_error);
  s.upper_bounds_seconds = {1, 0.1};  // descending
  s.count = 3;
  EXPECT_THROW(w.histogram({}, s), std::logic_error);
}

TEST(Exposition, RendersSectionsInOrderAndCatchesClashesAcrossThem) {
  exposition e;
  e.add_section([](text_writer& w) {
    w.family("sd_test_a", metric_type::gauge, "x");
    w.sample(1);
  });
  e.add_section([](text_writer& w) {
    w.family("sd_test_b_total", metric_type::counter, "x");
    w.sample(2);
  });
  auto page = e.render();
  EXPECT_LT(page.find("sd_test_a"), page.find("sd_test_b_total"));
  EXPECT_EQ(prom::parse_problem(page), "");
  e.add_section([](text_writer& w) { w.family("sd_test_a", metric_type::gauge, "again"); });
  EXPECT_THROW(e.render(), std::logic_error);
}

}  // namespace
}  // namespace sd::metrics
