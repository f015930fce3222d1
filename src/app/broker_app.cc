#include "app/broker_app.h"

#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <thread>

#include "app/http_routes.h"
#include "app/metrics_sections.h"
#include "app/observability.h"
#include "base/clock.h"
#include "broker/broker_core.h"
#include "broker/dispatcher.h"
#include "broker/metadata_store.h"
#include "broker/topic_table.h"
#include "group/coordinator.h"
#include "http/http_server.h"
#include "io/faulty_filesystem.h"
#include "io/filesystem.h"
#include "metrics/exposition.h"
#include "net/memory_budget.h"
#include "net/server.h"
#include "net/shard_set.h"
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

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("streamdown");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %v");
  spdlog::set_level(spdlog::level::from_str(level));
}

/// Blocks until SIGTERM or SIGINT. The signals are blocked in every thread (set before threads start) and
/// taken here with sigwait, so no handler runs on an arbitrary thread.
int wait_for_termination(const sigset_t& set) {
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
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
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  // File layer. Fault injection is a test facility: it is only on when a STREAMDOWN_FAULT_* variable is set.
  io::filesystem* fs = &io::filesystem_from_env();
  if (fs != &io::posix_filesystem()) spdlog::warn("fault injection is ON (STREAMDOWN_FAULT_* is set): for tests only");

  // Storage: lock and recover before anything listens.
  auto defaults = broker::effective_log_config(config, {});
  auto started = std::chrono::steady_clock::now();
  auto logs = storage::log_manager::open(config.data_dir, *fs, defaults);
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
  net::shard_set network_loops(shard_count);
  net::shard_set storage_loops(shard_count);
  broker::topic_table topics(config, storage_loops, **logs, store, std::move(*metadata));
  if (auto st = topics.load_existing(); !st)
    throw std::runtime_error("cannot load topics: " + st.error().message());
  storage::flusher& flusher = (*logs)->flusher();
  auto recovered_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  spdlog::info("data directory {} ready: {} topic(s), recovered in {} ms", config.data_dir, topics.snapshot()->size(),
               recovered_ms.count());

  // Group coordinator: all groups on storage loop 0 (group/coordinator.h); restores offsets and groups from its log.
  group::coordinator_config gcfg;
  gcfg.initial_rebalance_delay_ms = config.group_initial_rebalance_delay_ms;
  gcfg.min_session_timeout_ms = config.group_min_session_timeout_ms;
  gcfg.max_session_timeout_ms = config.group_max_session_timeout_ms;
  gcfg.offsets_retention_ms = config.offsets_retention_minutes * 60 * 1000;
  auto groups = group::coordinator::open(gcfg, *fs, config.data_dir, flusher, storage_loops.executor(0),
                                         (*logs)->opened_after_clean_shutdown());
  if (!groups) throw std::runtime_error("cannot restore consumer groups: " + groups.error().message());

  // Network.
  auto kafka_hp = split_host_port(config.kafka_addr);
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
  } forward;
  net::server server(network_loops, forward, budget, limits);
  net::tcp::endpoint kafka_ep;
  try {
    kafka_ep = server.listen(kafka_hp.host, kafka_hp.port);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot listen on " + config.kafka_addr + ": " + e.what());
  }
  if (!config.advertised_addr.empty()) {
    auto hp = split_host_port(config.advertised_addr);
    advertised.host = hp.host;
    advertised.port = hp.port == 0 ? kafka_ep.port() : hp.port;
  } else {
    advertised.host = kafka_ep.address().is_unspecified() ? "127.0.0.1" : kafka_ep.address().to_string();
    advertised.port = kafka_ep.port();
    if (kafka_ep.address().is_unspecified())
      spdlog::warn("listening on all interfaces without --advertised-addr: clients are told 127.0.0.1");
  }
  core = std::make_unique<broker::broker_core>(config, storage_loops, **logs, flusher, topics, advertised);
  core->groups = groups->get();
  dispatcher = std::make_unique<broker::dispatcher>(*core);
  forward.target = dispatcher.get();

  // /metrics: one section per module probe, then consumer lag and alerts (app/observability.h). The
  // error_rate alert rules count every error the broker answered with.
  metrics::exposition exposition;
  add_module_sections(exposition, metric_sources{server.probe(), budget, *core, **logs, groups->get()});
  observability_config ocfg;
  ocfg.data_dir = config.data_dir;
  ocfg.rules = std::move(alert_rules);
  ocfg.eval_interval = std::chrono::milliseconds(config.alerts_eval_interval_ms);
  ocfg.errors_total = [&core = *core] { return core.probe.errors_total(); };
  observability obs(**groups, topics, storage_loops, std::move(ocfg));
  obs.add_metric_sections(exposition);

  http::http_limits http_limits;
  http_limits.request_timeout = std::chrono::milliseconds(config.http_request_timeout_ms);
  http::http_server http(http_limits);
  register_http_routes(http, *core, exposition);
  obs.register_routes(http);
  auto http_hp = split_host_port(config.http_addr);
  net::tcp::endpoint http_ep;
  try {
    http_ep = http.listen(http_hp.host, http_hp.port);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot listen on " + config.http_addr + ": " + e.what());
  }

  storage_loops.start();
  network_loops.start();
  start_retention_timers(storage_loops, topics, config.log_retention_check_interval_ms);
  (*groups)->start();
  obs.start();
  server.start_accepting();
  http.start();
  std::cout << "listening kafka=" << to_string(kafka_ep) << " http=" << to_string(http_ep) << std::endl;
  spdlog::info("streamdown broker node {} up: Kafka API on {} (advertised {}:{}), HTTP on {}, {} network and {} storage loop(s)",
               config.node_id, to_string(kafka_ep), advertised.host, advertised.port, to_string(http_ep), shard_count, shard_count);

  int sig = wait_for_termination(signals);
  spdlog::info("received {}, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");

  http.stop();
  obs.stop();
  server.shutdown(std::chrono::milliseconds(config.shutdown_grace_ms));
  network_loops.stop();
  storage_loops.stop();
  if (auto st = (*groups)->close(); !st) spdlog::error("closing the offsets log failed: {}", st.error().message());
  if (auto st = (*logs)->close(); !st) {
    spdlog::error("closing the logs failed: {}", st.error().message());
    return 1;
  }
  spdlog::info("shutdown complete");
  return 0;
}

}  // namespace sd::app
