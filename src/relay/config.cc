#include "relay/config.h"

#include <unistd.h>

#include <charconv>
#include <set>

namespace sd::relay {
namespace {

std::optional<std::uint64_t> parse_u64(const std::string& s) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    auto comma = s.find(',', pos);
    auto item = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    auto b = item.find_first_not_of(" \t");
    auto e = item.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

std::optional<source_type> parse_type(const std::string& s) {
  if (s == "stdin") return source_type::stdin_lines;
  if (s == "file") return source_type::file;
  if (s == "http") return source_type::http;
  if (s == "mqtt-server") return source_type::mqtt_server;
  if (s == "mqtt") return source_type::mqtt;
  if (s == "kafka") return source_type::kafka;
  return std::nullopt;
}

std::string default_relay_id() {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') return "relay";
  return host;
}

// Consumes keys from `values` as they are read, so whatever is left at the end is unknown.
class key_reader {
 public:
  key_reader(std::map<std::string, std::string>& values, std::string& error) : _v(values), _error(error) {}

  std::optional<std::string> take(const std::string& key) {
    auto it = _v.find(key);
    if (it == _v.end()) return std::nullopt;
    auto value = it->second;
    _v.erase(it);
    return value;
  }
  std::string take_or(const std::string& key, const std::string& fallback) { return take(key).value_or(fallback); }
  bool take_u64(const std::string& key, std::uint64_t& out, std::uint64_t min = 0) {
    auto s = take(key);
    if (!s) return true;
    auto v = parse_u64(*s);
    if (!v || *v < min) return fail(key, "'" + *s + "' is not an integer >= " + std::to_string(min));
    out = *v;
    return true;
  }
  bool fail(const std::string& key, const std::string& why) {
    if (_error.empty()) _error = "config key '" + key + "': " + why;
    return false;
  }
  /// Moves every key starting with prefix into out (prefix stripped).
  void take_prefixed(const std::string& prefix, std::map<std::string, std::string>& out) {
    for (auto it = _v.lower_bound(prefix); it != _v.end() && it->first.starts_with(prefix);) {
      out[it->first.substr(prefix.size())] = it->second;
      it = _v.erase(it);
    }
  }
  bool has_prefix(const std::string& prefix) const {
    auto it = _v.lower_bound(prefix);
    return it != _v.end() && it->first.starts_with(prefix);
  }

 private:
  std::map<std::string, std::string>& _v;
  std::string& _error;
};

bool is_host_port(const std::string& s) {
  auto colon = s.rfind(':');
  return colon != std::string::npos && colon > 0 && parse_u64(s.substr(colon + 1)).value_or(70000) < 65536;
}

bool parse_source(key_reader& r, int index, source_config& s) {
  const std::string p = "source." + std::to_string(index) + ".";
  auto type = r.take(p + "type");
  if (!type) return r.fail(p + "type", "every [[source]] needs a type (stdin, file, http, mqtt-server, mqtt, kafka)");
  auto t = parse_type(*type);
  if (!t) return r.fail(p + "type", "unknown source type '" + *type + "'");
  s.type = *t;
  s.name = r.take_or(p + "name", *type + "-" + std::to_string(index));
  s.topic = r.take_or(p + "topic", "");
  if (auto k = r.take(p + "key")) {
    auto rule = parse_key_rule(*k);
    if (!rule) return r.fail(p + "key", "expected level:N or json:FIELD, got '" + *k + "'");
    s.key = *rule;
  }
  for (int j = 0; r.has_prefix(p + "mapping." + std::to_string(j) + "."); ++j) {
    const std::string mp = p + "mapping." + std::to_string(j) + ".";
    topic_mapping m;
    m.match = r.take_or(mp + "match", "");
    m.topic = r.take_or(mp + "topic", "");
    if (m.match.empty() || m.topic.empty()) return r.fail(mp + "match", "a mapping needs match and topic");
    if (auto k = r.take(mp + "key")) {
      auto rule = parse_key_rule(*k);
      if (!rule) return r.fail(mp + "key", "expected level:N or json:FIELD, got '" + *k + "'");
      m.key = *rule;
    }
    s.mappings.push_back(std::move(m));
  }
  s.format = r.take_or(p + "format", "lines");
  if (s.format != "lines" && s.format != "json") return r.fail(p + "format", "expected lines or json");
  std::uint64_t max_line = s.max_line_bytes;
  if (!r.take_u64(p + "max.line.bytes", max_line, 1)) return false;
  s.max_line_bytes = max_line;
  s.listen = r.take_or(p + "listen", s.type == source_type::mqtt_server ? "127.0.0.1:1883" : "");
  s.paths = split_list(r.take_or(p + "path", ""));
  s.start_at = r.take_or(p + "start.at", "beginning");
  if (s.start_at != "beginning" && s.start_at != "end") return r.fail(p + "start.at", "expected beginning or end");
  s.broker = r.take_or(p + "broker", "");
  s.client_id = r.take_or(p + "client.id", "");
  s.username = r.take_or(p + "username", "");
  s.password = r.take_or(p + "password", "");
  std::uint64_t version = 4, keepalive = 30, in_flight = s.max_in_flight;
  if (!r.take_u64(p + "mqtt.version", version) || !r.take_u64(p + "keepalive.s", keepalive, 1) ||
      !r.take_u64(p + "max.in.flight", in_flight, 1))
    return false;
  if (version != 4 && version != 5) return r.fail(p + "mqtt.version", "expected 4 (3.1.1) or 5");
  s.mqtt_version = static_cast<int>(version);
  s.keepalive = std::chrono::seconds(keepalive);
  s.max_in_flight = in_flight;
  auto topics = split_list(r.take_or(p + "topics", ""));
  s.bootstrap_servers = r.take_or(p + "bootstrap.servers", "");
  s.group_id = r.take_or(p + "group.id", "");
  r.take_prefixed(p + "kafka.", s.kafka_settings);

  switch (s.type) {
    case source_type::stdin_lines:
      break;
    case source_type::file:
      if (s.paths.empty()) return r.fail(p + "path", "a file source needs a path (or glob)");
      break;
    case source_type::http:
      if (!s.listen.empty() && !is_host_port(s.listen)) return r.fail(p + "listen", "expected HOST:PORT");
      break;
    case source_type::mqtt_server:
      if (!is_host_port(s.listen)) return r.fail(p + "listen", "expected HOST:PORT");
      break;
    case source_type::mqtt:
      if (!is_host_port(s.broker)) return r.fail(p + "broker", "an mqtt source needs broker = \"HOST:PORT\"");
      if (topics.empty()) return r.fail(p + "topics", "an mqtt source needs topics to subscribe to");
      s.mqtt_topics = topics;
      break;
    case source_type::kafka:
      if (s.bootstrap_servers.empty()) return r.fail(p + "bootstrap.servers", "a kafka source needs bootstrap.servers");
      if (topics.empty()) return r.fail(p + "topics", "a kafka source needs topics");
      if (s.group_id.empty()) return r.fail(p + "group.id", "a kafka source needs group.id");
      s.kafka_topics = topics;
      break;
  }
  const bool mqtt_like = s.type == source_type::mqtt || s.type == source_type::mqtt_server;
  if (s.topic.empty() && !(mqtt_like && !s.mappings.empty()) && s.type != source_type::http)
    return r.fail(p + "topic", "the Kafka topic this source's records go to");
  if (!mqtt_like && !s.mappings.empty()) return r.fail(p + "mapping", "mappings apply to MQTT sources only");
  return true;
}

}  // namespace

std::optional<key_rule> parse_key_rule(const std::string& text) {
  key_rule k;
  if (text.empty()) return k;
  if (text.starts_with("level:")) {
    auto n = parse_u64(text.substr(6));
    if (!n || *n < 1 || *n > 64) return std::nullopt;
    k.how = key_rule::kind::topic_level;
    k.level = static_cast<int>(*n);
    return k;
  }
  if (text.starts_with("json:") && text.size() > 5) {
    k.how = key_rule::kind::json_field;
    k.field = text.substr(5);
    return k;
  }
  return std::nullopt;
}

std::string to_string(source_type t) {
  switch (t) {
    case source_type::stdin_lines: return "stdin";
    case source_type::file: return "file";
    case source_type::http: return "http";
    case source_type::mqtt_server: return "mqtt-server";
    case source_type::mqtt: return "mqtt";
    case source_type::kafka: return "kafka";
  }
  return "?";
}

std::optional<relay_config> parse_relay_config(std::map<std::string, std::string> values, std::string& error) {
  error.clear();
  key_reader r(values, error);
  relay_config c;
  r.take_prefixed("alert.", c.alert_keys);
  // Kept with their prefix: alerts::parse_alert_rules reads alert.<i>.<field>.
  {
    std::map<std::string, std::string> prefixed;
    for (auto& [k, v] : c.alert_keys) prefixed["alert." + k] = v;
    c.alert_keys = std::move(prefixed);
  }
  std::uint64_t eval_ms = 1000;
  if (!r.take_u64("streamdown.alerts.eval.interval.ms", eval_ms, 10)) return std::nullopt;
  c.alerts_eval_interval = std::chrono::milliseconds(eval_ms);
  c.relay_id = r.take_or("relay.id", default_relay_id());
  if (c.relay_id.empty() || c.relay_id.size() > 200) {
    r.fail("relay.id", "must be 1 to 200 characters");
    return std::nullopt;
  }
  c.spool.relay_id = c.relay_id;
  c.spool.dir = r.take_or("spool.dir", "./spool");
  std::uint64_t max_bytes = c.spool.max_bytes, segment = 0, sync_ms = 1000;
  if (!r.take_u64("spool.max.bytes", max_bytes, 1 << 16) || !r.take_u64("spool.segment.bytes", segment, 0) ||
      !r.take_u64("spool.sync.interval.ms", sync_ms, 1))
    return std::nullopt;
  c.spool.max_bytes = max_bytes;
  c.spool.segment_bytes = segment;
  c.spool.sync_interval = std::chrono::milliseconds(sync_ms);
  const auto full = r.take_or("spool.when.full", "block");
  if (full == "block") c.spool.policy = spool::when_full::block;
  else if (full == "drop_oldest") c.spool.policy = spool::when_full::drop_oldest;
  else if (full == "drop_newest") c.spool.policy = spool::when_full::drop_newest;
  else return r.fail("spool.when.full", "expected block, drop_oldest or drop_newest"), std::nullopt;
  const auto sync = r.take_or("spool.sync", "always");
  if (sync == "always") c.spool.sync = spool::sync_mode::always;
  else if (sync == "interval") c.spool.sync = spool::sync_mode::interval;
  else return r.fail("spool.sync", "expected always or interval"), std::nullopt;

  c.http_addr = r.take_or("http.addr", c.http_addr);
  if (!is_host_port(c.http_addr)) return r.fail("http.addr", "expected HOST:PORT"), std::nullopt;
  std::uint64_t body = c.http_max_body_bytes;
  if (!r.take_u64("http.max.body.bytes", body, 1024)) return std::nullopt;
  c.http_max_body_bytes = body;

  std::uint64_t interval = 0, in_flight = c.forward_max_in_flight_records, in_flight_bytes = c.forward_max_in_flight_bytes;
  if (!r.take_u64("forward.interval.ms", interval) || !r.take_u64("forward.max.in.flight.records", in_flight, 1) ||
      !r.take_u64("forward.max.in.flight.bytes", in_flight_bytes, 1024))
    return std::nullopt;
  c.forward_interval = std::chrono::milliseconds(interval);
  c.forward_max_in_flight_records = in_flight;
  c.forward_max_in_flight_bytes = in_flight_bytes;

  r.take_prefixed("upstream.", c.upstream_settings);
  if (auto it = c.upstream_settings.find("bootstrap.servers"); it != c.upstream_settings.end()) {
    c.bootstrap_servers = it->second;
    c.upstream_settings.erase(it);
  }
  if (c.bootstrap_servers.empty()) {
    r.fail("upstream.bootstrap.servers", "the upstream Kafka-API cluster to forward to");
    return std::nullopt;
  }
  for (const char* owned : {"enable.idempotence", "partitioner", "message.timeout.ms"}) {
    // The forwarder's exactly-once resume depends on these; message.timeout.ms may only be 0 (never time out).
    auto it = c.upstream_settings.find(owned);
    if (it != c.upstream_settings.end() && !(std::string(owned) == "message.timeout.ms" && it->second == "0")) {
      r.fail(std::string("upstream.") + owned, "is set by the relay (exactly-once forwarding depends on it)");
      return std::nullopt;
    }
  }

  std::set<std::string> names;
  for (int i = 0; r.has_prefix("source." + std::to_string(i) + "."); ++i) {
    source_config s;
    if (!parse_source(r, i, s)) return std::nullopt;
    if (!names.insert(s.name).second) return r.fail("source." + std::to_string(i) + ".name", "duplicate source name '" + s.name + "'"), std::nullopt;
    c.sources.push_back(std::move(s));
  }
  int stdin_sources = 0;
  for (const auto& s : c.sources) stdin_sources += s.type == source_type::stdin_lines;
  if (stdin_sources > 1) return r.fail("source", "at most one stdin source"), std::nullopt;
  if (!values.empty()) {
    r.fail(values.begin()->first, "unknown key");
    return std::nullopt;
  }
  return c;
}

}  // namespace sd::relay
