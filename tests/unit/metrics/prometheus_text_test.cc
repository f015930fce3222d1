// The strict Prometheus text parser used by the tests (tests/support/prometheus_text.h): it must accept
// valid pages and refuse each kind of violation, or the /metrics checks that rely on it prove nothing.
#include "support/prometheus_text.h"

#include <gtest/gtest.h>

#include <cmath>

namespace sd::testing::prom {
namespace {

const char* const good_page =
    "# HELP sd_req_total Requests.\n"
    "# TYPE sd_req_total counter\n"
    "sd_req_total{api=\"Produce\"} 3\n"
    "sd_req_total{api=\"Fetch\",} 4 1700000000000\n"
    "# a plain comment\n"
    "\n"
    "# TYPE sd_mem_bytes gauge\n"
    "sd_mem_bytes -1.5e3\n"
    "# TYPE sd_lat_seconds histogram\n"
    "sd_lat_seconds_bucket{api=\"Produce\",le=\"0.1\"} 1\n"
    "sd_lat_seconds_bucket{api=\"Produce\",le=\"1\"} 2\n"
    "sd_lat_seconds_bucket{api=\"Produce\",le=\"+Inf\"} 2\n"
    "sd_lat_seconds_sum{api=\"Produce\"} 0.75\n"
    "sd_lat_seconds_count{api=\"Produce\"} 2\n"
    "# TYPE sd_odd gauge\n"
    "sd_odd{v=\"q\\\"b\\\\s\\nn\"} NaN\n"
    "sd_odd{v=\"inf\"} +Inf\n"
    "sd_odd{v=\"-inf\"} -Inf\n";

TEST(PrometheusText, AcceptsAValidPageAndReturnsItsSamples) {
  auto page = parse(good_page);
  ASSERT_EQ(page.families.size(), 4u);
  EXPECT_EQ(page.find_family("sd_req_total")->help, "Requests.");
  EXPECT_EQ(page.find_family("sd_lat_seconds")->type, "histogram");
  EXPECT_EQ(page.value("sd_req_total", {{"api", "Produce"}}), 3.0);
  EXPECT_EQ(page.sum("sd_req_total"), 7.0);
  EXPECT_EQ(page.value("sd_mem_bytes"), -1500.0);
  EXPECT_EQ(page.value("sd_lat_seconds_count", {{"api", "Produce"}}), 2.0);
  EXPECT_TRUE(std::isnan(*page.value("sd_odd", {{"v", "q\"b\\s\nn"}})));
  EXPECT_TRUE(std::isinf(*page.value("sd_odd", {{"v", "inf"}})));
  EXPECT_FALSE(page.value("sd_req_total", {{"api", "Metadata"}}).has_value());
  EXPECT_EQ(page.samples("sd_req_total")[1]->timestamp_ms, 1700000000000);
  EXPECT_EQ(parse_problem(""), "");
}

struct bad_case {
  const char* what;
  const char* page;
};

// Each page breaks exactly one rule.
const bad_case bad_cases[] = {
    {"no final newline", "# TYPE a gauge\na 1"},
    {"sample without TYPE", "a 1\n"},
    {"HELP only, no TYPE", "# HELP a x\na 1\n"},
    {"TYPE after the sample", "a 1\n# TYPE a gauge\n"},
    {"unknown type", "# TYPE a meter\na 1\n"},
    {"second TYPE", "# TYPE a gauge\n# TYPE a gauge\na 1\n"},
    {"second HELP", "# HELP a x\n# HELP a y\n# TYPE a gauge\n"},
    {"duplicate series", "# TYPE a gauge\na{x=\"1\"} 1\na{x=\"1\"} 2\n"},
    {"duplicate series, labels reordered", "# TYPE a gauge\na{x=\"1\",y=\"2\"} 1\na{y=\"2\",x=\"1\"} 2\n"},
    {"interleaved families", "# TYPE a gauge\n# TYPE b gauge\na 1\nb 1\na{x=\"2\"} 1\n"},
    {"family reopened by TYPE", "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# HELP a again\n"},
    {"invalid metric name", "# TYPE 1a gauge\n1a 1\n"},
    {"invalid character in name", "# TYPE a gauge\na-b 1\n"},
    {"invalid label name", "# TYPE a gauge\na{1x=\"v\"} 1\n"},
    {"reserved label name", "# TYPE a gauge\na{__name__=\"v\"} 1\n"},
    {"repeated label", "# TYPE a gauge\na{x=\"1\",x=\"2\"} 1\n"},
    {"unquoted label value", "# TYPE a gauge\na{x=1} 1\n"},
    {"unterminated label value", "# TYPE a gauge\na{x=\"1} 1\n"},
    {"invalid escape in label value", "# TYPE a gauge\na{x=\"\\t\"} 1\n"},
    {"invalid escape in HELP", "# HELP a bad \\q\n# TYPE a gauge\n"},
    {"missing value", "# TYPE a gauge\na\n"},
    {"bad value", "# TYPE a gauge\na 1x\n"},
    {"hex value", "# TYPE a gauge\na 0x10\n"},
    {"lower-case inf", "# TYPE a gauge\na inf\n"},
    {"bad timestamp", "# TYPE a gauge\na 1 12.5\n"},
    {"trailing text", "# TYPE a gauge\na 1 2 3\n"},
    {"missing blank before value", "# TYPE a gauge\na{x=\"1\"}1\n"},
    {"counter without _total", "# TYPE a counter\na 1\n"},
    {"negative counter", "# TYPE a_total counter\na_total -1\n"},
    {"NaN counter", "# TYPE a_total counter\na_total NaN\n"},
    {"histogram: plain sample", "# TYPE h histogram\nh 1\n"},
    {"histogram: bucket without le", "# TYPE h histogram\nh_bucket 1\nh_sum 1\nh_count 1\n"},
    {"histogram: le not ascending",
     "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"0.5\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum "
     "1\nh_count 1\n"},
    {"histogram: no +Inf bucket", "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n"},
    {"histogram: +Inf not last",
     "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n"},
    {"histogram: counts decrease",
     "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"},
    {"histogram: count differs from +Inf",
     "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n"},
    {"histogram: sum missing", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n"},
    {"histogram: count missing", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\n"},
    {"histogram: fractional bucket count",
     "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1.5\nh_sum 1\nh_count 1.5\n"},
    {"histogram: le outside _bucket",
     "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum{le=\"1\"} 1\nh_count 1\n"},
    {"histogram: bad le",
     "# TYPE h histogram\nh_bucket{le=\"x\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"},
    {"family clashing with a histogram's series",
     "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n# TYPE h_count gauge\n"},
    {"carriage return", "# TYPE a gauge\r\na 1\r\n"},
};

TEST(PrometheusText, RefusesEachViolation) {
  for (const auto& c : bad_cases) {
    EXPECT_THROW(parse(c.page), parse_error) << c.what;
  }
}

TEST(PrometheusText, ErrorsNameTheLine) {
  try {
    parse("# TYPE a gauge\na 1\na 1\n");
    FAIL() << "duplicate series accepted";
  } catch (const parse_error& e) {
    EXPECT_EQ(e.line, 3u);
    EXPECT_NE(std::string(e.what()).find("duplicate"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sd::testing::prom
