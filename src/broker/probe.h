#pragma once
// broker_probe: the broker's request metrics (streamdown_broker_*), in fixed arrays indexed by API key and
// error code, so recording is a relaxed atomic add with no lookup and no lock:
//   - requests and latency per API: counted when phase two completes (the response is handed to the
//     connection; for Produce acks=all that is after the fsync), timed from the frame's dispatch;
//   - errors per API and Kafka error code: every non-zero ErrorCode in a response, top-level and per
//     partition/topic/member (generated for_each_error_code), counted as the response is encoded.
// Per-topic traffic (bytes and records in and out) lives in each partition_state as atomics, summed per
// topic at scrape time by collect().

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "metrics/counter.h"
#include "metrics/histogram.h"
#include "metrics/text_writer.h"
#include "protocol/generated/api_keys.h"

namespace sd::broker {

class topic_table;

class broker_probe {
 public:
  static constexpr std::size_t api_slots = 128;  // == api_table().size()
  /// Error codes -1..126 have their own slot (index code + 1); anything else is counted in the last slot.
  static constexpr std::size_t error_slots = 129;

  /// A request's phase two completed `ns` nanoseconds after it was dispatched.
  void request_done(std::size_t api, std::uint64_t ns) noexcept {
    if (api >= api_slots) return;
    _apis[api].requests.inc();
    _apis[api].latency.observe_ns(ns);
  }
  /// A response of `api` carries error `error_code` (non-zero).
  void error(std::size_t api, std::int16_t error_code) noexcept {
    if (api >= api_slots) return;
    _apis[api].errors[error_slot(error_code)].inc();
  }
  /// Counts every non-zero ErrorCode of a response body (top-level and nested).
  template <class Msg>
  void count_errors(const Msg& body) noexcept {
    const auto api = static_cast<std::size_t>(Msg::api);
    auto count = [this, api](std::int16_t c) {
      if (c != 0) error(api, c);
    };
    body.for_each_error_code(count);
  }

  /// The latency histogram of one API (all zero for an API never called).
  metrics::histogram_snapshot latency(std::size_t api) const {
    return api < api_slots ? _apis[api].latency.snapshot() : metrics::histogram_snapshot{};
  }
  std::uint64_t requests(std::size_t api) const { return api < api_slots ? _apis[api].requests.value() : 0; }
  std::uint64_t errors(std::size_t api, std::int16_t error_code) const {
    return api < api_slots ? _apis[api].errors[error_slot(error_code)].value() : 0;
  }

  /// Every error counted so far, over all APIs and codes (alert rules on the error rate). Not on a hot path:
  /// it reads api_slots x error_slots counters.
  std::uint64_t errors_total() const {
    std::uint64_t n = 0;
    for (const auto& a : _apis)
      for (const auto& e : a.errors) n += e.value();
    return n;
  }

  /// Writes the streamdown_broker_* families: per implemented API (requests, latency), errors seen so far,
  /// and per-topic traffic summed over the topics' partitions.
  void collect(metrics::text_writer& w, const topic_table& topics) const;

  static std::size_t error_slot(std::int16_t code) noexcept {
    return code >= -1 && code < static_cast<std::int16_t>(error_slots - 2)
               ? static_cast<std::size_t>(code + 1)
               : error_slots - 1;
  }

 private:
  struct per_api {
    metrics::counter requests;
    metrics::histogram latency;
    std::array<metrics::counter, error_slots> errors;
  };
  std::array<per_api, api_slots> _apis;
};

/// Writes the per-partition gauges the owner shards publish in partition_state: log size and segments
/// (streamdown_storage_log_*) and producer-state entries (streamdown_producer_state_entries).
void collect_partition_gauges(metrics::text_writer& w, const topic_table& topics);

/// Kafka's name for an error code ("UNKNOWN_TOPIC_OR_PARTITION"), or "CODE_<n>" for codes the broker does not
/// know by name.
std::string kafka_error_label(std::int16_t code);

}  // namespace sd::broker
