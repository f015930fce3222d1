#pragma once
// broker_config: every broker setting, named as Kafka names it where Kafka has the setting. Values come from
// the TOML file and `--set key=value`, both as strings keyed by name (app/ flattens the TOML); from() checks
// every key and value and reports the first problem with the key's name. Unknown keys are errors.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"

namespace sd::broker {

struct broker_config {
  // identity and listeners
  std::int32_t node_id = 0;                            // node.id
  std::string data_dir = "./data";                     // log.dirs
  std::string kafka_addr = "127.0.0.1:9092";           // streamdown.kafka.addr (--kafka-addr)
  std::string advertised_addr;                         // streamdown.advertised.addr (empty: the bound address)
  std::string http_addr = "127.0.0.1:9644";            // streamdown.http.addr (--http-addr)
  // security (docs/SECURITY.md). `listeners`, when set, replaces streamdown.kafka.addr/advertised.addr.
  std::string listeners;                               // listeners ("PLAINTEXT://127.0.0.1:9092,SASL_SSL://:9093")
  std::string advertised_listeners;                    // advertised.listeners (same form; default: listeners)
  std::string ssl_certificate_location;                // ssl.certificate.location (PEM)
  std::string ssl_key_location;                        // ssl.key.location (PEM)
  std::string ssl_key_password;                        // ssl.key.password (sensitive)
  std::string ssl_ca_location;                         // ssl.ca.location (PEM CA bundle for client certificates)
  std::string ssl_client_auth = "none";                // ssl.client.auth: none | requested | required
  std::string ssl_principal_mapping_rules = "DEFAULT"; // ssl.principal.mapping.rules
  std::int64_t tls_reload_check_interval_ms = 5000;    // streamdown.ssl.reload.check.interval.ms (0: SIGHUP only)
  std::string sasl_enabled_mechanisms = "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512";  // sasl.enabled.mechanisms
  std::int64_t connections_max_reauth_ms = 0;          // connections.max.reauth.ms (0: sessions never expire)
  bool authorizer_enable = false;                      // authorizer.enable
  std::string super_users;                             // super.users ("User:admin;User:ops")
  bool allow_everyone_if_no_acl_found = false;         // allow.everyone.if.no.acl.found
  // HTTP port security: TLS when a certificate is set; authentication (Basic or client certificate) when required
  std::string http_ssl_certificate_location;           // streamdown.http.ssl.certificate.location
  std::string http_ssl_key_location;                   // streamdown.http.ssl.key.location
  std::string http_ssl_ca_location;                    // streamdown.http.ssl.ca.location
  std::string http_ssl_client_auth = "none";           // streamdown.http.ssl.client.auth
  bool http_authentication_required = false;           // streamdown.http.authentication.required
  bool http_metrics_require_auth = false;              // streamdown.http.metrics.require.auth
  // topics
  bool auto_create_topics = true;                      // auto.create.topics.enable
  std::int32_t num_partitions = 1;                     // num.partitions
  std::int16_t default_replication_factor = 1;         // default.replication.factor
  bool accept_replication_factor_above_one = false;    // streamdown.replication.factor.accept.above.one
  // limits
  std::int32_t message_max_bytes = 1048588;            // message.max.bytes (per batch)
  std::int32_t socket_request_max_bytes = 104857600;   // socket.request.max.bytes
  std::int64_t memory_budget_bytes = 256ll << 20;      // streamdown.memory.budget.bytes
  std::int64_t memory_small_reserve_bytes = 1ll << 20; // streamdown.memory.small.request.reserve.bytes
  std::int32_t max_in_flight_per_connection = 32;      // streamdown.max.in.flight.requests.per.connection
  std::string fetch_send_mode = "auto";                // streamdown.fetch.send.mode: auto | sendfile | copy
  // log
  std::int64_t log_segment_bytes = 1ll << 30;          // log.segment.bytes
  std::int64_t log_page_cache_window_bytes = 256ll << 20;  // streamdown.log.page.cache.window.bytes
  std::int64_t log_page_cache_budget_bytes = 1ll << 30;    // streamdown.log.page.cache.budget.bytes
  std::int64_t log_sync_filesystem_dirty_max_bytes = 16ll << 20;  // streamdown.log.sync.filesystem.dirty.max.bytes
  std::int64_t log_roll_ms = 7ll * 24 * 3600 * 1000;   // log.roll.ms
  std::int64_t log_retention_ms = 7ll * 24 * 3600 * 1000;  // log.retention.ms (-1: forever)
  std::int64_t log_retention_bytes = -1;               // log.retention.bytes (-1: unbounded)
  std::int64_t log_retention_check_interval_ms = 300000;  // log.retention.check.interval.ms
  // log compaction (broker/log_cleaner.h)
  bool log_cleaner_enable = true;                      // log.cleaner.enable
  std::int32_t log_cleaner_threads = 1;                // log.cleaner.threads
  std::int64_t log_cleaner_backoff_ms = 15000;         // log.cleaner.backoff.ms
  std::int64_t log_cleaner_io_max_bytes_per_second = INT64_MAX;  // log.cleaner.io.max.bytes.per.second
  std::int64_t log_cleaner_dedupe_buffer_size = 128ll << 20;     // log.cleaner.dedupe.buffer.size (all threads)
  std::int32_t log_index_interval_bytes = 4096;        // log.index.interval.bytes
  std::int64_t log_flush_interval_messages = INT64_MAX;  // log.flush.interval.messages
  std::int64_t log_flush_interval_ms = -1;             // log.flush.interval.ms (-1: only when asked)
  std::int64_t log_flush_offset_checkpoint_interval_ms = 1000;  // log.flush.offset.checkpoint.interval.ms
  std::int64_t log_open_files_max = 0;  // streamdown.log.open.files.max (0: half the process's descriptor limit)
  std::string compression_type = "producer";                         // compression.type
  std::int64_t compression_gzip_level = -1;                          // compression.gzip.level
  std::int64_t compression_lz4_level = 9;                            // compression.lz4.level
  std::int64_t compression_zstd_level = 3;                           // compression.zstd.level
  std::string log_message_timestamp_type = "CreateTime";             // log.message.timestamp.type
  std::int64_t log_message_timestamp_difference_max_ms = INT64_MAX;  // log.message.timestamp.difference.max.ms
  std::int64_t log_message_timestamp_before_max_ms = INT64_MAX;      // log.message.timestamp.before.max.ms
  std::int64_t log_message_timestamp_after_max_ms = INT64_MAX;       // log.message.timestamp.after.max.ms
  // groups
  std::int32_t group_initial_rebalance_delay_ms = 3000;  // group.initial.rebalance.delay.ms
  std::int32_t group_min_session_timeout_ms = 6000;      // group.min.session.timeout.ms
  std::int32_t group_max_session_timeout_ms = 1800000;   // group.max.session.timeout.ms
  std::int64_t offsets_retention_minutes = 10080;        // offsets.retention.minutes
  // producers
  std::int64_t producer_id_expiration_ms = 86400000;     // producer.id.expiration.ms
  // transactions
  std::int32_t transaction_max_timeout_ms = 900000;       // transaction.max.timeout.ms
  std::int64_t transactional_id_expiration_ms = 604800000;  // transactional.id.expiration.ms
  std::int32_t transaction_abort_check_interval_ms = 10000;
  // ^ transaction.abort.timed.out.transaction.cleanup.interval.ms
  // runtime
  std::int32_t shards = 0;                             // streamdown.shards (0: one per core)
  std::string log_level = "info";                      // streamdown.log.level
  std::int64_t shutdown_grace_ms = 5000;               // streamdown.shutdown.grace.ms
  // HTTP port and alerts (the alert rules themselves are `[[alert]]` tables, parsed by alerts/)
  std::int64_t http_request_timeout_ms = 10000;        // streamdown.http.request.timeout.ms
  std::int64_t alerts_eval_interval_ms = 1000;         // streamdown.alerts.eval.interval.ms
  std::int64_t history_seconds = 900;                  // streamdown.history.seconds (0: no history)
  std::int64_t history_max_series = 2000;              // streamdown.history.max.series
  std::int64_t http_max_connections = 1024;            // streamdown.http.max.connections
  // HTTP streaming (SSE and WebSocket sessions, docs/HTTP_API.md)
  std::int64_t http_stream_max_sessions = 512;         // streamdown.http.stream.max.sessions
  std::int64_t http_stream_idle_timeout_ms = 60000;    // streamdown.http.stream.idle.timeout.ms
  std::int64_t http_stream_write_timeout_ms = 30000;   // streamdown.http.stream.write.timeout.ms
  std::int64_t http_stream_inflight_bytes = 256 << 10; // streamdown.http.stream.inflight.bytes
  std::int64_t http_ws_max_message_bytes = 1 << 20;    // streamdown.http.ws.max.message.bytes

  /// Builds a config from defaults overridden by `values`. Errors name the key and say what is expected.
  static result<broker_config> from(const std::map<std::string, std::string>& values, std::string& error);

  /// Every key with its current value as a string and whether it was set explicitly, for DescribeConfigs.
  struct entry {
    std::string name;
    std::string value;
    bool is_default = true;
    bool read_only = true;
    bool sensitive = false;  // value never shown (DescribeConfigs answers null)
    std::string doc;
  };
  std::vector<entry> entries() const;
  std::map<std::string, std::string> explicitly_set;
};

}  // namespace sd::broker
