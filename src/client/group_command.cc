// `streamdown group list|describe|reset-offsets|delete`.
#include <algorithm>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "client/admin.h"
#include "client/command_parts.h"

namespace sd::client {

namespace {

struct group_flags {
  connection_options conn;
  std::string group;
  std::vector<std::string> groups;
  bool json = false;
  std::string topic;
  std::vector<std::int32_t> partitions;
  bool to_earliest = false;
  bool to_latest = false;
  std::int64_t to_offset = -1;
  std::int64_t to_timestamp = -1;
  bool dry_run = false;
};

int run_list(const group_flags& f) {
  admin_client admin(f.conn);
  auto groups = admin.list_groups();
  if (f.json) {
    auto arr = nlohmann::json::array();
    for (const auto& g : groups) arr.push_back({{"group", g.group_id}, {"state", g.state}, {"simple", g.simple}});
    std::cout << arr.dump() << "\n";
  } else {
    for (const auto& g : groups) std::cout << g.group_id << "\t" << g.state << "\n";
  }
  return 0;
}

// Lag of one partition as one integer: end - committed (never negative); with no commit, every record
// still in the log (end - start) is unconsumed.
std::int64_t lag_of(std::optional<std::int64_t> committed, const watermarks& w) {
  if (committed) return std::max<std::int64_t>(0, w.high - *committed);
  return std::max<std::int64_t>(0, w.high - std::max<std::int64_t>(w.low, 0));
}

int run_describe(const group_flags& f) {
  admin_client admin(f.conn);
  auto d = admin.describe_group(f.group);
  auto committed = admin.group_offsets(f.group);
  if (d.state == "Dead" && committed.empty() && d.members.empty())
    throw tool_error("group '" + f.group + "' does not exist");

  std::map<topic_partition, std::string> owner;
  std::set<std::string> topics;
  for (const auto& m : d.members)
    for (const auto& tp : m.assignment) {
      owner[tp] = m.member_id;
      topics.insert(tp.first);
    }
  for (const auto& [tp, off] : committed) topics.insert(tp.first);
  std::set<topic_partition> parts;
  for (const auto& t : topics) {
    auto info = admin.find_topic(t);
    if (!info) continue;
    for (const auto& p : info->partitions) parts.insert({t, p.id});
  }
  for (const auto& [tp, off] : committed) parts.insert(tp);

  nlohmann::json doc{{"group", d.group_id}, {"state", d.state}, {"assignor", d.assignor}};
  auto members = nlohmann::json::array();
  for (const auto& m : d.members) {
    auto assignment = nlohmann::json::array();
    for (const auto& tp : m.assignment) assignment.push_back({{"topic", tp.first}, {"partition", tp.second}});
    members.push_back({{"member_id", m.member_id},
                       {"client_id", m.client_id},
                       {"host", m.host},
                       {"group_instance_id", m.group_instance_id ? nlohmann::json(*m.group_instance_id) : nlohmann::json()},
                       {"assignment", assignment}});
  }
  doc["members"] = members;
  auto rows = nlohmann::json::array();
  std::int64_t total = 0;
  for (const auto& tp : parts) {
    auto w = admin.query_watermarks(tp.first, tp.second);
    std::optional<std::int64_t> c;
    if (auto it = committed.find(tp); it != committed.end()) c = it->second;
    const auto lag = lag_of(c, w);
    total += lag;
    auto it = owner.find(tp);
    rows.push_back({{"topic", tp.first},
                    {"partition", tp.second},
                    {"committed_offset", c ? nlohmann::json(*c) : nlohmann::json()},
                    {"end_offset", w.high},
                    {"lag", lag},
                    {"member_id", it == owner.end() ? nlohmann::json() : nlohmann::json(it->second)}});
  }
  doc["partitions"] = rows;
  doc["total_lag"] = total;
  if (f.json) {
    std::cout << doc.dump() << "\n";
    return 0;
  }
  std::cout << "group " << d.group_id << "  state " << d.state << "  assignor "
            << (d.assignor.empty() ? "-" : d.assignor) << "  members " << d.members.size() << "\n";
  if (!d.members.empty()) {
    std::cout << "MEMBER\tCLIENT\tHOST\tASSIGNMENT\n";
    for (const auto& m : d.members) {
      std::cout << m.member_id << "\t" << m.client_id << "\t" << m.host << "\t";
      for (std::size_t i = 0; i < m.assignment.size(); ++i)
        std::cout << (i ? "," : "") << m.assignment[i].first << "/" << m.assignment[i].second;
      std::cout << "\n";
    }
  }
  std::cout << "TOPIC\tPARTITION\tCOMMITTED\tEND\tLAG\tMEMBER\n";
  for (const auto& r : rows) {
    std::cout << r["topic"].get<std::string>() << "\t" << r["partition"] << "\t"
              << (r["committed_offset"].is_null() ? "-" : r["committed_offset"].dump()) << "\t" << r["end_offset"]
              << "\t" << r["lag"] << "\t"
              << (r["member_id"].is_null() ? "-" : r["member_id"].get<std::string>()) << "\n";
  }
  std::cout << "total lag " << total << "\n";
  return 0;
}

int run_reset(const group_flags& f) {
  const int modes = int(f.to_earliest) + int(f.to_latest) + int(f.to_offset >= 0) + int(f.to_timestamp >= 0);
  if (modes != 1)
    throw usage_error("give exactly one of --to-earliest, --to-latest, --to-offset N, --to-timestamp MS");
  admin_client admin(f.conn);
  auto t = admin.require_topic(f.topic);
  std::vector<std::int32_t> parts = f.partitions;
  if (parts.empty())
    for (const auto& p : t.partitions) parts.push_back(p.id);
  for (auto p : parts) {
    if (p < 0 || p >= static_cast<std::int32_t>(t.partitions.size()))
      throw usage_error("topic '" + f.topic + "' has no partition " + std::to_string(p));
  }
  std::map<std::int32_t, std::int64_t> by_time;
  if (f.to_timestamp >= 0) by_time = admin.offsets_for_time(f.topic, parts, f.to_timestamp);
  std::map<topic_partition, std::int64_t> target;
  for (auto p : parts) {
    auto w = admin.query_watermarks(f.topic, p);
    std::int64_t off = 0;
    if (f.to_earliest) off = w.low;
    else if (f.to_latest) off = w.high;
    else if (f.to_offset >= 0) off = std::clamp(f.to_offset, w.low, w.high);
    else off = by_time[p] < 0 ? w.high : by_time[p];
    target[{f.topic, p}] = off;
  }
  if (!f.dry_run) admin.alter_group_offsets(f.group, target);
  for (const auto& [tp, off] : target)
    std::cout << (f.dry_run ? "would set " : "set ") << tp.first << "/" << tp.second << " to " << off << "\n";
  return 0;
}

int run_delete(const group_flags& f) {
  admin_client admin(f.conn);
  for (const auto& g : f.groups) {
    admin.delete_group(g);
    std::cout << "deleted group " << g << "\n";
  }
  return 0;
}

}  // namespace

void add_group_command(CLI::App& app) {
  auto f = std::make_shared<group_flags>();
  auto* group = app.add_subcommand("group", "list, describe, reset and delete consumer groups");
  group->require_subcommand(1);

  auto* list = group->add_subcommand("list", "list consumer groups and their states");
  list->add_flag("--json", f->json, "JSON output");
  add_connection_flags(list, f->conn);
  list->callback([f] { run_command("group list", [&] { return run_list(*f); }); });

  auto* describe = group->add_subcommand(
      "describe", "members, assignment, committed offset, end offset and lag per partition");
  describe->add_option("group", f->group, "group id")->required();
  describe->add_flag("--json", f->json, "JSON output (one integer \"lag\" per partition, \"total_lag\" for the group)");
  add_connection_flags(describe, f->conn);
  describe->callback([f] { run_command("group describe", [&] { return run_describe(*f); }); });

  auto* reset = group->add_subcommand("reset-offsets", "set a group's committed offsets (the group must be empty)");
  reset->add_option("group", f->group, "group id")->required();
  reset->add_option("-t,--topic", f->topic, "topic")->required();
  reset->add_option("-p,--partition", f->partitions, "partition (repeatable; default all)");
  reset->add_flag("--to-earliest", f->to_earliest, "the first offset still in the log");
  reset->add_flag("--to-latest", f->to_latest, "the end of the log");
  reset->add_option("--to-offset", f->to_offset, "this offset (clamped to the log's range)");
  reset->add_option("--to-timestamp", f->to_timestamp, "the first record at or after this time (ms since epoch)");
  reset->add_flag("--dry-run", f->dry_run, "print the new offsets without changing them");
  add_connection_flags(reset, f->conn);
  reset->callback([f] { run_command("group reset-offsets", [&] { return run_reset(*f); }); });

  auto* del = group->add_subcommand("delete", "delete groups (they must have no members)");
  del->add_option("group", f->groups, "group ids")->required();
  add_connection_flags(del, f->conn);
  del->callback([f] { run_command("group delete", [&] { return run_delete(*f); }); });
}

}  // namespace sd::client
