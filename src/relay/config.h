#pragma once
// relay_config: `streamdown relay`'s configuration, checked in full at start-up (unknown keys and bad values stop
// the relay with a message naming the key). Input is the flat key map the TOML file and --set produce
// (app/config_loader.h): top-level keys as written, and the i-th [[source]] table as source.<i>.<field>
// (its [[source.mapping]] tables as source.<i>.mapping.<j>.<field>). The key contract is in docs/RELAY.md.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "spool/spool.h"

namespace sd::relay {

enum class source_type { stdin_lines, file, http, mqtt_server, mqtt, kafka };

/// How a record's key is chosen from a source message.
struct key_rule {
  enum class kind { none, topic_level, json_field } how = kind::none;
  int level = 0;            // topic_level: 1-based MQTT topic level ("level:2")
  std::string field;        // json_field: a top-level field of a JSON payload ("json:device_id")
};

/// MQTT topic filter -> Kafka topic (and key rule). The first matching mapping of a source wins.
struct topic_mapping {
  std::string match;        // an MQTT topic filter ("sensors/+/temp")
  std::string topic;        // the Kafka topic
  key_rule key;
};

struct source_config {
  std::string name;         // unique; default "<type>-<index>"; used in metrics and checkpoint file names
  source_type type = source_type::stdin_lines;
  std::string topic;        // the Kafka topic records go to unless a mapping applies
  key_rule key;             // default key rule (mqtt: from the MQTT topic or payload)
  std::vector<topic_mapping> mappings;
  std::string format = "lines";         // stdin, file: lines | json (the record_json shape per line)
  std::size_t max_line_bytes = 1 << 20; // stdin, file: longer lines are cut into records of this size
  std::string listen;                   // http, mqtt-server: HOST:PORT
  std::vector<std::string> paths;       // file: paths or globs (one `path` key, comma-separated)
  std::string start_at = "beginning";   // file: where a file never seen before starts: beginning | end
  std::string broker;                   // mqtt: HOST:PORT of the MQTT broker
  std::vector<std::string> mqtt_topics; // mqtt: topic filters to subscribe to with QoS 1
  std::string client_id;                // mqtt: stable client id (default "streamdown-relay-<relay.id>-<name>")
  std::string username, password;       // mqtt
  int mqtt_version = 4;                 // mqtt: 4 (3.1.1) or 5
  std::chrono::seconds keepalive{30};   // mqtt
  std::size_t max_in_flight = 1000;     // mqtt-server: unacknowledged QoS 1 messages per connection
  std::string bootstrap_servers;        // kafka
  std::vector<std::string> kafka_topics;// kafka
  std::string group_id;                 // kafka
  std::map<std::string, std::string> kafka_settings;  // kafka: source.<i>.kafka.<librdkafka key>
};

struct relay_config {
  std::string relay_id;
  spool::options spool;                 // dir, max_bytes, policy, sync, sync_interval, segment_bytes
  std::string http_addr = "127.0.0.1:9645";
  std::size_t http_max_body_bytes = 16u << 20;
  std::string bootstrap_servers;        // upstream.bootstrap.servers
  std::map<std::string, std::string> upstream_settings;  // upstream.<librdkafka key>, bootstrap excluded
  std::chrono::milliseconds forward_interval{0};         // 0: forward continuously
  std::size_t forward_max_in_flight_records = 50000;     // records handed to the producer, not yet acknowledged
  std::size_t forward_max_in_flight_bytes = 64u << 20;
  std::vector<source_config> sources;
  std::map<std::string, std::string> alert_keys;         // alert.<i>.<field>, for alerts::parse_alert_rules
  std::chrono::milliseconds alerts_eval_interval{1000};  // streamdown.alerts.eval.interval.ms
};

/// Checks and converts; nullopt with `error` set on the first problem.
std::optional<relay_config> parse_relay_config(std::map<std::string, std::string> values, std::string& error);

std::string to_string(source_type t);

/// "level:N" | "json:FIELD" | "" -> key_rule; nullopt when malformed.
std::optional<key_rule> parse_key_rule(const std::string& text);

}  // namespace sd::relay
