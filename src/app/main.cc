// streamdown: one binary, subcommands. Only this module wires the others together.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "app/broker_app.h"
#include "alerts/rule.h"
#include "app/config_loader.h"
#include "app/relay_command.h"
#include "benchtool/command.h"
#include "broker/broker_config.h"
#include "client/commands.h"
#include "spool/command.h"

namespace {

struct broker_flags {
  std::string config_file;
  std::string data_dir;
  std::string kafka_addr;
  std::string advertised_addr;
  std::string http_addr;
  std::string node_id;
  std::vector<std::string> sets;
};

void add_broker_command(CLI::App& app, broker_flags& f) {
  auto* cmd = app.add_subcommand("broker", "run the Kafka-API broker");
  cmd->add_option("--config", f.config_file, "TOML config file (Kafka key names)");
  cmd->add_option("--data-dir", f.data_dir, "data directory (log.dirs; default ./data)");
  cmd->add_option("--kafka-addr", f.kafka_addr, "Kafka API listen address HOST:PORT (default 127.0.0.1:9092; port 0 picks one)");
  cmd->add_option("--advertised-addr", f.advertised_addr, "address clients are told to use (default: the bound one)");
  cmd->add_option("--http-addr", f.http_addr, "HTTP listen address HOST:PORT (default 127.0.0.1:9644)");
  cmd->add_option("--node-id", f.node_id, "node id (default 0)");
  cmd->add_option("--set", f.sets, "KEY=VALUE for any config key (repeatable)")->take_all();
}

int run_broker_command(const broker_flags& f) {
  std::map<std::string, std::string> values;
  if (!f.config_file.empty()) values = sd::app::load_toml_file(f.config_file);
  sd::app::apply_overrides(values, f.sets);
  if (!f.data_dir.empty()) values["log.dirs"] = f.data_dir;
  if (!f.kafka_addr.empty()) values["streamdown.kafka.addr"] = f.kafka_addr;
  if (!f.advertised_addr.empty()) values["streamdown.advertised.addr"] = f.advertised_addr;
  if (!f.http_addr.empty()) values["streamdown.http.addr"] = f.http_addr;
  if (!f.node_id.empty()) values["node.id"] = f.node_id;
  std::string error;
  auto alert_keys = sd::alerts::take_alert_keys(values);  // [[alert]] tables: alert.<index>.<field>
  auto rules = sd::alerts::parse_alert_rules(alert_keys, error);
  if (!rules) {
    std::cerr << "streamdown broker: " << error << "\n";
    return 2;
  }
  for (std::size_t i = 0; i < rules->size(); ++i) {
    if (sd::alerts::is_relay_kind((*rules)[i].kind)) {
      std::cerr << "streamdown broker: config key 'alert." << i << ".kind': "
                << sd::alerts::kind_name((*rules)[i].kind) << " is a relay alert (streamdown relay)\n";
      return 2;
    }
  }
  auto config = sd::broker::broker_config::from(values, error);
  if (!config) {
    std::cerr << "streamdown broker: " << error << "\n";
    return 2;
  }
  return sd::app::run_broker(*config, std::move(*rules));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"streamdown: ordered, back-pressured, durable streaming over the Kafka wire protocol"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "streamdown 0.1.0");
  broker_flags bf;
  add_broker_command(app, bf);
  sd::client::add_commands(app);  // topic, group, produce, consume: run as parse callbacks
  sd::benchtool::add_command(app);
  sd::app::add_relay_command(app);  // relay: runs from its parse callback
  sd::spool::add_command(app);      // spool inspect | verify
  CLI11_PARSE(app, argc, argv);
  try {
    if (app.got_subcommand("broker")) return run_broker_command(bf);
  } catch (const std::exception& e) {
    std::cerr << "streamdown: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
