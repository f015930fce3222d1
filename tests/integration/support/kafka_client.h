#pragma once
// librdkafka helpers for the integration tests: producers that record every delivery report (with its
// latency), a group-less consumer (legacy simple consumer: explicit partitions and offsets, no coordinator),
// watermarks, and topic creation through the Admin API. Defaults use short timeouts so a broken broker fails
// a test quickly instead of hanging it; tests override what they need.

#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sd::itest {

using conf_map = std::map<std::string, std::string>;

/// bootstrap.servers plus short socket/metadata/message timeouts and quiet logging.
conf_map client_defaults(const std::string& bootstrap);

/// Builds an RdKafka::Conf from defaults then overrides; throws harness_error naming a rejected key.
std::unique_ptr<RdKafka::Conf> make_conf(const conf_map& values);

struct delivery {
  std::uint64_t id = 0;
  RdKafka::ErrorCode err = RdKafka::ERR_NO_ERROR;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  std::chrono::steady_clock::duration latency{};  // enqueue to delivery report
};

/// A producer whose delivery reports are collected. One thread drives it (produce/poll/flush).
class tracking_producer {
 public:
  tracking_producer(const std::string& bootstrap, const conf_map& overrides = {});
  ~tracking_producer();  // purges what is left and waits briefly; never throws
  tracking_producer(const tracking_producer&) = delete;
  tracking_producer& operator=(const tracking_producer&) = delete;

  /// Enqueues one message (partition -1: partitioner by key). A full local queue is back-pressure: polls and
  /// retries until queue_timeout, then throws harness_error; any other produce() error throws too.
  void produce(const std::string& topic, std::int32_t partition, const std::optional<std::string>& key,
               const std::string& value, std::uint64_t id,
               std::chrono::milliseconds queue_timeout = std::chrono::seconds(120));
  /// Like produce(), but returns false (nothing enqueued) when the local queue stays full for queue_timeout.
  bool try_produce(const std::string& topic, std::int32_t partition, const std::optional<std::string>& key,
                   const std::string& value, std::uint64_t id, std::chrono::milliseconds queue_timeout);
  void poll(int timeout_ms = 0);
  /// Waits for every outstanding delivery report; true if none is left.
  bool flush(std::chrono::milliseconds timeout);
  /// Drops queued and in-flight messages (their reports arrive with _PURGE_* errors), then flushes.
  void purge_all(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  int outstanding() const;

  /// Reports received so far (in arrival order).
  std::vector<delivery> deliveries() const;
  std::size_t delivered_ok() const;
  RdKafka::Producer& handle() { return *_producer; }

 private:
  struct report_cb : RdKafka::DeliveryReportCb {
    tracking_producer* owner = nullptr;
    void dr_cb(RdKafka::Message& m) override;
  };
  struct pending {
    std::uint64_t id;
    std::chrono::steady_clock::time_point enqueued;
  };
  report_cb _cb;
  std::unique_ptr<RdKafka::Producer> _producer;
  mutable std::mutex _mu;
  std::vector<delivery> _reports;  // guarded by _mu
  std::size_t _ok = 0;             // guarded by _mu
};

struct message_spec {
  std::optional<std::string> key;
  std::string value;
  std::int32_t partition = -1;
};
struct produce_summary {
  std::vector<delivery> ok;
  std::vector<delivery> failed;  // with their error codes
  std::string first_error() const;
};
/// Produces every message (id = index) and waits up to timeout for all delivery reports.
produce_summary produce_and_wait(const std::string& bootstrap, const std::string& topic,
                                 const std::vector<message_spec>& messages, const conf_map& overrides = {},
                                 std::chrono::milliseconds timeout = std::chrono::seconds(60));

struct consumed {
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  std::optional<std::string> key;
  std::string value;
};
struct consume_options {
  /// Stop once this many messages were read (-1: no count).
  std::int64_t expected = -1;
  /// Also require (or, with expected -1, only require) that every partition has reported end-of-partition.
  bool stop_at_eof = true;
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
  std::int64_t start_offset = RdKafka::Topic::OFFSET_BEGINNING;
  conf_map overrides;
};
/// Reads the given partitions without a consumer group. Returns what was read when the stop condition holds
/// or the timeout passes (the caller asserts on the count). Throws harness_error on set-up failures.
std::vector<consumed> consume(const std::string& bootstrap, const std::string& topic,
                              const std::vector<std::int32_t>& partitions, const consume_options& opts = {});

/// [0, n) as a partition list.
std::vector<std::int32_t> partitions_upto(std::int32_t n);

/// High watermark of each partition 0..partitions-1 (ListOffsets); throws harness_error on error.
std::vector<std::int64_t> high_watermarks(const std::string& bootstrap, const std::string& topic,
                                          std::int32_t partitions,
                                          std::chrono::milliseconds timeout = std::chrono::seconds(20));

/// Partition count from Metadata; throws harness_error if the topic is unknown.
std::int32_t partition_count(const std::string& bootstrap, const std::string& topic,
                             std::chrono::milliseconds timeout = std::chrono::seconds(20));

/// CreateTopics through the Admin API (replication factor 1); throws harness_error with the broker's error.
void create_topic(const std::string& bootstrap, const std::string& topic, int partitions,
                  std::chrono::milliseconds timeout = std::chrono::seconds(30));
/// Many topics in one CreateTopics request; throws harness_error naming the first that failed.
void create_topics(const std::string& bootstrap, const std::vector<std::string>& names, int partitions,
                   std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace sd::itest
