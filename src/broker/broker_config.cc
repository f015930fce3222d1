#include "broker/broker_config.h"

#include <charconv>
#include <functional>
#include <limits>
#include <system_error>

#include "net/listener.h"

namespace sd::broker {
namespace {

struct key_def {
  const char* name;
  const char* doc;
  // Parses and stores the value; returns an empty string or a description of what was expected.
  std::function<std::string(broker_config&, const std::string&)> set;
  std::function<std::string(const broker_config&)> get;
};

template <class Int>
std::string parse_int(const std::string& s, Int& out, std::int64_t lo, std::int64_t hi) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size())
    return "an integer, got '" + s + "'";
  if (v < lo || v > hi) return "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + s;
  out = static_cast<Int>(v);
  return {};
}

template <class Int>
key_def int_key(const char* name, const char* doc, Int broker_config::*m, std::int64_t lo, std::int64_t hi) {
  return {name, doc, [m, lo, hi](broker_config& c, const std::string& s) { return parse_int(s, c.*m, lo, hi); },
          [m](const broker_config& c) { return std::to_string(c.*m); }};
}

key_def bool_key(const char* name, const char* doc, bool broker_config::*m) {
  return {name, doc,
          [m](broker_config& c, const std::string& s) -> std::string {
            if (s == "true") c.*m = true;
            else if (s == "false") c.*m = false;
            else return "true or false, got '" + s + "'";
            return {};
          },
          [m](const broker_config& c) { return std::string(c.*m ? "true" : "false"); }};
}

key_def string_key(const char* name, const char* doc, std::string broker_config::*m,
                   std::function<std::string(const std::string&)> check = {}) {
  return {name, doc,
          [m, check](broker_config& c, const std::string& s) -> std::string {
            if (check) {
              if (auto e = check(s); !e.empty()) return e;
            }
            c.*m = s;
            return {};
          },
          [m](const broker_config& c) { return c.*m; }};
}

std::string check_host_port(const std::string& s) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) return "HOST:PORT, got '" + s + "'";
  std::uint16_t port = 0;
  auto ps = s.substr(colon + 1);
  auto [p, ec] = std::from_chars(ps.data(), ps.data() + ps.size(), port);
  if (ec != std::errc{} || p != ps.data() + ps.size()) return "HOST:PORT with a port in [0, 65535], got '" + s + "'";
  return {};
}

std::string check_listeners(const std::string& s) {
  if (s.empty()) return {};
  std::string why;
  if (!net::parse_listener_list(s, &why)) return "NAME://HOST:PORT[,...]: " + why;
  return {};
}

std::string check_mechanisms(const std::string& s) {
  std::size_t pos = 0;
  while (pos <= s.size()) {
    auto comma = s.find(',', pos);
    auto m = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (m != "PLAIN" && m != "SCRAM-SHA-256" && m != "SCRAM-SHA-512")
      return "a comma-separated list of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512; got '" + m + "'";
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return {};
}

std::string check_compression_type(const std::string& s) {
  for (auto c : {"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"})
    if (s == c) return {};
  return "one of producer, uncompressed, gzip, snappy, lz4, zstd; got '" + s + "'";
}

std::string check_timestamp_type(const std::string& s) {
  return s == "CreateTime" || s == "LogAppendTime" ? std::string{} : "CreateTime or LogAppendTime, got '" + s + "'";
}

std::string check_optional_host_port(const std::string& s) { return s.empty() ? std::string{} : check_host_port(s); }

std::string check_log_level(const std::string& s) {
  for (auto l : {"trace", "debug", "info", "warn", "error", "critical", "off"})
    if (s == l) return {};
  return "one of trace, debug, info, warn, error, critical, off; got '" + s + "'";
}

constexpr std::int64_t i32max = std::numeric_limits<std::int32_t>::max();
constexpr std::int64_t i64max = std::numeric_limits<std::int64_t>::max();

const std::vector<key_def>& key_table() {
  static const std::vector<key_def> keys = {
      int_key("node.id", "this broker's node id in Metadata", &broker_config::node_id, 0, i32max),
      string_key("log.dirs", "data directory (one)", &broker_config::data_dir,
                 [](const std::string& s) { return s.empty() ? std::string("a directory path") : std::string(); }),
      string_key("streamdown.kafka.addr", "Kafka API listen address", &broker_config::kafka_addr, check_host_port),
      string_key("streamdown.advertised.addr", "address given to clients in Metadata (empty: the bound one)",
                 &broker_config::advertised_addr, check_optional_host_port),
      string_key("streamdown.http.addr", "HTTP listen address (metrics, admin API)", &broker_config::http_addr,
                 check_host_port),
      string_key("listeners",
                 "Kafka listeners as NAME://HOST:PORT, comma-separated; names are security protocols (PLAINTEXT, "
                 "SSL, SASL_PLAINTEXT, SASL_SSL); replaces streamdown.kafka.addr",
                 &broker_config::listeners, check_listeners),
      string_key("advertised.listeners", "addresses given to clients, per listener name (default: the bound ones)",
                 &broker_config::advertised_listeners, check_listeners),
      string_key("ssl.certificate.location", "PEM certificate chain of TLS listeners",
                 &broker_config::ssl_certificate_location),
      string_key("ssl.key.location", "PEM private key of TLS listeners", &broker_config::ssl_key_location),
      string_key("ssl.key.password", "password of an encrypted ssl.key.location", &broker_config::ssl_key_password),
      string_key("ssl.ca.location", "PEM CA bundle that client certificates must chain to",
                 &broker_config::ssl_ca_location),
      string_key("ssl.client.auth", "client certificates on TLS listeners: none, requested or required",
                 &broker_config::ssl_client_auth,
                 [](const std::string& s) {
                   return s == "none" || s == "requested" || s == "required" ? std::string()
                                                                             : std::string("none, requested or required");
                 }),
      string_key("ssl.principal.mapping.rules",
                 "rules mapping a client certificate's subject to a principal name (RULE:regex/replacement/[LU], "
                 "DEFAULT)",
                 &broker_config::ssl_principal_mapping_rules),
      int_key("streamdown.ssl.reload.check.interval.ms",
              "how often TLS certificate and key files are checked for changes (0: only on SIGHUP)",
              &broker_config::tls_reload_check_interval_ms, 0, i64max),
      string_key("sasl.enabled.mechanisms", "SASL mechanisms offered: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512",
                 &broker_config::sasl_enabled_mechanisms, check_mechanisms),
      int_key("connections.max.reauth.ms",
              "SASL session lifetime; clients must re-authenticate before it ends (0: never expires)",
              &broker_config::connections_max_reauth_ms, 0, i64max),
      bool_key("authorizer.enable", "enforce ACLs on every API and HTTP route", &broker_config::authorizer_enable),
      string_key("super.users", "principals that bypass ACLs, separated by ';' (User:admin;User:ops)",
                 &broker_config::super_users),
      bool_key("allow.everyone.if.no.acl.found", "allow access to resources no ACL mentions",
               &broker_config::allow_everyone_if_no_acl_found),
      string_key("streamdown.http.ssl.certificate.location", "PEM certificate chain: serve HTTP over TLS",
                 &broker_config::http_ssl_certificate_location),
      string_key("streamdown.http.ssl.key.location", "PEM private key of the HTTP port",
                 &broker_config::http_ssl_key_location),
      string_key("streamdown.http.ssl.ca.location", "PEM CA bundle for HTTP client certificates",
                 &broker_config::http_ssl_ca_location),
      string_key("streamdown.http.ssl.client.auth", "HTTP client certificates: none, requested or required",
                 &broker_config::http_ssl_client_auth,
                 [](const std::string& s) {
                   return s == "none" || s == "requested" || s == "required" ? std::string()
                                                                             : std::string("none, requested or required");
                 }),
      bool_key("streamdown.http.authentication.required",
               "HTTP requests (except /v1/health, /v1/ready and, unless streamdown.http.metrics.require.auth, "
               "/metrics) need Basic credentials of a broker user or a client certificate (else 401)",
               &broker_config::http_authentication_required),
      bool_key("streamdown.http.metrics.require.auth",
               "/metrics needs authentication and DESCRIBE on the cluster too", &broker_config::http_metrics_require_auth),
      bool_key("auto.create.topics.enable", "create unknown topics on Metadata and Produce",
               &broker_config::auto_create_topics),
      int_key("num.partitions", "partitions of an auto-created topic", &broker_config::num_partitions, 1, 100000),
      int_key("default.replication.factor", "replication factor reported for auto-created topics",
              &broker_config::default_replication_factor, 1, 1),
      bool_key("streamdown.replication.factor.accept.above.one",
               "accept CreateTopics with a replication factor above 1 as 1 (logged) instead of refusing it",
               &broker_config::accept_replication_factor_above_one),
      int_key("message.max.bytes", "largest record batch accepted", &broker_config::message_max_bytes, 1024, i32max),
      int_key("socket.request.max.bytes", "largest request accepted", &broker_config::socket_request_max_bytes, 1024,
              i32max),
      int_key("streamdown.memory.budget.bytes", "bytes of in-flight requests before the broker stops reading",
              &broker_config::memory_budget_bytes, 1 << 20, i64max),
      int_key("streamdown.memory.small.request.reserve.bytes",
              "extra bytes for requests of at most 64 KiB when the budget is spent, so metadata and heartbeats "
              "are not queued behind large produce requests (0: none)",
              &broker_config::memory_small_reserve_bytes, 0, i64max),
      int_key("streamdown.max.in.flight.requests.per.connection", "pipelined requests per connection",
              &broker_config::max_in_flight_per_connection, 1, 1024),
      string_key("streamdown.fetch.send.mode",
                 "how Fetch record data leaves the log files: sendfile, copy (through a 1 MiB buffer counted in "
                 "the memory budget), or auto (copy to loopback clients, sendfile to the rest)",
                 &broker_config::fetch_send_mode,
                 [](const std::string& s) {
                   return s == "auto" || s == "sendfile" || s == "copy" ? std::string()
                                                                         : std::string("auto, sendfile or copy");
                 }),
      int_key("log.segment.bytes", "segment size before a roll", &broker_config::log_segment_bytes, 1024, i32max),
      int_key("log.roll.ms", "segment age before a roll", &broker_config::log_roll_ms, 1, i64max),
      int_key("log.retention.ms", "age after which whole segments are deleted (-1: forever)",
              &broker_config::log_retention_ms, -1, i64max),
      int_key("log.retention.bytes", "partition size above which old segments are deleted (-1: unbounded)",
              &broker_config::log_retention_bytes, -1, i64max),
      int_key("log.retention.check.interval.ms", "how often retention runs",
              &broker_config::log_retention_check_interval_ms, 1, i64max),
      bool_key("log.cleaner.enable", "run the log cleaner on topics with cleanup.policy=compact",
               &broker_config::log_cleaner_enable),
      int_key("log.cleaner.threads", "threads that clean compacted partitions", &broker_config::log_cleaner_threads, 1,
              64),
      int_key("log.cleaner.backoff.ms", "how often the cleaner looks for partitions to clean",
              &broker_config::log_cleaner_backoff_ms, 1, i64max),
      int_key("log.cleaner.io.max.bytes.per.second", "the cleaners' read plus write rate, all threads together",
              &broker_config::log_cleaner_io_max_bytes_per_second, 1, i64max),
      int_key("log.cleaner.dedupe.buffer.size",
              "memory of the cleaners' offset maps, all threads together (24 bytes a key; fewer slots mean more "
              "passes, never more memory)",
              &broker_config::log_cleaner_dedupe_buffer_size, 1 << 12, i64max),
      int_key("log.index.interval.bytes", "bytes between offset index entries", &broker_config::log_index_interval_bytes,
              0, i32max),
      int_key("log.flush.interval.messages", "fsync after this many messages", &broker_config::log_flush_interval_messages,
              1, i64max),
      int_key("streamdown.log.page.cache.window.bytes",
              "bytes at the end of each partition kept in the OS page cache; older written data is advised out "
              "of the cache so its pages are reused (-1: leave the cache to the kernel)",
              &broker_config::log_page_cache_window_bytes, -1, i64max),
      int_key("streamdown.log.page.cache.budget.bytes",
              "bytes of recently written log, all partitions together, kept in the OS page cache; older data is "
              "advised out, oldest written first, so many partitions reuse pages as one does (-1: no shared bound)",
              &broker_config::log_page_cache_budget_bytes, -1, i64max),
      int_key("streamdown.log.sync.filesystem.dirty.max.bytes",
              "a group commit over several partitions makes them durable with one syncfs instead of one fdatasync "
              "per file while the system's dirty page cache is at most this many bytes (-1: always per file)",
              &broker_config::log_sync_filesystem_dirty_max_bytes, -1, i64max),
      int_key("log.flush.interval.ms", "fsync at least this often (-1: only when acks=all asks)",
              &broker_config::log_flush_interval_ms, -1, i64max),
      int_key("streamdown.log.open.files.max",
              "log files (segments, recovery points) held open at once; idle synced ones are closed beyond it "
              "and reopened on use (0: half the process's open-file limit, which start-up raises to its hard limit)",
              &broker_config::log_open_files_max, 0, i32max),
      int_key("log.flush.offset.checkpoint.interval.ms",
              "how often each partition with new data is synced and its recovery point persisted: an unclean "
              "start scans only what was written after it (-1: never; every segment is scanned)",
              &broker_config::log_flush_offset_checkpoint_interval_ms, -1, i64max),
      string_key("compression.type",
                 "default of the topic key: the codec batches are stored in (producer: as the producer sent them)",
                 &broker_config::compression_type, check_compression_type),
      int_key("compression.gzip.level", "default of the topic key: gzip level when the broker compresses (-1: 6)",
              &broker_config::compression_gzip_level, -1, 9),
      int_key("compression.lz4.level", "default of the topic key: lz4 level when the broker compresses",
              &broker_config::compression_lz4_level, 1, 17),
      int_key("compression.zstd.level", "default of the topic key: zstd level when the broker compresses",
              &broker_config::compression_zstd_level, -131072, 22),
      string_key("log.message.timestamp.type",
                 "default of the topic key: CreateTime keeps the producer's timestamps, LogAppendTime stamps on append",
                 &broker_config::log_message_timestamp_type, check_timestamp_type),
      int_key("log.message.timestamp.difference.max.ms",
              "default of the topic key: largest distance of a produced timestamp from the broker's clock",
              &broker_config::log_message_timestamp_difference_max_ms, 0, i64max),
      int_key("log.message.timestamp.before.max.ms",
              "default of the topic key: how far in the past a produced timestamp may be",
              &broker_config::log_message_timestamp_before_max_ms, 0, i64max),
      int_key("log.message.timestamp.after.max.ms",
              "default of the topic key: how far in the future a produced timestamp may be",
              &broker_config::log_message_timestamp_after_max_ms, 0, i64max),
      int_key("group.initial.rebalance.delay.ms", "wait for more members before the first rebalance of a group",
              &broker_config::group_initial_rebalance_delay_ms, 0, i32max),
      int_key("group.min.session.timeout.ms", "smallest session timeout a member may ask for",
              &broker_config::group_min_session_timeout_ms, 1, i32max),
      int_key("group.max.session.timeout.ms", "largest session timeout a member may ask for",
              &broker_config::group_max_session_timeout_ms, 1, i32max),
      int_key("offsets.retention.minutes", "how long an empty group's offsets are kept",
              &broker_config::offsets_retention_minutes, 1, i32max),
      int_key("producer.id.expiration.ms", "idle time after which a producer's state is dropped",
              &broker_config::producer_id_expiration_ms, 1, i64max),
      int_key("transaction.max.timeout.ms", "largest transaction.timeout.ms a transactional producer may ask for",
              &broker_config::transaction_max_timeout_ms, 1, i32max),
      int_key("transactional.id.expiration.ms", "idle time after which a finished transactional id is forgotten",
              &broker_config::transactional_id_expiration_ms, 1, i64max),
      int_key("transaction.abort.timed.out.transaction.cleanup.interval.ms",
              "how often transactions past their timeout are looked for (and aborted)",
              &broker_config::transaction_abort_check_interval_ms, 1, i32max),
      int_key("streamdown.shards", "event loops (0: one per core)", &broker_config::shards, 0, 256),
      string_key("streamdown.log.level", "log level", &broker_config::log_level, check_log_level),
      int_key("streamdown.shutdown.grace.ms", "time in-flight requests get to finish on shutdown",
              &broker_config::shutdown_grace_ms, 0, 600000),
      int_key("streamdown.http.request.timeout.ms",
              "time an HTTP client has to send a whole request (then the connection is closed)",
              &broker_config::http_request_timeout_ms, 100, 3600000),
      int_key("streamdown.alerts.eval.interval.ms", "how often alert rules are evaluated",
              &broker_config::alerts_eval_interval_ms, 10, 3600000),
      int_key("streamdown.history.seconds", "seconds of per-second samples GET /v1/history keeps (0: none)",
              &broker_config::history_seconds, 0, 86400),
      int_key("streamdown.history.max.series", "series GET /v1/history keeps at most (a group partition's lag is one)",
              &broker_config::history_max_series, 1, 1000000),
      int_key("streamdown.http.max.connections",
              "open HTTP connections; at the limit a new one evicts the longest-idle one (never one inside a "
              "request or stream)",
              &broker_config::http_max_connections, 4, 1000000),
      int_key("streamdown.http.stream.max.sessions", "open SSE and WebSocket sessions (more are answered 503)",
              &broker_config::http_stream_max_sessions, 1, 1000000),
      int_key("streamdown.http.stream.idle.timeout.ms",
              "a WebSocket that sends nothing (not even a pong) for this long is closed",
              &broker_config::http_stream_idle_timeout_ms, 100, 86400000),
      int_key("streamdown.http.stream.write.timeout.ms",
              "a streaming client that reads nothing for this long is disconnected",
              &broker_config::http_stream_write_timeout_ms, 100, 3600000),
      int_key("streamdown.http.stream.inflight.bytes",
              "record bytes one streaming session reads from the log at a time (counted in the memory budget)",
              &broker_config::http_stream_inflight_bytes, 1024, 64 << 20),
      int_key("streamdown.http.ws.max.message.bytes", "largest WebSocket message accepted (larger: close 1009)",
              &broker_config::http_ws_max_message_bytes, 1024, 64 << 20),
  };
  return keys;
}

}  // namespace

result<broker_config> broker_config::from(const std::map<std::string, std::string>& values, std::string& error) {
  broker_config c;
  const auto& keys = key_table();
  for (const auto& [name, value] : values) {
    const key_def* def = nullptr;
    for (const auto& k : keys)
      if (name == k.name) def = &k;
    if (!def) {
      error = "unknown config key '" + name + "'";
      return std::make_error_code(std::errc::invalid_argument);
    }
    if (auto e = def->set(c, value); !e.empty()) {
      error = "config key '" + name + "': expected " + e;
      return std::make_error_code(std::errc::invalid_argument);
    }
    c.explicitly_set[name] = value;
  }
  if (!c.listeners.empty() &&
      (c.explicitly_set.contains("streamdown.kafka.addr") || c.explicitly_set.contains("streamdown.advertised.addr"))) {
    error = "config key 'listeners' replaces --kafka-addr/--advertised-addr (streamdown.kafka.addr, "
            "streamdown.advertised.addr): give one or the other";
    return std::make_error_code(std::errc::invalid_argument);
  }
  if (!c.advertised_listeners.empty()) {
    if (c.listeners.empty()) {
      error = "config key 'advertised.listeners' needs 'listeners'";
      return std::make_error_code(std::errc::invalid_argument);
    }
    auto bound = net::parse_listener_list(c.listeners, nullptr);
    auto adv = net::parse_listener_list(c.advertised_listeners, nullptr);
    for (const auto& a : *adv) {
      bool found = false;
      for (const auto& b : *bound) found |= a.name == b.name;
      if (!found) {
        error = "config key 'advertised.listeners': listener '" + a.name + "' is not in 'listeners'";
        return std::make_error_code(std::errc::invalid_argument);
      }
    }
  }
  if (c.memory_budget_bytes < c.socket_request_max_bytes) {
    error = "config key 'streamdown.memory.budget.bytes' (" + std::to_string(c.memory_budget_bytes) +
            ") must be at least 'socket.request.max.bytes' (" + std::to_string(c.socket_request_max_bytes) +
            "), or the largest allowed request could never be read";
    return std::make_error_code(std::errc::invalid_argument);
  }
  if (c.message_max_bytes > c.socket_request_max_bytes) {
    error = "config key 'message.max.bytes' must not exceed 'socket.request.max.bytes'";
    return std::make_error_code(std::errc::invalid_argument);
  }
  if (c.group_min_session_timeout_ms > c.group_max_session_timeout_ms) {
    error = "config key 'group.min.session.timeout.ms' must not exceed 'group.max.session.timeout.ms'";
    return std::make_error_code(std::errc::invalid_argument);
  }
  return c;
}

std::vector<broker_config::entry> broker_config::entries() const {
  std::vector<entry> out;
  for (const auto& k : key_table()) {
    entry e;
    e.name = k.name;
    e.value = k.get(*this);
    e.is_default = !explicitly_set.contains(k.name);
    e.sensitive = e.name == "ssl.key.password";
    e.doc = k.doc;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace sd::broker
