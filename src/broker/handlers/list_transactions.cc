// ListTransactions (key 66), v0-1 (flexible, KIP-664; v1 adds the duration filter, KIP-994): every
// transactional id the client may DESCRIBE, filtered by state names (unknown names are echoed in
// unknown_state_filters), producer ids, and (v1) transactions running longer than duration_filter ms.
#include "protocol/generated/list_transactions.h"

#include <algorithm>

#include "base/clock.h"
#include "broker/authorize.h"
#include "broker/handlers/txn_common.h"
#include "net/shard_set.h"

namespace sd::broker::handlers {

net::awaitable<net::response_task> list_transactions(request_context& ctx) {
  protocol::list_transactions_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  protocol::list_transactions_response resp;
  std::vector<txn::txn_state> states;
  for (const auto& name : req.state_filters) {
    if (auto s = txn::parse_state_name(name)) {
      states.push_back(*s);
    } else {
      resp.unknown_state_filters.push_back(name);
    }
  }
  std::vector<txn::txn_metadata> all;
  if (ctx.broker.transactions) {
    auto* coord = ctx.broker.transactions;
    auto look = [coord] { return coord->list(); };
    all = co_await net::run_on(coord->executor(), std::move(look));
  }
  const auto now = wall_ms_now();
  for (const auto& m : all) {
    if (!req.state_filters.empty() && std::find(states.begin(), states.end(), m.state) == states.end()) continue;
    if (!req.producer_id_filters.empty() &&
        std::find(req.producer_id_filters.begin(), req.producer_id_filters.end(), m.producer_id) ==
            req.producer_id_filters.end())
      continue;
    if (ctx.version >= 1 && req.duration_filter >= 0 && (m.start_ms < 0 || now - m.start_ms < req.duration_filter))
      continue;
    if (!may(ctx, resource_type::transactional_id, m.id, acl_operation::describe)) continue;
    auto& st = resp.transaction_states.emplace_back();
    st.transactional_id = m.id;
    st.producer_id = m.producer_id;
    st.transaction_state = std::string(txn::state_name(m.state));
  }
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
