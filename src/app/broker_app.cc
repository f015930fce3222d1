#include "app/history_routes.h"
#include "app/broker_app.h"

#include <signal.h>
#include <sys/resource.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <thread>

#include "app/http_access.h"
#include "app/http_routes.h"
#include "app/metrics_sections.h"
#include "app/observability.h"
#include "base/clock.h"
#include "broker/log_cleaner.h"
#include "broker/broker_core.h"
#include "broker/dispatcher.h"
#include "broker/metadata_store.h"
#include "broker/session.h"
#include "broker/topic_table.h"
#include "console/console_routes.h"
#include "group/coordinator.h"
#include "broker/txn_partitions.h"
#include "txn/coordinator.h"
#include "gateway/gateway.h"
#include "http/http_server.h"
#include "io/faulty_filesystem.h"
#include "io/filesystem.h"
#include "metrics/exposition.h"
#include "metrics/text_writer.h"
#include "net/memory_budget.h"
#include "net/server.h"
#include "net/shard_set.h"
#include "net/tls_context.h"
#include "security/authorizer.h"
#include "security/user_store.h"
#include "storage/flusher.h"
#include "storage/log_manager.h"

namespace sd::app {
namespace {

struct host_port {
  std::string host;
  std::uint16_t port = 0;
};

host_port split_host_port(const std::string& s) {
  auto colon = s.rfind(':');
  host_port hp;
  hp.host = s.substr(0, colon);
  if (hp.host.size() >= 2 && hp.host.front() == '[' && hp.host.back() == ']') hp.host = hp.host.substr(1, hp.host.size() - 2);
  auto ps = s.substr(colon + 1);
  std::from_chars(ps.data(), ps.data() + ps.size(), hp.port);
  return hp;
}

std::string to_string(const net::tcp::endpoint& ep) {
  auto a = ep.address();
  return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(ep.port());
}

/// Raises the soft open-file limit to the hard one (a broker holds a descriptor per connection and per open
/// log file) and returns the soft limit in force.
std::uint64_t raise_open_file_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  return lim.rlim_cur == RLIM_INFINITY ? (1u << 20) : static_cast<std::uint64_t>(lim.rlim_cur);
}

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("streamdown");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %v");
  spdlog::set_level(spdlog::level::from_str(level));
}

/// Re-reads the TLS certificate and key of `tls` when `force` (SIGHUP) or when its files changed.
void maybe_reload_tls(net::tls_context_holder* tls, broker::broker_security& sec, bool force) {
  if (!tls || (!force && !tls->files_changed())) return;
  auto why = tls->reload();
  if (why.empty()) {
    sec.probe.tls_reloads_total.fetch_add(1, std::memory_order_relaxed);
    spdlog::info("TLS certificate and key reloaded ({}); new connections use them", force ? "SIGHUP" : "files changed");
  } else {
    sec.probe.tls_reload_failures_total.fetch_add(1, std::memory_order_relaxed);
    spdlog::error("TLS reload failed, the previous certificate stays in use: {}", why);
  }
}

/// Blocks until SIGTERM or SIGINT. The signals are blocked in every thread (set before threads start) and
/// taken here with sigtimedwait, so no handler runs on an arbitrary thread. Meanwhile SIGHUP reloads the TLS
/// files, and every `check_every` (0: never) their modification is checked.
int wait_for_termination(const sigset_t& set, const std::vector<net::tls_context_holder*>& tls,
                         broker::broker_security& sec, std::chrono::milliseconds check_every) {
  for (;;) {
    int sig = 0;
    if (!tls.empty() && check_every.count() > 0) {
      timespec ts{static_cast<time_t>(check_every.count() / 1000), static_cast<long>(check_every.count() % 1000) * 1000000};
      sig = sigtimedwait(&set, nullptr, &ts);
      if (sig < 0) {
        for (auto* t : tls) maybe_reload_tls(t, sec, false);
        continue;
      }
    } else {
      sigwait(&set, &sig);
    }
    if (sig == SIGHUP) {
      for (auto* t : tls) maybe_reload_tls(t, sec, true);
      if (tls.empty()) spdlog::info("SIGHUP: no TLS listener, nothing to reload");
      continue;
    }
    return sig;
  }
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    auto next = s.find(sep, pos);
    auto item = s.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) out.push_back(item);
    if (next == std::string::npos) break;
    pos = next + 1;
  }
  return out;
}

/// The listeners to open: `listeners` when set, else one PLAINTEXT listener on streamdown.kafka.addr.
/// TLS listeners share one context built from the ssl.* keys (throws when they are incomplete or unreadable).
std::vector<net::listener_spec> listener_specs(const broker::broker_config& config,
                                               std::shared_ptr<net::tls_context_holder>& tls) {
  std::vector<net::listener_spec> specs;
  if (config.listeners.empty()) {
    auto hp = split_host_port(config.kafka_addr);
    net::listener_spec spec;
    spec.name = "PLAINTEXT";
    spec.host = hp.host;
    spec.port = hp.port;
    specs.push_back(std::move(spec));
    return specs;
  }
  const auto parsed = net::parse_listener_list(config.listeners, nullptr);  // validated by broker_config
  for (const auto& a : *parsed) {
    net::listener_spec spec;
    spec.name = a.name;
    spec.protocol = *net::parse_security_protocol(a.name);
    spec.host = a.host.empty() ? "0.0.0.0" : a.host;
    spec.port = a.port;
    if (net::uses_tls(spec.protocol)) {
      if (!tls) {
        net::tls_settings ts;
        ts.certificate_file = config.ssl_certificate_location;
        ts.key_file = config.ssl_key_location;
        ts.key_password = config.ssl_key_password;
        ts.ca_file = config.ssl_ca_location;
        ts.auth = config.ssl_client_auth == "required"    ? net::client_auth::required
                  : config.ssl_client_auth == "requested" ? net::client_auth::requested
                                                          : net::client_auth::none;
        try {
          tls = std::make_shared<net::tls_context_holder>(std::move(ts));
        } catch (const std::exception& e) {
          throw std::runtime_error(std::string("TLS listener ") + a.name + ": " + e.what());
        }
      }
      spec.tls = tls;
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

/// Users, ACLs and the rest of the security services. The first user comes from
/// STREAMDOWN_BOOTSTRAP_USER=name:password when the store holds none (SCRAM-SHA-256 and -512 credentials).
struct security_services {
  std::unique_ptr<security::user_store> users;
  std::unique_ptr<security::authorizer> acls;
  broker::broker_security shared;
};

void open_security(const broker::broker_config& config, security_services& out) {
  auto dir = std::filesystem::path(config.data_dir) / "security";
  auto users = security::user_store::open(dir / "users.json");
  if (!users) throw std::runtime_error("cannot open the user store in " + dir.string() + ": " + users.error().message());
  out.users = std::move(*users);
  security::authorizer_config acfg;
  acfg.enabled = config.authorizer_enable;
  acfg.super_users = split(config.super_users, ';');
  acfg.allow_everyone_if_no_acl_found = config.allow_everyone_if_no_acl_found;
  auto acls = security::authorizer::open(dir / "acls.json", acfg);
  if (!acls) throw std::runtime_error("cannot open the ACL store in " + dir.string() + ": " + acls.error().message());
  out.acls = std::move(*acls);
  std::string why;
  auto mapping = security::principal_mapping::parse(config.ssl_principal_mapping_rules, &why);
  if (!mapping) throw std::runtime_error("config key 'ssl.principal.mapping.rules': " + why);
  out.shared.ssl_principal_mapping = std::move(*mapping);
  out.shared.sasl_mechanisms = split(config.sasl_enabled_mechanisms, ',');
  out.shared.max_reauth_ms = config.connections_max_reauth_ms;
  out.shared.users = out.users.get();
  out.shared.acls = out.acls.get();

  if (const char* boot = std::getenv("STREAMDOWN_BOOTSTRAP_USER"); boot && *boot) {
    std::string spec(boot);
    auto colon = spec.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size())
      throw std::runtime_error("STREAMDOWN_BOOTSTRAP_USER must be name:password");
    std::string name = spec.substr(0, colon), password = spec.substr(colon + 1);
    if (out.users->empty()) {
      for (auto alg : {security::scram_algorithm::sha256, security::scram_algorithm::sha512}) {
        auto st = out.users->upsert(name, security::make_scram_credential(alg, password, security::min_scram_iterations));
        if (!st) throw std::runtime_error("cannot create the bootstrap user: " + st.error().message());
      }
      spdlog::info("created bootstrap user '{}' (SCRAM-SHA-256, SCRAM-SHA-512) from STREAMDOWN_BOOTSTRAP_USER", name);
    }
  }
  if (config.authorizer_enable)
    spdlog::info("authorizer on: {} ACL(s), super users [{}], allow.everyone.if.no.acl.found={}", out.acls->size(),
                 config.super_users, config.allow_everyone_if_no_acl_found);
}

/// Per-shard background work: retention and producer-state expiry, on the shard that owns each partition.
void start_retention_timers(net::shard_set& shards, broker::topic_table& topics, std::int64_t interval_ms) {
  for (std::size_t s = 0; s < shards.size(); ++s) {
    net::asio::co_spawn(
        shards.executor(s),
        [&shards, &topics, s, interval_ms]() -> net::awaitable<void> {
          net::asio::steady_timer timer(shards.executor(s));
          for (;;) {
            timer.expires_after(std::chrono::milliseconds(interval_ms));
            boost::system::error_code ec;
            co_await timer.async_wait(net::no_throw(ec));
            if (ec) co_return;
            auto now = wall_ms_now();
            for (auto& p : topics.partitions_on_shard(s)) {
              if (p->deleted) continue;
              p->producers->expire(now);  // idle producers' state (producer.id.expiration.ms)
              auto removed = p->log->enforce_retention(now);
              p->producers->trim_aborted(p->log->start_offset().value());  // aborted transactions now gone
              if (!removed) {
                spdlog::warn("retention on {}-{} failed: {}", p->topic, p->id, removed.error().message());
              } else if (*removed > 0) {
                spdlog::info("retention removed {} segment(s) of {}-{}", *removed, p->topic, p->id);
              }
              p->publish();  // offsets, sizes and producer-state entries for readers and /metrics
            }
          }
        },
        net::asio::detached);
  }
}

}  // namespace

int run_broker(const broker::broker_config& config, std::vector<alerts::alert_rule> alert_rules) {
  setup_logging(config.log_level);

  // Block termination signals before any thread starts, so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  // File layer. Fault injection is a test facility: it is only on when a STREAMDOWN_FAULT_* variable is set.
  io::filesystem* fs = &io::filesystem_from_env();
  if (fs != &io::posix_filesystem()) spdlog::warn("fault injection is ON (STREAMDOWN_FAULT_* is set): for tests only");

  // Storage: lock and recover before anything listens.
  auto defaults = broker::effective_log_config(config, {});
  auto started = std::chrono::steady_clock::now();
  storage::log_manager_options log_options;
  {
    const std::uint64_t nofile = raise_open_file_limit();
    log_options.max_open_files = config.log_open_files_max > 0 ? static_cast<std::size_t>(config.log_open_files_max)
                                                              : static_cast<std::size_t>(std::max<std::uint64_t>(64, nofile / 2));
    spdlog::info("open-file limit {}; log files held open at most {} (streamdown.log.open.files.max)", nofile,
                 log_options.max_open_files);
  }
  log_options.page_cache_budget_bytes = config.log_page_cache_budget_bytes;
  log_options.filesystem_sync_dirty_max_bytes = config.log_sync_filesystem_dirty_max_bytes;
  auto logs = storage::log_manager::open(config.data_dir, *fs, defaults, log_options);
  if (!logs) throw std::runtime_error("cannot open data directory " + config.data_dir + ": " + logs.error().message());
  broker::metadata_store store(*fs, config.data_dir);
  auto metadata = store.load();
  if (!metadata) throw std::runtime_error("cannot read broker metadata in " + config.data_dir + ": " + metadata.error().message());

  std::size_t shard_count = config.shards > 0 ? static_cast<std::size_t>(config.shards)
                                              : std::max(1u, std::thread::hardware_concurrency());
  // Two sets of event loops: network loops own connections, storage loops own partitions. Appends and reads
  // are file I/O that can block (a slow disk throttles writes into the page cache); keeping them off the
  // network loops means a slow disk stalls only the requests that wait for it, while the network loops keep
  // reading until the memory budget, not the disk, stops them.
  net::shard_set network_loops(shard_count, "sd-net");
  net::shard_set storage_loops(shard_count, "sd-storage");
  broker::topic_table topics(config, storage_loops, **logs, store, std::move(*metadata));
  if (auto st = topics.load_existing(); !st)
    throw std::runtime_error("cannot load topics: " + st.error().message());
  storage::flusher& flusher = (*logs)->flusher();
  auto recovered_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  {
    storage::recovery_report total;
    for (const auto& key : (*logs)->partitions()) {
      auto log = (*logs)->get(key.topic, key.partition);
      if (!log) continue;
      const auto& r = log->recovery();
      total.segments += r.segments;
      total.segments_scanned += r.segments_scanned;
      total.segments_trusted += r.segments_trusted;
      total.bytes_checked += r.bytes_checked;
      total.bytes_truncated += r.bytes_truncated;
    }
    spdlog::info("data directory {} ready: {} topic(s), recovered in {} ms ({} shutdown; {} segment(s): {} walked, "
                 "{} trusted below a recovery point; {} byte(s) CRC-checked, {} truncated)",
                 config.data_dir, topics.snapshot()->size(), recovered_ms.count(),
                 (*logs)->opened_after_clean_shutdown() ? "clean" : "unclean", total.segments, total.segments_scanned,
                 total.segments_trusted, total.bytes_checked, total.bytes_truncated);
  }

  // Group coordinator: all groups on storage loop 0 (group/coordinator.h); restores offsets and groups from its log.
  group::coordinator_config gcfg;
  gcfg.initial_rebalance_delay_ms = config.group_initial_rebalance_delay_ms;
  gcfg.min_session_timeout_ms = config.group_min_session_timeout_ms;
  gcfg.max_session_timeout_ms = config.group_max_session_timeout_ms;
  gcfg.offsets_retention_ms = config.offsets_retention_minutes * 60 * 1000;
  auto groups = group::coordinator::open(gcfg, *fs, config.data_dir, flusher, storage_loops.executor(0),
                                         (*logs)->opened_after_clean_shutdown());
  if (!groups) throw std::runtime_error("cannot restore consumer groups: " + groups.error().message());

  // Security: users, ACLs, principal mapping (before anything listens).
  security_services security;
  open_security(config, security);

  // Network.
  net::memory_budget budget(static_cast<std::size_t>(config.memory_budget_bytes),
                            static_cast<std::size_t>(config.memory_small_reserve_bytes));
  net::connection_limits limits;
  limits.max_request_bytes = config.socket_request_max_bytes;
  limits.max_in_flight = static_cast<std::size_t>(config.max_in_flight_per_connection);
  limits.file_send = config.fetch_send_mode == "sendfile" ? net::file_send_mode::sendfile
                     : config.fetch_send_mode == "copy"   ? net::file_send_mode::copy
                                                          : net::file_send_mode::copy_to_loopback;

  broker::advertised_endpoint advertised;
  std::unique_ptr<broker::broker_core> core;
  std::unique_ptr<broker::dispatcher> dispatcher;
  // The core needs the advertised address, which needs the bound port; the server needs the dispatcher.
  // Bind first through a server constructed with a forwarding handler.
  struct forwarding_handler final : net::request_handler {
    broker::dispatcher* target = nullptr;
    net::awaitable<net::response_task> dispatch(const net::connection_info& c, net::inbound_frame f) override {
      return target->dispatch(c, std::move(f));
    }
    void on_refused_frame(const net::connection_info& c, std::int64_t size) override { target->on_refused_frame(c, size); }
    bool acknowledge_at_once(const net::inbound_frame& f) const override { return target->acknowledge_at_once(f); }
    void on_open(net::connection_info& c) override { target->on_open(c); }
    void on_tls_failure(const net::connection_info& c) override { target->on_tls_failure(c); }
  } forward;
  net::server server(network_loops, forward, budget, limits);
  std::shared_ptr<net::tls_context_holder> tls;
  auto specs = listener_specs(config, tls);
  std::map<std::string, broker::advertised_endpoint> advertised_by_listener;
  std::map<std::string, broker::advertised_endpoint> advertised_explicit;
  if (!config.advertised_listeners.empty()) {
    const auto parsed = net::parse_listener_list(config.advertised_listeners, nullptr);
    for (const auto& a : *parsed) advertised_explicit[a.name] = broker::advertised_endpoint{a.host, a.port};
  }
  if (!config.advertised_addr.empty()) {
    auto hp = split_host_port(config.advertised_addr);
    advertised_explicit["PLAINTEXT"] = broker::advertised_endpoint{hp.host, hp.port};
  }
  std::string listening_line;  // "NAME=host:port,..."
  net::tcp::endpoint kafka_ep;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const auto& spec = specs[i];
    net::tcp::endpoint ep;
    try {
      ep = server.listen(spec);
    } catch (const std::exception& e) {
      throw std::runtime_error("cannot listen on " + spec.name + "://" + spec.host + ":" + std::to_string(spec.port) +
                               ": " + e.what());
    }
    if (i == 0) kafka_ep = ep;
    broker::advertised_endpoint adv;
    if (auto it = advertised_explicit.find(spec.name); it != advertised_explicit.end()) {
      adv = it->second;
      if (adv.port == 0) adv.port = ep.port();
      if (adv.host.empty()) adv.host = ep.address().is_unspecified() ? "127.0.0.1" : ep.address().to_string();
    } else {
      adv.host = ep.address().is_unspecified() ? "127.0.0.1" : ep.address().to_string();
      adv.port = ep.port();
      if (ep.address().is_unspecified())
        spdlog::warn("listener {} on all interfaces without an advertised address: clients are told 127.0.0.1",
                     spec.name);
    }
    advertised_by_listener[spec.name] = adv;
    if (i == 0) advertised = adv;
    listening_line += (i ? "," : "") + spec.name + "=" + to_string(ep);
  }
  core = std::make_unique<broker::broker_core>(config, storage_loops, **logs, flusher, topics, advertised);
  core->advertised_by_listener = std::move(advertised_by_listener);
  core->security = &security.shared;
  core->groups = groups->get();
  // Transaction coordinator: on the group coordinator's shard (txn/coordinator.h); restores from its own log
  // before anything listens. Producer ids come from the core's source, shared with idempotent producers.
  txn::txn_config tcfg;
  tcfg.max_timeout_ms = config.transaction_max_timeout_ms;
  tcfg.id_expiration_ms = config.transactional_id_expiration_ms;
  tcfg.abort_check_interval_ms = config.transaction_abort_check_interval_ms;
  if (const char* at = std::getenv("STREAMDOWN_FAULT_TXN_KILL_AT")) {
    tcfg.fault_kill_at = at;
    spdlog::warn("fault injection is ON: the broker exits when a transaction's completion reaches '{}' (tests only)", at);
  }
  auto transactions = txn::coordinator::open(
      tcfg, *fs, config.data_dir, flusher, **groups, [&c = *core]() { return c.producer_ids.next(); },
      (*logs)->opened_after_clean_shutdown());
  if (!transactions)
    throw std::runtime_error("cannot restore transactions: " + transactions.error().message());
  core->transactions = transactions->get();
  broker::txn_partitions txn_gateway(*core);
  dispatcher = std::make_unique<broker::dispatcher>(*core);
  forward.target = dispatcher.get();

  // /metrics: one section per module probe, then consumer lag and alerts (app/observability.h). The
  // error_rate alert rules count every error the broker answered with.
  metrics::exposition exposition;
  add_module_sections(exposition,
                      metric_sources{server.probe(), budget, *core, **logs, groups->get(), transactions->get()});
  exposition.add_section([&sec = security.shared](metrics::text_writer& w) { sec.probe.collect(w); });
  // Log compaction (broker/log_cleaner.h) for topics with cleanup.policy=compact.
  broker::log_cleaner_config ccfg;
  ccfg.enable = config.log_cleaner_enable;
  ccfg.threads = config.log_cleaner_threads;
  ccfg.backoff_ms = config.log_cleaner_backoff_ms;
  ccfg.io_max_bytes_per_second = config.log_cleaner_io_max_bytes_per_second;
  ccfg.dedupe_buffer_size = config.log_cleaner_dedupe_buffer_size;
  if (const char* at = std::getenv("STREAMDOWN_FAULT_CLEANER_KILL_AT")) {
    const std::string step = at;
    ccfg.step_hook = [step](std::string_view done) {
      if (done == step) std::_Exit(137);
    };
    spdlog::warn("fault injection is ON: the broker exits when a cleaned segment's swap reaches '{}' (tests only)", step);
  }
  broker::log_cleaner cleaner(storage_loops, topics, *fs, std::move(ccfg));
  // The coordinators' logs are compacted logs on storage loop 0 (group/offset_log.h).
  cleaner.add_internal_log(group::offsets_log_dir, (*groups)->log().log(), 0);
  cleaner.add_internal_log(txn::transaction_log_dir, (*transactions)->log(), 0);
  exposition.add_section([&cleaner](metrics::text_writer& w) { cleaner.collect(w); });
  observability_config ocfg;
  ocfg.data_dir = config.data_dir;
  ocfg.rules = std::move(alert_rules);
  ocfg.eval_interval = std::chrono::milliseconds(config.alerts_eval_interval_ms);
  ocfg.errors_total = [&core = *core] { return core.probe.errors_total(); };
  observability obs(**groups, topics, storage_loops, std::move(ocfg));
  obs.add_metric_sections(exposition);
  // GET /v1/history: per-second samples for the console (app/history_routes.h).
  history_config hcfg;
  hcfg.capacity = static_cast<std::size_t>(config.history_seconds);
  hcfg.max_series = static_cast<std::size_t>(config.history_max_series);
  history_store history(hcfg);
  topic_rates produce_rates;
  history_recorder history_sampler(history, [sources = history_sources{topics, server.probe(), budget, config.data_dir,
                                                                        &obs.lag(), &core->probe, &produce_rates}] {
    return gather_broker_history(sources);
  });
  exposition.add_section([&history](metrics::text_writer& w) { history.collect(w); });

  http::http_limits http_limits;
  http_limits.request_timeout = std::chrono::milliseconds(config.http_request_timeout_ms);
  http_limits.max_connections = static_cast<int>(config.http_max_connections);
  http_access access(&security.shared);
  gateway::gateway_config stream_cfg;
  stream_cfg.max_sessions = static_cast<std::size_t>(config.http_stream_max_sessions);
  stream_cfg.idle_timeout = std::chrono::milliseconds(config.http_stream_idle_timeout_ms);
  stream_cfg.write_timeout = std::chrono::milliseconds(config.http_stream_write_timeout_ms);
  stream_cfg.inflight_bytes = static_cast<std::size_t>(
      std::min<std::int64_t>(config.http_stream_inflight_bytes, config.memory_budget_bytes / 4));
  stream_cfg.ws_max_message_bytes = static_cast<std::size_t>(config.http_ws_max_message_bytes);
  stream_cfg.max_body_bytes = http_limits.body_bytes;
  stream_cfg.auto_create_topics = config.auto_create_topics;
  gateway::gateway data_plane(
      *core, budget, stream_cfg,
      [&access](const http::request& req, security::resource_type t, std::string_view n, security::acl_operation op) {
        return access.allowed(req, t, n, op);
      },
      [&access](const http::request& req, security::resource_type t, std::string_view n, security::acl_operation op) {
        return access.may(req, t, n, op);
      });
  // Declared after the gateway and the access rules so it is destroyed first: streaming sessions still
  // suspended at shutdown are destroyed with its event loop, and they refer to both.
  http::http_server http(http_limits);
  register_http_routes(http, *core, exposition, access, config.http_metrics_require_auth, &produce_rates);
  data_plane.register_routes(http);
  exposition.add_section([&data_plane, &http](metrics::text_writer& w) {
    data_plane.collect(w);
    w.family("streamdown_http_connections", metrics::metric_type::gauge, "open HTTP connections");
    w.sample(static_cast<double>(http.open_connections()));
    w.family("streamdown_http_connections_evicted_total", metrics::metric_type::counter,
             "idle HTTP connections closed to admit new ones at streamdown.http.max.connections");
    w.sample(static_cast<double>(http.evicted_connections()));
  });
  obs.register_routes(http, access, stall_sources{&core->fetchers, &history});
  register_history_routes(http, history, access);
  // The web console at / (console/console_routes.h); STREAMDOWN_CONSOLE_DIR serves it from a directory instead.
  console::console_options console_opts;
  if (const char* dir = std::getenv("STREAMDOWN_CONSOLE_DIR")) console_opts.dev_dir = dir;
  console::register_console_routes(http, console_opts);
  if (config.http_authentication_required || config.http_metrics_require_auth) {
    // Open without credentials: the probes always; /metrics unless metrics.require.auth; every other route
    // unless authentication.required (metrics.require.auth alone guards only /metrics).
    const bool metrics_open = !config.http_metrics_require_auth;
    const bool routes_open = !config.http_authentication_required;
    http.set_authentication(http::auth_hooks{
        [metrics_open, routes_open](const std::string& path) {
          if (path == "/v1/health" || path == "/v1/ready") return true;
          if (path == "/metrics") return metrics_open;
          return routes_open;
        },
        [&access](const http::request& req) { return access.authenticate(req); }});
  }
  std::shared_ptr<net::tls_context_holder> http_tls;
  if (!config.http_ssl_certificate_location.empty()) {
    net::tls_settings ts;
    ts.certificate_file = config.http_ssl_certificate_location;
    ts.key_file = config.http_ssl_key_location;
    ts.ca_file = config.http_ssl_ca_location;
    ts.auth = config.http_ssl_client_auth == "required"    ? net::client_auth::required
              : config.http_ssl_client_auth == "requested" ? net::client_auth::requested
                                                           : net::client_auth::none;
    try {
      http_tls = std::make_shared<net::tls_context_holder>(std::move(ts));
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("HTTP TLS (streamdown.http.ssl.*): ") + e.what());
    }
  }
  auto http_hp = split_host_port(config.http_addr);
  net::tcp::endpoint http_ep;
  try {
    http_ep = http.listen(http_hp.host, http_hp.port, http_tls);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot listen on " + config.http_addr + ": " + e.what());
  }

  storage_loops.start();
  network_loops.start();
  start_retention_timers(storage_loops, topics, config.log_retention_check_interval_ms);
  cleaner.start();
  (*groups)->start();
  (*transactions)->start(txn_gateway);
  obs.start();
  if (hcfg.capacity > 0) history_sampler.start();
  server.start_accepting();
  http.start();
  std::cout << "listening kafka=" << to_string(kafka_ep) << " http=" << to_string(http_ep)
            << " listeners=" << listening_line << std::endl;
  spdlog::info("streamdown broker node {} up: Kafka API on {} (advertised {}:{}), HTTP on {}, {} network and {} storage loop(s)",
               config.node_id, listening_line, advertised.host, advertised.port, to_string(http_ep), shard_count, shard_count);

  std::vector<net::tls_context_holder*> reloadable;
  if (tls) reloadable.push_back(tls.get());
  if (http_tls) reloadable.push_back(http_tls.get());
  int sig = wait_for_termination(signals, reloadable, security.shared,
                                 std::chrono::milliseconds(config.tls_reload_check_interval_ms));
  spdlog::info("received {}, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");

  http.stop();
  history_sampler.stop();  // before the storage loops stop: its lag report hops onto them
  obs.stop();
  server.shutdown(std::chrono::milliseconds(config.shutdown_grace_ms));
  network_loops.stop();
  cleaner.stop();  // waits for a pass in progress; its install step then finds the loops still running
  storage_loops.stop();
  // Delayed topics keep their due times across a clean restart (no shard runs any more: nothing appends).
  const auto final_topics = topics.snapshot();  // named: the loop must not walk a temporary's map
  for (const auto& [name, t] : *final_topics)
    for (const auto& p : t->partitions)
      if (auto st = p->save_delivery_schedule(); !st)
        spdlog::warn("{}-{}: saving the delivery schedule failed: {}", name, p->id, st.error().message());
  if (auto st = (*transactions)->close(); !st)
    spdlog::error("closing the transaction log failed: {}", st.error().message());
  if (auto st = (*groups)->close(); !st) spdlog::error("closing the offsets log failed: {}", st.error().message());
  if (auto st = (*logs)->close(); !st) {
    spdlog::error("closing the logs failed: {}", st.error().message());
    return 1;
  }
  spdlog::info("shutdown complete");
  return 0;
}

}  // namespace sd::app
