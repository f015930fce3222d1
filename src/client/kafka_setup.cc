#include "client/kafka_setup.h"

#include <cstdlib>
#include <fstream>

#include <cstdio>

#include "client/settings.h"

namespace sd::client {

void error_log::event_cb(RdKafka::Event& event) {
  if (event.type() == RdKafka::Event::EVENT_LOG && event.severity() == RdKafka::Event::EVENT_SEVERITY_DEBUG) {
    std::fprintf(stderr, "%s %s\n", event.fac().c_str(), event.str().c_str());  // -X debug=... output
    return;
  }
  if (event.type() != RdKafka::Event::EVENT_ERROR) return;
  std::lock_guard lock(_mu);
  if (event.err() == RdKafka::ERR__ALL_BROKERS_DOWN) _all_down = true;
  else _last = event.str();
}

std::string error_log::last() const {
  std::lock_guard lock(_mu);
  return _last;
}

bool error_log::all_brokers_down() const {
  std::lock_guard lock(_mu);
  return _all_down;
}

std::chrono::milliseconds timeout_of(const connection_options& o) {
  auto t = parse_duration(o.timeout);
  if (!t || t->count() <= 0) throw usage_error("--timeout '" + o.timeout + "': " + (t ? std::string("must be positive") : t.error().message()));
  return *t;
}

std::map<std::string, std::string> effective_settings(const connection_options& o) {
  std::map<std::string, std::string> out;
  for (const auto& s : o.settings) {
    auto kv = parse_setting(s);
    if (!kv) throw usage_error("malformed -X '" + s + "': " + kv.error().message());
    out[kv->first] = kv->second;
  }
  if (out.contains("sasl.password")) return out;
  if (!o.password_file.empty()) {
    std::ifstream in(o.password_file);
    std::string line;
    if (!in || !std::getline(in, line)) throw usage_error("--password-file '" + o.password_file + "': cannot read it");
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out["sasl.password"] = line;
  } else if (const char* env = std::getenv("STREAMDOWN_SASL_PASSWORD"); env && *env) {
    out["sasl.password"] = env;
  }
  return out;
}

std::unique_ptr<RdKafka::Conf> make_conf(const connection_options& o, const conf_map& defaults, error_log* log) {
  const auto timeout_ms = std::to_string(timeout_of(o).count());
  conf_map values{
      {"bootstrap.servers", o.bootstrap},
      {"socket.timeout.ms", timeout_ms},
      {"socket.connection.setup.timeout.ms", timeout_ms},
      {"log_level", "3"},
  };
  for (const auto& [k, v] : defaults) values[k] = v;
  for (const auto& [k, v] : effective_settings(o)) values[k] = v;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  for (const auto& [k, v] : values) {
    if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK)
      throw usage_error("setting " + k + "=" + (k.find("password") != std::string::npos ? "***" : v) +
                        " rejected: " + err);
  }
  if (log && conf->set("event_cb", static_cast<RdKafka::EventCb*>(log), err) != RdKafka::Conf::CONF_OK)
    throw tool_error("cannot install the event callback: " + err);
  return conf;
}

std::string describe_failure(const std::string& what, RdKafka::ErrorCode err, const error_log* log) {
  std::string msg = what + ": " + RdKafka::err2str(err);
  if (log) {
    const auto last = log->last();
    const bool unreachable = log->all_brokers_down() || err == RdKafka::ERR__TIMED_OUT ||
                             err == RdKafka::ERR__TRANSPORT;
    if (unreachable && !last.empty()) msg += " (last connection error: " + last + ")";
    else if (log->all_brokers_down()) msg += " (no broker reachable)";
  }
  return msg;
}

}  // namespace sd::client
