// `streamdown topic create|list|describe|delete|alter`.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "client/admin.h"
#include "client/command_parts.h"
#include "client/settings.h"

namespace sd::client {

namespace {

struct topic_flags {
  connection_options conn;
  std::string name;
  int partitions = -1;
  int replication_factor = 1;
  std::vector<std::string> configs;
  std::string retention;  // duration or -1
  bool json = false;
  bool all_configs = false;
};

void apply_retention(const topic_flags& f, std::map<std::string, std::string>& configs) {
  if (f.retention.empty()) return;
  if (f.retention == "-1") {
    configs["retention.ms"] = "-1";
    return;
  }
  auto d = parse_duration(f.retention);
  if (!d) throw usage_error("--retention '" + f.retention + "': " + d.error().message() + " (or -1 for forever)");
  configs["retention.ms"] = std::to_string(d->count());
}

int run_create(const topic_flags& f) {
  auto configs = parse_settings(f.configs, "--config");
  apply_retention(f, configs);
  if (f.partitions == 0 || f.partitions < -1) throw usage_error("--partitions must be at least 1");
  admin_client admin(f.conn);
  admin.create_topic(f.name, f.partitions, f.replication_factor, configs);
  std::cout << "created topic " << f.name << "\n";
  return 0;
}

int run_list(const topic_flags& f) {
  admin_client admin(f.conn);
  auto topics = admin.list_topics();
  if (f.json) {
    auto arr = nlohmann::json::array();
    for (const auto& t : topics) arr.push_back({{"name", t.name}, {"partitions", t.partitions.size()}});
    std::cout << arr.dump() << "\n";
  } else {
    for (const auto& t : topics) std::cout << t.name << "\t" << t.partitions.size() << "\n";
  }
  return 0;
}

int run_describe(const topic_flags& f) {
  admin_client admin(f.conn);
  auto t = admin.require_topic(f.name);
  auto configs = admin.describe_topic_configs(f.name);
  nlohmann::json doc{{"name", t.name}};
  auto parts = nlohmann::json::array();
  for (const auto& p : t.partitions) {
    auto w = admin.query_watermarks(t.name, p.id);
    nlohmann::json j{{"partition", p.id}, {"leader", p.leader}, {"start_offset", w.low}, {"end_offset", w.high}};
    if (!p.error.empty()) j["error"] = p.error;
    parts.push_back(std::move(j));
  }
  doc["partitions"] = parts;
  auto cfg = nlohmann::json::object();
  for (const auto& c : configs) {
    if (!f.all_configs && c.is_default) continue;
    cfg[c.name] = {{"value", c.value ? nlohmann::json(*c.value) : nlohmann::json(nullptr)}, {"source", c.source}};
  }
  doc["configs"] = cfg;
  if (f.json) {
    std::cout << doc.dump() << "\n";
    return 0;
  }
  std::cout << "topic " << t.name << "  partitions " << t.partitions.size() << "\n";
  std::cout << "PARTITION\tLEADER\tSTART\tEND\n";
  for (const auto& p : doc["partitions"])
    std::cout << p["partition"] << "\t" << p["leader"] << "\t" << p["start_offset"] << "\t" << p["end_offset"]
              << "\n";
  std::cout << (f.all_configs ? "configs:\n" : "configs (non-default; --all-configs for every one):\n");
  for (const auto& c : configs) {
    if (!f.all_configs && c.is_default) continue;
    std::cout << "  " << c.name << "=" << (c.sensitive ? "(sensitive)" : c.value.value_or("(null)")) << "  ["
              << c.source << "]\n";
  }
  return 0;
}

int run_delete(const topic_flags& f) {
  admin_client admin(f.conn);
  admin.require_topic(f.name);
  admin.delete_topic(f.name);
  std::cout << "deleted topic " << f.name << "\n";
  return 0;
}

int run_alter(const topic_flags& f) {
  auto configs = parse_settings(f.configs, "--config");
  apply_retention(f, configs);
  if (f.partitions == -1 && configs.empty())
    throw usage_error("nothing to change: give --partitions, --retention or --config");
  admin_client admin(f.conn);
  auto t = admin.require_topic(f.name);
  if (f.partitions != -1) {
    if (f.partitions <= static_cast<int>(t.partitions.size()))
      throw usage_error("--partitions " + std::to_string(f.partitions) + ": topic '" + f.name + "' already has " +
                        std::to_string(t.partitions.size()) + " (partitions can only be added)");
    admin.create_partitions(f.name, f.partitions);
  }
  if (!configs.empty()) admin.alter_topic_configs(f.name, configs);
  std::cout << "altered topic " << f.name << "\n";
  return 0;
}

}  // namespace

void add_topic_command(CLI::App& app) {
  auto f = std::make_shared<topic_flags>();
  auto* topic = app.add_subcommand("topic", "create, list, describe, alter and delete topics");
  topic->require_subcommand(1);

  auto* create = topic->add_subcommand("create", "create a topic");
  create->add_option("name", f->name, "topic name")->required();
  create->add_option("--partitions", f->partitions, "partition count (default: the broker's num.partitions)");
  create->add_option("--replication-factor", f->replication_factor, "replication factor (default 1)");
  create->add_option("-c,--config", f->configs, "topic config key=value (repeatable)");
  create->add_option("--retention", f->retention, "retention.ms as a duration (e.g. 7d), or -1");
  add_connection_flags(create, f->conn);
  create->callback([f] { run_command("topic create", [&] { return run_create(*f); }); });

  auto* list = topic->add_subcommand("list", "list topics and their partition counts");
  list->add_flag("--json", f->json, "JSON output");
  add_connection_flags(list, f->conn);
  list->callback([f] { run_command("topic list", [&] { return run_list(*f); }); });

  auto* describe = topic->add_subcommand("describe", "partitions, offsets and configs of a topic");
  describe->add_option("name", f->name, "topic name")->required();
  describe->add_flag("--json", f->json, "JSON output");
  describe->add_flag("--all-configs", f->all_configs, "include configs left at their defaults");
  add_connection_flags(describe, f->conn);
  describe->callback([f] { run_command("topic describe", [&] { return run_describe(*f); }); });

  auto* del = topic->add_subcommand("delete", "delete a topic and its data");
  del->add_option("name", f->name, "topic name")->required();
  add_connection_flags(del, f->conn);
  del->callback([f] { run_command("topic delete", [&] { return run_delete(*f); }); });

  auto* alter = topic->add_subcommand("alter", "add partitions or change configs");
  alter->add_option("name", f->name, "topic name")->required();
  alter->add_option("--partitions", f->partitions, "new total partition count (only grows)");
  alter->add_option("-c,--config", f->configs, "topic config key=value (repeatable)");
  alter->add_option("--retention", f->retention, "retention.ms as a duration, or -1");
  add_connection_flags(alter, f->conn);
  alter->callback([f] { run_command("topic alter", [&] { return run_alter(*f); }); });
}

}  // namespace sd::client
