#include "broker/probe.h"

#include <map>

#include "broker/dispatcher.h"
#include "broker/kafka_error.h"
#include "broker/topic_table.h"

namespace sd::broker {

// One line per code reads as a table.
// clang-format off
std::string kafka_error_label(std::int16_t c) {
  switch (static_cast<kafka_error>(c)) {
    case kafka_error::none: return "NONE";
    case kafka_error::unknown_server_error: return "UNKNOWN_SERVER_ERROR";
    case kafka_error::offset_out_of_range: return "OFFSET_OUT_OF_RANGE";
    case kafka_error::corrupt_message: return "CORRUPT_MESSAGE";
    case kafka_error::unknown_topic_or_partition: return "UNKNOWN_TOPIC_OR_PARTITION";
    case kafka_error::invalid_fetch_size: return "INVALID_FETCH_SIZE";
    case kafka_error::leader_not_available: return "LEADER_NOT_AVAILABLE";
    case kafka_error::not_leader_or_follower: return "NOT_LEADER_OR_FOLLOWER";
    case kafka_error::request_timed_out: return "REQUEST_TIMED_OUT";
    case kafka_error::message_too_large: return "MESSAGE_TOO_LARGE";
    case kafka_error::offset_metadata_too_large: return "OFFSET_METADATA_TOO_LARGE";
    case kafka_error::network_exception: return "NETWORK_EXCEPTION";
    case kafka_error::coordinator_load_in_progress: return "COORDINATOR_LOAD_IN_PROGRESS";
    case kafka_error::coordinator_not_available: return "COORDINATOR_NOT_AVAILABLE";
    case kafka_error::not_coordinator: return "NOT_COORDINATOR";
    case kafka_error::invalid_topic_exception: return "INVALID_TOPIC_EXCEPTION";
    case kafka_error::record_list_too_large: return "RECORD_LIST_TOO_LARGE";
    case kafka_error::not_enough_replicas: return "NOT_ENOUGH_REPLICAS";
    case kafka_error::invalid_required_acks: return "INVALID_REQUIRED_ACKS";
    case kafka_error::illegal_generation: return "ILLEGAL_GENERATION";
    case kafka_error::inconsistent_group_protocol: return "INCONSISTENT_GROUP_PROTOCOL";
    case kafka_error::invalid_group_id: return "INVALID_GROUP_ID";
    case kafka_error::unknown_member_id: return "UNKNOWN_MEMBER_ID";
    case kafka_error::invalid_session_timeout: return "INVALID_SESSION_TIMEOUT";
    case kafka_error::rebalance_in_progress: return "REBALANCE_IN_PROGRESS";
    case kafka_error::invalid_commit_offset_size: return "INVALID_COMMIT_OFFSET_SIZE";
    case kafka_error::topic_authorization_failed: return "TOPIC_AUTHORIZATION_FAILED";
    case kafka_error::group_authorization_failed: return "GROUP_AUTHORIZATION_FAILED";
    case kafka_error::cluster_authorization_failed: return "CLUSTER_AUTHORIZATION_FAILED";
    case kafka_error::invalid_timestamp: return "INVALID_TIMESTAMP";
    case kafka_error::unsupported_sasl_mechanism: return "UNSUPPORTED_SASL_MECHANISM";
    case kafka_error::illegal_sasl_state: return "ILLEGAL_SASL_STATE";
    case kafka_error::unsupported_version: return "UNSUPPORTED_VERSION";
    case kafka_error::topic_already_exists: return "TOPIC_ALREADY_EXISTS";
    case kafka_error::invalid_partitions: return "INVALID_PARTITIONS";
    case kafka_error::invalid_replication_factor: return "INVALID_REPLICATION_FACTOR";
    case kafka_error::invalid_replica_assignment: return "INVALID_REPLICA_ASSIGNMENT";
    case kafka_error::invalid_config: return "INVALID_CONFIG";
    case kafka_error::not_controller: return "NOT_CONTROLLER";
    case kafka_error::invalid_request: return "INVALID_REQUEST";
    case kafka_error::unsupported_for_message_format: return "UNSUPPORTED_FOR_MESSAGE_FORMAT";
    case kafka_error::policy_violation: return "POLICY_VIOLATION";
    case kafka_error::out_of_order_sequence_number: return "OUT_OF_ORDER_SEQUENCE_NUMBER";
    case kafka_error::duplicate_sequence_number: return "DUPLICATE_SEQUENCE_NUMBER";
    case kafka_error::invalid_producer_epoch: return "INVALID_PRODUCER_EPOCH";
    case kafka_error::invalid_txn_state: return "INVALID_TXN_STATE";
    case kafka_error::invalid_producer_id_mapping: return "INVALID_PRODUCER_ID_MAPPING";
    case kafka_error::invalid_transaction_timeout: return "INVALID_TRANSACTION_TIMEOUT";
    case kafka_error::concurrent_transactions: return "CONCURRENT_TRANSACTIONS";
    case kafka_error::transaction_coordinator_fenced: return "TRANSACTION_COORDINATOR_FENCED";
    case kafka_error::operation_not_attempted: return "OPERATION_NOT_ATTEMPTED";
    case kafka_error::unstable_offset_commit: return "UNSTABLE_OFFSET_COMMIT";
    case kafka_error::producer_fenced: return "PRODUCER_FENCED";
    case kafka_error::transactional_id_not_found: return "TRANSACTIONAL_ID_NOT_FOUND";
    case kafka_error::transactional_id_authorization_failed: return "TRANSACTIONAL_ID_AUTHORIZATION_FAILED";
    case kafka_error::security_disabled: return "SECURITY_DISABLED";
    case kafka_error::sasl_authentication_failed: return "SASL_AUTHENTICATION_FAILED";
    case kafka_error::unknown_producer_id: return "UNKNOWN_PRODUCER_ID";
    case kafka_error::kafka_storage_error: return "KAFKA_STORAGE_ERROR";
    case kafka_error::log_dir_not_found: return "LOG_DIR_NOT_FOUND";
    case kafka_error::reassignment_in_progress: return "REASSIGNMENT_IN_PROGRESS";
    case kafka_error::non_empty_group: return "NON_EMPTY_GROUP";
    case kafka_error::group_id_not_found: return "GROUP_ID_NOT_FOUND";
    case kafka_error::fetch_session_id_not_found: return "FETCH_SESSION_ID_NOT_FOUND";
    case kafka_error::invalid_fetch_session_epoch: return "INVALID_FETCH_SESSION_EPOCH";
    case kafka_error::fenced_leader_epoch: return "FENCED_LEADER_EPOCH";
    case kafka_error::unknown_leader_epoch: return "UNKNOWN_LEADER_EPOCH";
    case kafka_error::member_id_required: return "MEMBER_ID_REQUIRED";
    case kafka_error::group_max_size_reached: return "GROUP_MAX_SIZE_REACHED";
    case kafka_error::fenced_instance_id: return "FENCED_INSTANCE_ID";
    case kafka_error::group_subscribed_to_topic: return "GROUP_SUBSCRIBED_TO_TOPIC";
    case kafka_error::invalid_record: return "INVALID_RECORD";
    case kafka_error::throttling_quota_exceeded: return "THROTTLING_QUOTA_EXCEEDED";
    case kafka_error::unknown_topic_id: return "UNKNOWN_TOPIC_ID";
    case kafka_error::resource_not_found: return "RESOURCE_NOT_FOUND";
    case kafka_error::duplicate_resource: return "DUPLICATE_RESOURCE";
    case kafka_error::unacceptable_credential: return "UNACCEPTABLE_CREDENTIAL";
  }
  return "CODE_" + std::to_string(c);
}
// clang-format on

namespace {

std::string_view api_name(std::size_t key) {
  const auto* a = protocol::find_api(static_cast<std::int16_t>(key));
  return a ? std::string_view(a->name) : std::string_view("unknown");
}

std::int16_t code_of_slot(std::size_t slot) {
  return static_cast<std::int16_t>(static_cast<int>(slot) - 1);
}

}  // namespace

void broker_probe::collect(metrics::text_writer& w, const topic_table& topics) const {
  using metrics::label;
  using metrics::metric_type;
  const auto& table = api_table();
  w.family("streamdown_broker_requests_total", metric_type::counter,
           "Kafka requests answered (phase two completed), per API");
  for (std::size_t k = 0; k < api_slots; ++k) {
    if (!table[k].implemented()) continue;
    label l[] = {{"api", api_name(k)}};
    w.sample(l, static_cast<double>(_apis[k].requests.value()));
  }
  w.family("streamdown_broker_request_latency_seconds", metric_type::histogram,
           "time from a request's dispatch to its response being handed to the connection (after the fsync "
           "for acks=all), per API");
  for (std::size_t k = 0; k < api_slots; ++k) {
    if (!table[k].implemented()) continue;
    label l[] = {{"api", api_name(k)}};
    w.histogram(l, _apis[k].latency.snapshot());
  }
  w.family(
      "streamdown_broker_errors_total", metric_type::counter,
      "error codes in responses (top-level and per partition), per API and Kafka error; only errors seen");
  for (std::size_t k = 0; k < api_slots; ++k) {
    for (std::size_t e = 0; e < error_slots; ++e) {
      auto n = _apis[k].errors[e].value();
      if (n == 0) continue;
      std::string err = e == error_slots - 1 ? std::string("OTHER") : kafka_error_label(code_of_slot(e));
      label l[] = {{"api", api_name(k)}, {"error", err}};
      w.sample(l, static_cast<double>(n));
    }
  }

  struct traffic {
    std::uint64_t bytes_in = 0, records_in = 0, bytes_out = 0, records_out = 0;
  };
  std::map<std::string, traffic> per_topic;
  auto snap = topics.snapshot();
  for (const auto& [name, t] : *snap) {
    auto& sum = per_topic[name];
    for (const auto& p : t->partitions) {
      sum.bytes_in += p->bytes_in.value();
      sum.records_in += p->records_in.value();
      sum.bytes_out += p->bytes_out.value();
      sum.records_out += p->records_out.value();
    }
  }
  auto per_topic_family = [&](const char* name, const char* help, std::uint64_t traffic::*field) {
    w.family(name, metric_type::counter, help);
    for (const auto& [topic, sum] : per_topic) {
      label l[] = {{"topic", topic}};
      w.sample(l, static_cast<double>(sum.*field));
    }
  };
  per_topic_family("streamdown_broker_produced_bytes_total",
                   "record batch bytes appended by Produce, per topic", &traffic::bytes_in);
  per_topic_family("streamdown_broker_produced_records_total", "records appended by Produce, per topic",
                   &traffic::records_in);
  per_topic_family("streamdown_broker_fetched_bytes_total",
                   "record batch bytes sent in Fetch responses, per topic", &traffic::bytes_out);
  per_topic_family("streamdown_broker_fetched_records_total",
                   "records in the batches sent in Fetch responses (whole batches), per topic",
                   &traffic::records_out);
}

void collect_partition_gauges(metrics::text_writer& w, const topic_table& topics) {
  using metrics::label;
  using metrics::metric_type;
  auto snap = topics.snapshot();
  auto per_partition = [&](const char* name, const char* help, auto read) {
    w.family(name, metric_type::gauge, help);
    for (const auto& [topic, t] : *snap) {
      for (const auto& p : t->partitions) {
        auto id = std::to_string(p->id);
        label l[] = {{"topic", topic}, {"partition", id}};
        w.sample(l, static_cast<double>(read(*p)));
      }
    }
  };
  per_partition("streamdown_storage_log_size_bytes", "bytes in the partition's segment files",
                [](const partition_state& p) { return p.size_bytes.load(std::memory_order_relaxed); });
  per_partition("streamdown_storage_log_segments", "segments of the partition's log",
                [](const partition_state& p) { return p.segment_count.load(std::memory_order_relaxed); });
  per_partition("streamdown_storage_log_end_offset", "next offset to be written (the high watermark)",
                [](const partition_state& p) { return p.high_watermark.load(std::memory_order_relaxed); });
  per_partition("streamdown_storage_log_start_offset", "first offset still stored",
                [](const partition_state& p) { return p.log_start.load(std::memory_order_relaxed); });
  per_partition("streamdown_producer_state_entries", "idempotent producers remembered by the partition",
                [](const partition_state& p) { return p.producer_entries.load(std::memory_order_relaxed); });
  per_partition("streamdown_txn_partition_open_transactions", "transactions open on the partition",
                [](const partition_state& p) { return p.open_transactions.load(std::memory_order_relaxed); });
  per_partition("streamdown_txn_last_stable_offset_lag",
                "high watermark minus last stable offset: records read_committed consumers cannot see yet",
                [](const partition_state& p) {
                  const auto hw = p.high_watermark.load(std::memory_order_acquire);
                  return std::max<std::int64_t>(0, hw - p.visible_end(isolation::read_committed));
                });
  // Delayed delivery (streamdown.delivery.delay.ms): only topics that delay.
  w.family("streamdown_delivery_records_not_due", metric_type::gauge,
           "records appended to a delayed topic that readers cannot see yet (their delivery delay runs)");
  for (const auto& [topic, t] : *snap) {
    std::int64_t waiting = 0;
    bool delayed = false;
    for (const auto& p : t->partitions) {
      delayed |= p->delivery_delay_ms.load(std::memory_order_relaxed) > 0;
      waiting += p->records_not_due();
    }
    if (!delayed) continue;
    label l[] = {{"topic", topic}};
    w.sample(l, static_cast<double>(waiting));
  }
}

}  // namespace sd::broker
