#pragma once
// Admin operations over librdkafka: topics (Metadata, CreateTopics, DeleteTopics, CreatePartitions,
// DescribeConfigs, AlterConfigs), watermarks (ListOffsets), and consumer groups (ListGroups, DescribeGroups,
// OffsetFetch, OffsetCommit, DeleteGroups through librdkafka 2.0.2's Admin API). Every method throws
// tool_error with a complete message on failure (see kafka_setup.h).

#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "client/kafka_setup.h"

namespace sd::client {

struct partition_info {
  std::int32_t id = 0;
  std::int32_t leader = -1;
  std::string error;  // empty when fine
};

struct topic_info {
  std::string name;
  std::vector<partition_info> partitions;
};

struct config_entry {
  std::string name;
  std::optional<std::string> value;
  std::string source;  // librdkafka's name, e.g. DYNAMIC_TOPIC_CONFIG, DEFAULT_CONFIG
  bool is_default = false;
  bool read_only = false;
  bool sensitive = false;
};

struct watermarks {
  std::int64_t low = -1;
  std::int64_t high = -1;
};

using topic_partition = std::pair<std::string, std::int32_t>;

struct group_listing {
  std::string group_id;
  std::string state;
  bool simple = false;
};

struct group_member {
  std::string member_id;
  std::string client_id;
  std::string host;
  std::optional<std::string> group_instance_id;
  std::vector<topic_partition> assignment;
};

struct group_description {
  std::string group_id;
  std::string state;
  std::string assignor;
  bool simple = false;
  std::vector<group_member> members;
};

class admin_client {
 public:
  /// Connects lazily (librdkafka); the first call that needs the broker waits up to the --timeout.
  explicit admin_client(const connection_options& o);
  ~admin_client();
  admin_client(const admin_client&) = delete;
  admin_client& operator=(const admin_client&) = delete;

  /// Every topic (a Metadata request for all topics never auto-creates one).
  std::vector<topic_info> list_topics();
  /// One topic, or nullopt when the broker does not know it.
  std::optional<topic_info> find_topic(const std::string& name);
  /// As find_topic, but a missing topic is tool_error "topic 'X' does not exist".
  topic_info require_topic(const std::string& name);

  void create_topic(const std::string& name, int partitions, int replication_factor,
                    const std::map<std::string, std::string>& configs);
  void delete_topic(const std::string& name);
  void create_partitions(const std::string& name, int total_partitions);
  std::vector<config_entry> describe_topic_configs(const std::string& name);
  /// Sets `changes` on top of the topic's current non-default dynamic configs (AlterConfigs replaces the
  /// whole set, so the others are sent again unchanged).
  void alter_topic_configs(const std::string& name, const std::map<std::string, std::string>& changes);

  watermarks query_watermarks(const std::string& topic, std::int32_t partition);
  /// The first offset with a timestamp >= ts_ms per partition (-1: none / end).
  std::map<std::int32_t, std::int64_t> offsets_for_time(const std::string& topic,
                                                        const std::vector<std::int32_t>& partitions,
                                                        std::int64_t ts_ms);

  std::vector<group_listing> list_groups();
  group_description describe_group(const std::string& group);
  /// Committed offsets of the group; partitions without a commit are left out. Asks for all topics first; a
  /// broker that answers that with nothing is asked again for every partition of every topic by name.
  std::map<topic_partition, std::int64_t> group_offsets(const std::string& group);
  /// Committed offsets of the group for the given partitions only.
  std::map<topic_partition, std::int64_t> group_offsets(const std::string& group,
                                                        const std::vector<topic_partition>& partitions);
  void alter_group_offsets(const std::string& group, const std::map<topic_partition, std::int64_t>& offsets);
  void delete_group(const std::string& group);

  std::chrono::milliseconds timeout() const { return _timeout; }
  const error_log& log() const { return _log; }

 private:
  struct event_deleter {
    void operator()(void* ev) const;
  };
  using event_ptr = std::unique_ptr<void, event_deleter>;
  template <class Call>
  event_ptr run(const char* what, Call&& call);
  std::vector<topic_info> metadata(const std::string* topic);

  error_log _log;
  std::chrono::milliseconds _timeout;
  std::string _bootstrap;
  std::unique_ptr<RdKafka::Producer> _handle;
};

}  // namespace sd::client
