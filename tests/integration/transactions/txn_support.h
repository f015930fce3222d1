#pragma once
// librdkafka helpers for the transaction tests: a transactional producer that throws on unexpected errors,
// read_committed / read_uncommitted reads, a group consumer and committed-offset lookups.
#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/kafka_client.h"

namespace sd::itest {

/// The outcome of a transactional call that is allowed to fail.
struct txn_error {
  RdKafka::ErrorCode code = RdKafka::ERR_NO_ERROR;
  bool fatal = false;
  bool abortable = false;
  std::string message;
};

class txn_producer {
 public:
  /// init_transactions() included (throws harness_error on failure).
  txn_producer(const std::string& bootstrap, const std::string& transactional_id, const conf_map& overrides = {});
  ~txn_producer();
  void begin();
  /// Enqueues one record (throws on a local error).
  void produce(const std::string& topic, std::int32_t partition, const std::optional<std::string>& key,
               const std::string& value);
  void flush();
  void commit();  // throws harness_error with the error on failure
  void abort();
  txn_error try_commit();
  txn_error try_abort();
  /// send_offsets_to_transaction for one partition with the consumer's group metadata.
  void send_offsets(RdKafka::KafkaConsumer& consumer, const std::string& topic, std::int32_t partition,
                    std::int64_t next_offset);
  /// Delivery reports with an error so far.
  int failed_deliveries() const { return _cb.failed; }
  RdKafka::Producer& handle() { return *_p; }

 private:
  struct report_cb : RdKafka::DeliveryReportCb {
    int failed = 0;
    void dr_cb(RdKafka::Message& m) override {
      if (m.err() != RdKafka::ERR_NO_ERROR) ++failed;
    }
  };
  report_cb _cb;
  std::unique_ptr<RdKafka::Producer> _p;
};

txn_error to_txn_error(RdKafka::Error* e);  // takes ownership; nullptr -> no error

/// Every record of partitions [0, n) from the beginning to the end (at EOF) with the given isolation.level.
std::vector<consumed> read_all(const std::string& bootstrap, const std::string& topic, std::int32_t partitions,
                               const std::string& isolation,
                               std::chrono::milliseconds timeout = std::chrono::seconds(30));

/// The values of partition 0 read with read_committed, in offset order.
std::vector<std::string> read_all_values(const std::string& bootstrap, const std::string& topic);

/// A subscribed group consumer (read_committed, no auto commit, from the earliest offset).
std::unique_ptr<RdKafka::KafkaConsumer> group_consumer(const std::string& bootstrap, const std::string& group,
                                                       const std::string& topic, const conf_map& overrides = {});
/// Polls until n records arrived or the timeout passed.
std::vector<consumed> poll_records(RdKafka::KafkaConsumer& consumer, std::size_t n, std::chrono::milliseconds timeout);
/// The group's committed offset of a partition (-1001 when none), asked by a separate consumer handle.
std::int64_t committed_offset(const std::string& bootstrap, const std::string& group, const std::string& topic,
                              std::int32_t partition);

}  // namespace sd::itest
