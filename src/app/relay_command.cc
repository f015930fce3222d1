#include "app/relay_command.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/config_loader.h"
#include "relay/relay.h"

namespace sd::app {
namespace {

struct relay_flags {
  std::string config_file;
  std::vector<std::string> sets;
};

int run_relay(const relay_flags& f) {
  std::map<std::string, std::string> values;
  try {
    if (!f.config_file.empty()) values = load_toml_file(f.config_file);
    apply_overrides(values, f.sets);
  } catch (const std::exception& e) {
    std::cerr << "streamdown relay: " << e.what() << "\n";
    return 2;
  }
  std::string error;
  auto config = relay::parse_relay_config(std::move(values), error);
  if (!config) {
    std::cerr << "streamdown relay: " << error << "\n";
    return 2;
  }
  // Termination signals are blocked in every thread (before any starts) and taken here with sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  relay::relay r(std::move(*config));
  try {
    r.start();
  } catch (const std::invalid_argument& e) {  // a configuration the relay refuses (alert rules)
    std::cerr << "streamdown relay: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "streamdown relay: " << e.what() << "\n";
    return 1;
  }
  std::string line = "relay ready http=" + r.http_address();
  for (const auto& [name, addr] : r.source_addresses()) line += " " + name + "=" + addr;
  std::cout << line << std::endl;
  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("relay: signal {}, stopping", sig);
  r.stop();
  return 0;
}

}  // namespace

void add_relay_command(CLI::App& app) {
  auto flags = std::make_shared<relay_flags>();
  auto* cmd = app.add_subcommand("relay", "run the edge relay: sources -> disk spool -> upstream Kafka-API cluster");
  cmd->add_option("--config", flags->config_file, "TOML config file (docs/RELAY.md)");
  cmd->add_option("--set", flags->sets, "KEY=VALUE for any config key (repeatable)")->take_all();
  cmd->callback([flags] {
    const int code = run_relay(*flags);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace sd::app
