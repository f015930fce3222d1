#include "broker/kafka_error.h"

#include "group/errc.h"
#include "io/errc.h"
#include "producer/errc.h"
#include "protocol/errc.h"
#include "storage/errc.h"
#include "txn/errc.h"

namespace sd::broker {

kafka_error to_kafka_error(std::error_code ec) noexcept {
  if (!ec) return kafka_error::none;
  if (ec.category() == storage::error_category()) {
    switch (static_cast<storage::errc>(ec.value())) {
      case storage::errc::corrupt_batch:
        return kafka_error::corrupt_message;
      case storage::errc::batch_too_large:
        return kafka_error::message_too_large;
      case storage::errc::invalid_topic_name:
        return kafka_error::invalid_topic_exception;
      case storage::errc::invalid_partition:
      case storage::errc::unknown_partition:
      case storage::errc::log_closed:
        return kafka_error::unknown_topic_or_partition;
      case storage::errc::offset_out_of_range:
        return kafka_error::offset_out_of_range;
      case storage::errc::invalid_config:
        return kafka_error::invalid_config;
      case storage::errc::partition_exists:
        return kafka_error::topic_already_exists;
      case storage::errc::no_space:
      case storage::errc::io_error:
      case storage::errc::corrupt_log:
      case storage::errc::data_dir_locked:
      case storage::errc::cleaning_conflict:
        return kafka_error::kafka_storage_error;
    }
    return kafka_error::unknown_server_error;
  }
  if (ec.category() == producer::error_category()) {
    switch (static_cast<producer::errc>(ec.value())) {
      case producer::errc::invalid_producer_epoch:
        return kafka_error::invalid_producer_epoch;
      case producer::errc::out_of_order_sequence:
        return kafka_error::out_of_order_sequence_number;
      case producer::errc::corrupt_snapshot:
        return kafka_error::kafka_storage_error;
    }
    return kafka_error::unknown_server_error;
  }
  if (ec.category() == protocol::error_category()) {
    switch (static_cast<protocol::errc>(ec.value())) {
      case protocol::errc::corrupt_batch:
      case protocol::errc::unsupported_codec:
      case protocol::errc::decompression_failed:
        return kafka_error::corrupt_message;
      case protocol::errc::unsupported_version:
      case protocol::errc::unknown_api_key:
        return kafka_error::unsupported_version;
      case protocol::errc::truncated:
      case protocol::errc::malformed:
        return kafka_error::invalid_request;
      default:
        return kafka_error::unknown_server_error;
    }
  }
  if (ec.category() == group::error_category()) {
    switch (static_cast<group::errc>(ec.value())) {
      case group::errc::unknown_member_id: return kafka_error::unknown_member_id;
      case group::errc::illegal_generation: return kafka_error::illegal_generation;
      case group::errc::rebalance_in_progress: return kafka_error::rebalance_in_progress;
      case group::errc::invalid_session_timeout: return kafka_error::invalid_session_timeout;
      case group::errc::inconsistent_group_protocol: return kafka_error::inconsistent_group_protocol;
      case group::errc::member_id_required: return kafka_error::member_id_required;
      case group::errc::fenced_instance_id: return kafka_error::fenced_instance_id;
      case group::errc::non_empty_group: return kafka_error::non_empty_group;
      case group::errc::group_id_not_found: return kafka_error::group_id_not_found;
      case group::errc::invalid_group_id: return kafka_error::invalid_group_id;
      case group::errc::coordinator_not_available: return kafka_error::coordinator_not_available;
      case group::errc::group_subscribed_to_topic: return kafka_error::group_subscribed_to_topic;
      case group::errc::storage_error: return kafka_error::coordinator_not_available;
      case group::errc::metadata_too_large: return kafka_error::offset_metadata_too_large;
    }
    return kafka_error::unknown_server_error;
  }
  if (ec.category() == txn::error_category()) {
    switch (static_cast<txn::errc>(ec.value())) {
      case txn::errc::invalid_producer_id_mapping: return kafka_error::invalid_producer_id_mapping;
      case txn::errc::producer_fenced: return kafka_error::producer_fenced;
      case txn::errc::concurrent_transactions: return kafka_error::concurrent_transactions;
      case txn::errc::invalid_txn_state: return kafka_error::invalid_txn_state;
      case txn::errc::invalid_transaction_timeout: return kafka_error::invalid_transaction_timeout;
      case txn::errc::transactional_id_not_found: return kafka_error::transactional_id_not_found;
      case txn::errc::completion_failed: return kafka_error::coordinator_load_in_progress;
      case txn::errc::storage_error: return kafka_error::coordinator_not_available;
      case txn::errc::unknown_partition: return kafka_error::unknown_topic_or_partition;
      case txn::errc::operation_not_attempted: return kafka_error::operation_not_attempted;
    }
    return kafka_error::unknown_server_error;
  }
  if (ec.category() == io::error_category() || ec.category() == std::system_category())
    return kafka_error::kafka_storage_error;
  return kafka_error::unknown_server_error;
}

}  // namespace sd::broker
