#pragma once
// Runs one workload against any Kafka-API broker through librdkafka. Blocking; bounded by the options'
// duration (plus flush_timeout_s for outstanding deliveries) and count. Progress goes to `progress` (a line
// per progress_s) when it is non-null.

#include <cstdio>
#include <string>

#include "benchtool/bench_options.h"
#include "benchtool/bench_report.h"

namespace sd::benchtool {

/// Returns false and sets `error` when the client cannot be set up (bad librdkafka property, topic without
/// partitions after the metadata wait); delivery failures are counted in the result instead.
bool run_bench(const bench_options& o, bench_result& out, std::string& error, std::FILE* progress);

}  // namespace sd::benchtool
