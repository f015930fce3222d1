// `streamdown acl add|list|remove`: Kafka ACLs with kafka-acls-like flags, through CreateAcls, DescribeAcls and
// DeleteAcls spoken by client/wire_client.h (librdkafka 2.0.2's Admin API has no TransactionalId resource).
//   add:    every (principal x host x operation x resource) combination becomes one binding; --allow-principal
//           and --deny-principal choose the permission; --producer / --consumer add Kafka's usual sets.
//   list:   bindings matching the filter (resource flags, --principal, --resource-pattern-type, default ANY).
//   remove: bindings matching the filter (default pattern LITERAL, as kafka-acls), printed as removed.
#include <iostream>
#include <nlohmann/json.hpp>

#include "client/command_parts.h"
#include "client/wire_client.h"
#include "protocol/generated/create_acls.h"
#include "protocol/generated/delete_acls.h"
#include "protocol/generated/describe_acls.h"
#include "security/acl.h"

namespace sd::client {
namespace {

using namespace security;

struct acl_flags {
  connection_options conn;
  std::vector<std::string> allow_principals, deny_principals, allow_hosts, deny_hosts, operations;
  std::vector<std::string> topics, groups, transactional_ids;
  bool cluster = false;
  bool producer = false, consumer = false, idempotent = false;
  std::string pattern;      // literal | prefixed | match | any
  std::string principal;    // list/remove filter
  bool json = false;
};

struct resource {
  resource_type rtype;
  std::string name;
};

std::vector<resource> resources_of(const acl_flags& f) {
  std::vector<resource> out;
  for (const auto& t : f.topics) out.push_back({resource_type::topic, t});
  for (const auto& g : f.groups) out.push_back({resource_type::group, g});
  for (const auto& t : f.transactional_ids) out.push_back({resource_type::transactional_id, t});
  if (f.cluster) out.push_back({resource_type::cluster, std::string(cluster_resource_name)});
  return out;
}

pattern_type pattern_of(const acl_flags& f, pattern_type def) {
  if (f.pattern.empty()) return def;
  auto p = parse_pattern_type(f.pattern);
  if (!p) throw usage_error("--resource-pattern-type '" + f.pattern + "': expected literal, prefixed, match or any");
  return *p;
}

std::vector<acl_operation> operations_of(const acl_flags& f) {
  std::vector<acl_operation> out;
  for (const auto& o : f.operations) {
    auto op = parse_operation(o);
    if (!op || *op == acl_operation::unknown) throw usage_error("--operation '" + o + "': not an ACL operation");
    out.push_back(*op);
  }
  return out;
}

std::string describe(const acl_binding& b) {
  return std::string(to_string(b.permission)) + " " + b.principal + " from " + b.host + " " +
         std::string(to_string(b.op)) + " on " + std::string(to_string(b.rtype)) + ":" +
         (b.pattern == pattern_type::prefixed ? "PREFIXED:" : "") + b.name;
}

nlohmann::json to_json(const acl_binding& b) {
  return {{"resource_type", to_string(b.rtype)}, {"resource_name", b.name}, {"pattern_type", to_string(b.pattern)},
          {"principal", b.principal}, {"host", b.host}, {"operation", to_string(b.op)},
          {"permission", to_string(b.permission)}};
}

void check_principal(const std::string& p) {
  if (p.find(':') == std::string::npos) throw usage_error("principal '" + p + "': expected Type:name, e.g. User:alice");
}

int add_acls(const acl_flags& f) {
  auto resources = resources_of(f);
  if (resources.empty()) throw usage_error("name a resource: --topic, --group, --transactional-id or --cluster");
  if (f.allow_principals.empty() && f.deny_principals.empty())
    throw usage_error("name a principal: --allow-principal or --deny-principal");
  const auto pattern = pattern_of(f, pattern_type::literal);
  if (pattern != pattern_type::literal && pattern != pattern_type::prefixed)
    throw usage_error("add takes --resource-pattern-type literal or prefixed");
  std::vector<acl_binding> bindings;
  auto add = [&](acl_permission perm, const std::string& principal, const std::vector<std::string>& hosts,
                 const resource& r, acl_operation op) {
    check_principal(principal);
    for (const auto& h : hosts.empty() ? std::vector<std::string>{"*"} : hosts) {
      acl_binding b{r.rtype, r.name, r.rtype == resource_type::cluster ? pattern_type::literal : pattern,
                    principal, h, op, perm};
      if (auto why = validate_binding(b)) throw usage_error(describe(b) + ": " + *why);
      if (std::find(bindings.begin(), bindings.end(), b) == bindings.end()) bindings.push_back(std::move(b));
    }
  };
  auto ops = operations_of(f);
  for (const auto& r : resources) {
    std::vector<acl_operation> r_ops = ops;
    // kafka-acls conveniences: --producer (topic WRITE, DESCRIBE, CREATE; cluster IDEMPOTENT_WRITE with
    // --idempotent), --consumer (topic READ, DESCRIBE; group READ).
    if (f.producer && r.rtype == resource_type::topic)
      r_ops.insert(r_ops.end(), {acl_operation::write, acl_operation::describe, acl_operation::create});
    if (f.consumer && r.rtype == resource_type::topic)
      r_ops.insert(r_ops.end(), {acl_operation::read, acl_operation::describe});
    if (f.consumer && r.rtype == resource_type::group) r_ops.push_back(acl_operation::read);
    for (auto op : r_ops) {
      for (const auto& p : f.allow_principals) add(acl_permission::allow, p, f.allow_hosts, r, op);
      for (const auto& p : f.deny_principals) add(acl_permission::deny, p, f.deny_hosts, r, op);
    }
  }
  if (f.producer && f.idempotent) {
    resource c{resource_type::cluster, std::string(cluster_resource_name)};
    for (const auto& p : f.allow_principals) add(acl_permission::allow, p, f.allow_hosts, c, acl_operation::idempotent_write);
  }
  if (bindings.empty()) throw usage_error("name an operation: --operation, --producer or --consumer");

  wire_client client(f.conn.bootstrap, effective_settings(f.conn), timeout_of(f.conn));
  protocol::create_acls_request req;
  for (const auto& b : bindings) {
    auto& c = req.creations.emplace_back();
    c.resource_type = static_cast<std::int8_t>(b.rtype);
    c.resource_name = b.name;
    c.resource_pattern_type = static_cast<std::int8_t>(b.pattern);
    c.principal = b.principal;
    c.host = b.host;
    c.operation = static_cast<std::int8_t>(b.op);
    c.permission_type = static_cast<std::int8_t>(b.permission);
  }
  auto resp = client.call<protocol::create_acls_response>(req, 1);
  int failed = 0;
  for (std::size_t i = 0; i < resp.results.size() && i < bindings.size(); ++i) {
    const auto& r = resp.results[i];
    if (r.error_code != 0) {
      ++failed;
      std::cerr << "streamdown acl add: " << describe(bindings[i]) << ": "
                << broker_error_text(r.error_code, r.error_message) << "\n";
    } else {
      std::cout << "added: " << describe(bindings[i]) << "\n";
    }
  }
  if (failed) throw tool_error(std::to_string(failed) + " of " + std::to_string(bindings.size()) + " ACLs not added");
  return 0;
}

/// One filter per named resource (or one over every resource when none is named).
template <class Filter>
std::vector<Filter> filters_of(const acl_flags& f, pattern_type def_pattern) {
  std::vector<Filter> out;
  auto resources = resources_of(f);
  const auto pattern = pattern_of(f, def_pattern);
  auto ops = operations_of(f);
  if (ops.empty()) ops.push_back(acl_operation::any);
  auto one = [&](resource_type rtype, std::optional<std::string> name, acl_operation op) {
    Filter x;
    x.resource_type_filter = static_cast<std::int8_t>(rtype);
    x.resource_name_filter = std::move(name);
    x.pattern_type_filter = static_cast<std::int8_t>(resources_of(f).empty() ? pattern_type::any : pattern);
    if (!f.principal.empty()) x.principal_filter = f.principal;
    x.operation = static_cast<std::int8_t>(op);
    x.permission_type = static_cast<std::int8_t>(acl_permission::any);
    out.push_back(std::move(x));
  };
  for (auto op : ops) {
    if (resources.empty()) one(resource_type::any, std::nullopt, op);
    for (const auto& r : resources) one(r.rtype, r.name, op);
  }
  return out;
}

acl_binding binding_of(std::int8_t rtype, const std::string& name, std::int8_t pattern, const std::string& principal,
                       const std::string& host, std::int8_t op, std::int8_t perm) {
  return acl_binding{static_cast<resource_type>(rtype), name, static_cast<pattern_type>(pattern), principal, host,
                     static_cast<acl_operation>(op), static_cast<acl_permission>(perm)};
}

int list_acls(const acl_flags& f) {
  wire_client client(f.conn.bootstrap, effective_settings(f.conn), timeout_of(f.conn));
  std::vector<acl_binding> all;
  for (const auto& filter : filters_of<protocol::describe_acls_request>(f, pattern_type::any)) {
    auto resp = client.call<protocol::describe_acls_response>(filter, 1);
    if (resp.error_code != 0)
      throw tool_error(broker_error_text(resp.error_code, resp.error_message));
    for (const auto& r : resp.resources)
      for (const auto& a : r.acls) {
        auto b = binding_of(r.resource_type, r.resource_name, r.pattern_type, a.principal, a.host, a.operation,
                            a.permission_type);
        if (std::find(all.begin(), all.end(), b) == all.end()) all.push_back(std::move(b));
      }
  }
  if (f.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& b : all) out.push_back(to_json(b));
    std::cout << out.dump() << "\n";
  } else {
    for (const auto& b : all) std::cout << describe(b) << "\n";
  }
  return 0;
}

int remove_acls(const acl_flags& f) {
  if (resources_of(f).empty() && f.principal.empty())
    throw usage_error("name what to remove: --topic, --group, --transactional-id, --cluster or --principal");
  wire_client client(f.conn.bootstrap, effective_settings(f.conn), timeout_of(f.conn));
  protocol::delete_acls_request req;
  auto filters = filters_of<protocol::delete_acls_request::delete_acls_filter>(f, pattern_type::literal);
  req.filters = filters;
  auto resp = client.call<protocol::delete_acls_response>(req, 1);
  std::size_t removed = 0;
  for (const auto& r : resp.filter_results) {
    if (r.error_code != 0)
      throw tool_error(broker_error_text(r.error_code, r.error_message));
    for (const auto& m : r.matching_acls) {
      ++removed;
      std::cout << "removed: "
                << describe(binding_of(m.resource_type, m.resource_name, m.pattern_type, m.principal, m.host,
                                       m.operation, m.permission_type))
                << "\n";
    }
  }
  if (removed == 0) std::cout << "no ACL matched\n";
  return 0;
}

void add_resource_flags(CLI::App* cmd, acl_flags& f) {
  cmd->add_option("--topic", f.topics, "topic (repeatable; '*' for all)");
  cmd->add_option("--group", f.groups, "consumer group (repeatable; '*' for all)");
  cmd->add_option("--transactional-id", f.transactional_ids, "transactional id (repeatable)");
  cmd->add_flag("--cluster", f.cluster, "the cluster resource");
  cmd->add_option("--operation", f.operations,
                  "ALL, READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, "
                  "ALTER_CONFIGS, IDEMPOTENT_WRITE (repeatable)");
  cmd->add_option("--resource-pattern-type", f.pattern, "literal, prefixed (add); also match, any (list, remove)");
}

}  // namespace

void add_acl_command(CLI::App& app) {
  auto* acl = app.add_subcommand("acl", "ACLs of a broker (Kafka's model; authorizer.enable must be on)");
  acl->require_subcommand(1);
  auto f = std::make_shared<acl_flags>();
  auto* add = acl->add_subcommand("add", "add ALLOW/DENY bindings");
  add_resource_flags(add, *f);
  add->add_option("--allow-principal", f->allow_principals, "principal to allow, e.g. User:alice (repeatable)");
  add->add_option("--deny-principal", f->deny_principals, "principal to deny (repeatable)");
  add->add_option("--allow-host", f->allow_hosts, "host the allowed principals connect from (default *)");
  add->add_option("--deny-host", f->deny_hosts, "host the denied principals connect from (default *)");
  add->add_flag("--producer", f->producer, "WRITE, DESCRIBE, CREATE on the topics");
  add->add_flag("--consumer", f->consumer, "READ, DESCRIBE on the topics; READ on the groups");
  add->add_flag("--idempotent", f->idempotent, "with --producer: IDEMPOTENT_WRITE on the cluster");
  add_connection_flags(add, f->conn);
  add->callback([f] { run_command("acl add", [f] { return add_acls(*f); }); });

  auto* list = acl->add_subcommand("list", "list bindings (all, or those of the named resources)");
  add_resource_flags(list, *f);
  list->add_option("--principal", f->principal, "only this principal's bindings");
  list->add_flag("--json", f->json, "one JSON array");
  add_connection_flags(list, f->conn);
  list->callback([f] { run_command("acl list", [f] { return list_acls(*f); }); });

  auto* remove = acl->add_subcommand("remove", "remove the bindings matching the flags");
  add_resource_flags(remove, *f);
  remove->add_option("--principal", f->principal, "only this principal's bindings");
  add_connection_flags(remove, f->conn);
  remove->callback([f] { run_command("acl remove", [f] { return remove_acls(*f); }); });
}

}  // namespace sd::client
