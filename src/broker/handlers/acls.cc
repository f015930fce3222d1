// DescribeAcls (key 29), CreateAcls (key 30), DeleteAcls (key 31), v0-3 (v2+ flexible; v0 knows only LITERAL
// patterns). DESCRIBE (DescribeAcls) or ALTER (Create/DeleteAcls) on the cluster is required
// (CLUSTER_AUTHORIZATION_FAILED), and the authorizer must be enabled (authorizer.enable), else
// SECURITY_DISABLED, as Kafka answers without an authorizer. Invalid bindings or filters are INVALID_REQUEST
// with the reason (security/acl.h: validate_binding, validate_filter). Changes are durable before the answer
// and apply to every open connection's next request.
#include <map>
#include <tuple>

#include "broker/authorize.h"
#include "broker/handlers/handlers.h"
#include "broker/session.h"
#include "protocol/generated/create_acls.h"
#include "protocol/generated/delete_acls.h"
#include "protocol/generated/describe_acls.h"

namespace sd::broker::handlers {
namespace {

using namespace security;

template <class Req>
acl_filter filter_from(const Req& f) {
  acl_filter out;
  out.rtype = static_cast<resource_type>(f.resource_type_filter);
  out.name = f.resource_name_filter;
  out.pattern = static_cast<pattern_type>(f.pattern_type_filter);
  out.principal = f.principal_filter;
  out.host = f.host_filter;
  out.op = static_cast<acl_operation>(f.operation);
  out.permission = static_cast<acl_permission>(f.permission_type);
  return out;
}

/// Why the ACL APIs cannot run here, as (error, message), or error none.
std::pair<kafka_error, std::string> precheck(const request_context& ctx, acl_operation op) {
  auto* sec = ctx.broker.security;
  if (!sec || !sec->acls || !sec->acls->enabled())
    return {kafka_error::security_disabled, "no authorizer is configured on the broker (authorizer.enable=false)"};
  if (!authorized_cluster(ctx, op)) return {kafka_error::cluster_authorization_failed, {}};
  return {kafka_error::none, {}};
}

}  // namespace

net::awaitable<net::response_task> describe_acls(request_context& ctx) {
  protocol::describe_acls_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  protocol::describe_acls_response resp;
  auto [err, msg] = precheck(ctx, acl_operation::describe);
  if (err != kafka_error::none) {
    resp.error_code = code(err);
    if (!msg.empty()) resp.error_message = msg;
    co_return respond(ctx, resp);
  }
  auto filter = filter_from(req);
  if (auto why = validate_filter(filter)) {
    resp.error_code = code(kafka_error::invalid_request);
    resp.error_message = *why;
    co_return respond(ctx, resp);
  }
  // Group by resource pattern, in a stable order.
  std::map<std::tuple<std::int8_t, std::string, std::int8_t>, std::vector<acl_binding>> by_resource;
  for (auto& b : ctx.broker.security->acls->describe(filter))
    by_resource[{static_cast<std::int8_t>(b.rtype), b.name, static_cast<std::int8_t>(b.pattern)}].push_back(b);
  for (auto& [key, bindings] : by_resource) {
    auto& r = resp.resources.emplace_back();
    r.resource_type = std::get<0>(key);
    r.resource_name = std::get<1>(key);
    r.pattern_type = std::get<2>(key);
    for (auto& b : bindings) {
      auto& d = r.acls.emplace_back();
      d.principal = b.principal;
      d.host = b.host;
      d.operation = static_cast<std::int8_t>(b.op);
      d.permission_type = static_cast<std::int8_t>(b.permission);
    }
  }
  co_return respond(ctx, resp);
}

net::awaitable<net::response_task> create_acls(request_context& ctx) {
  protocol::create_acls_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  protocol::create_acls_response resp;
  auto [err, msg] = precheck(ctx, acl_operation::alter);
  std::vector<acl_binding> valid;
  std::vector<std::size_t> valid_index;
  for (std::size_t i = 0; i < req.creations.size(); ++i) {
    const auto& c = req.creations[i];
    auto& r = resp.results.emplace_back();
    if (err != kafka_error::none) {
      r.error_code = code(err);
      if (!msg.empty()) r.error_message = msg;
      continue;
    }
    acl_binding b;
    b.rtype = static_cast<resource_type>(c.resource_type);
    b.name = c.resource_name;
    b.pattern = static_cast<pattern_type>(c.resource_pattern_type);
    b.principal = c.principal;
    b.host = c.host;
    b.op = static_cast<acl_operation>(c.operation);
    b.permission = static_cast<acl_permission>(c.permission_type);
    if (auto why = validate_binding(b)) {
      r.error_code = code(kafka_error::invalid_request);
      r.error_message = *why;
      continue;
    }
    valid.push_back(std::move(b));
    valid_index.push_back(i);
  }
  if (!valid.empty()) {
    if (auto st = ctx.broker.security->acls->create(valid); !st) {
      for (auto i : valid_index) {
        resp.results[i].error_code = code(kafka_error::unknown_server_error);
        resp.results[i].error_message = "cannot store ACLs: " + st.error().message();
      }
    }
  }
  co_return respond(ctx, resp);
}

net::awaitable<net::response_task> delete_acls(request_context& ctx) {
  protocol::delete_acls_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  protocol::delete_acls_response resp;
  auto [err, msg] = precheck(ctx, acl_operation::alter);
  for (const auto& f : req.filters) {
    auto& r = resp.filter_results.emplace_back();
    if (err != kafka_error::none) {
      r.error_code = code(err);
      if (!msg.empty()) r.error_message = msg;
      continue;
    }
    auto filter = filter_from(f);
    if (auto why = validate_filter(filter)) {
      r.error_code = code(kafka_error::invalid_request);
      r.error_message = *why;
      continue;
    }
    auto removed = ctx.broker.security->acls->remove(filter);
    if (!removed) {
      r.error_code = code(kafka_error::unknown_server_error);
      r.error_message = "cannot store ACLs: " + removed.error().message();
      continue;
    }
    for (auto& b : *removed) {
      auto& m = r.matching_acls.emplace_back();
      m.resource_type = static_cast<std::int8_t>(b.rtype);
      m.resource_name = b.name;
      m.pattern_type = static_cast<std::int8_t>(b.pattern);
      m.principal = b.principal;
      m.host = b.host;
      m.operation = static_cast<std::int8_t>(b.op);
      m.permission_type = static_cast<std::int8_t>(b.permission);
    }
  }
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
