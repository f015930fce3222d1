#pragma once
// topic_table: which topics and partitions exist, their config overrides, and which shard owns each
// partition. Readers take an immutable snapshot (one atomic shared_ptr load; no lock on the hot path).
// Admin changes (create, delete, add partitions, alter configs) are serialised by a mutex, build a new
// snapshot, persist the broker metadata, then publish.
//
// Ownership: partition logs belong to storage::log_manager; a partition's log is only touched on its shard.
// Deleting a topic first unpublishes it, then marks each partition deleted on its own shard, then removes the
// logs, so no request can touch a removed log.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "broker/broker_config.h"
#include "broker/kafka_error.h"
#include "broker/metadata_store.h"
#include "broker/partition_state.h"
#include "broker/topic_config.h"
#include "net/shard_set.h"
#include "storage/log_manager.h"

namespace sd::broker {

struct topic_state {
  std::string name;
  topic_uuid id{};
  std::vector<partition_ptr> partitions;
  topic_overrides overrides;
};

using topic_map = std::map<std::string, std::shared_ptr<const topic_state>>;
using topic_id_map = std::map<topic_uuid, std::shared_ptr<const topic_state>>;

/// Partition `index` of `topic`, or null when the topic is null or has no such partition.
inline partition_ptr partition_at(const topic_state* topic, std::int32_t index) {
  if (!topic || index < 0 || static_cast<std::size_t>(index) >= topic->partitions.size()) return nullptr;
  return topic->partitions[static_cast<std::size_t>(index)];
}

/// The outcome of an admin operation on one topic: a Kafka error code and a message for the client.
struct admin_result {
  kafka_error error = kafka_error::none;
  std::string message;
  bool ok() const { return error == kafka_error::none; }
};

class topic_table {
 public:
  topic_table(const broker_config& config, net::shard_set& shards, storage::log_manager& logs,
              metadata_store& store, broker_metadata metadata);

  /// Builds the table from the partitions storage found at start-up and the persisted metadata.
  status load_existing();

  std::shared_ptr<const topic_map> snapshot() const { return std::atomic_load(&_snapshot); }
  std::shared_ptr<const topic_state> find_topic(const std::string& name) const;
  /// The topic with this id (Fetch v13+, Metadata v12, DeleteTopics v6), or null. The id index is published
  /// right after the name map, so a topic just created may be found by name a moment before by id.
  std::shared_ptr<const topic_state> find_topic_by_id(const topic_uuid& id) const;
  partition_ptr find(const std::string& topic, std::int32_t partition) const;

  std::size_t shard_for(const std::string& topic, std::int32_t partition) const;

  /// Validates and (unless validate_only) creates a topic with `partitions` partitions.
  admin_result create_topic(const std::string& name, std::int32_t partitions, const topic_overrides& overrides,
                            bool validate_only);
  /// Removes a topic and its data.
  net::awaitable<admin_result> delete_topic(const std::string& name);
  /// Grows a topic to `total` partitions.
  admin_result create_partitions(const std::string& name, std::int32_t total, bool validate_only);
  /// Replaces (incremental=false) or merges (true; empty value with remove=true deletes) topic overrides.
  net::awaitable<admin_result> alter_config(const std::string& name, const topic_overrides& set,
                                             const std::vector<std::string>& remove, bool replace_all,
                                             bool validate_only);

  /// The effective broker config: static settings with the dynamic layers applied (dynamic_broker_config.h).
  /// Read it for every key that may change at run time; one atomic load per call.
  std::shared_ptr<const broker_config> config() const { return std::atomic_load(&_effective); }
  /// The static settings (config file and --set) and the dynamic layers, for DescribeConfigs.
  const broker_config& static_config() const { return _static; }
  dynamic_broker_values dynamic_values() const;
  /// AlterConfigs/IncrementalAlterConfigs on the BROKER resource: the cluster-wide default layer (resource
  /// name "") or this broker's. Validates every key (dynamic, valid value, the whole config consistent) before
  /// changing anything; then persists, publishes, and pushes new topic defaults to every partition.
  net::awaitable<admin_result> alter_broker_config(bool cluster_default, const std::map<std::string, std::string>& set,
                                                    const std::vector<std::string>& remove, bool replace_all,
                                                    bool validate_only);

  /// The producer module's metrics; every partition's producer_state_table records into it.
  const producer::producer_probe& producer_probe() const { return _producer_probe; }

  const std::string& cluster_id() const { return _metadata.cluster_id; }
  /// Reserves a block of `count` producer ids, persisting the next block before returning.
  result<std::int64_t> allocate_producer_id_block(std::int64_t count);

  /// Every partition owned by shard `shard` (for the per-shard retention and flush timers).
  std::vector<partition_ptr> partitions_on_shard(std::size_t shard) const;

 private:
  admin_result check_new_topic(const std::string& name, std::int32_t partitions,
                               const topic_overrides& overrides, const topic_map& current) const;
  result<partition_ptr> open_partition(const std::string& topic, std::int32_t p,
                                       const storage::log_config& cfg);
  void publish(std::shared_ptr<const topic_map> next);

  producer::producer_probe _producer_probe;  // first: outlives the partitions' tables built below
  const broker_config& _static;
  std::shared_ptr<const broker_config> _effective;  // atomic_load/atomic_store; never null
  net::shard_set& _shards;
  storage::log_manager& _logs;
  metadata_store& _store;
  mutable std::mutex _admin_mu;
  broker_metadata _metadata;  // guarded by _admin_mu after construction
  std::shared_ptr<const topic_map> _snapshot;
  std::shared_ptr<const topic_id_map> _by_id;
};

}  // namespace sd::broker
