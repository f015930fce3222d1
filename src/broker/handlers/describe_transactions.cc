// DescribeTransactions (key 65), v0 (flexible, KIP-664): the state, producer id and epoch, timeout, start time
// and partitions of each transactional id. Unknown ids get TRANSACTIONAL_ID_NOT_FOUND; ids the client may not
// DESCRIBE get TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
#include "protocol/generated/describe_transactions.h"

#include <map>

#include "broker/authorize.h"
#include "broker/handlers/txn_common.h"
#include "net/shard_set.h"

namespace sd::broker::handlers {

net::awaitable<net::response_task> describe_transactions(request_context& ctx) {
  protocol::describe_transactions_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  protocol::describe_transactions_response resp;
  std::vector<std::string> allowed;
  for (const auto& id : req.transactional_ids)
    if (authorized(ctx, resource_type::transactional_id, id, acl_operation::describe)) allowed.push_back(id);
  std::map<std::string, txn::txn_metadata> found;
  if (ctx.broker.transactions && !allowed.empty()) {
    auto* coord = ctx.broker.transactions;
    auto look = [coord, allowed] {
      std::map<std::string, txn::txn_metadata> out;
      for (const auto& id : allowed)
        if (const auto* m = coord->find(id)) out[id] = *m;
      return out;
    };
    found = co_await net::run_on(coord->executor(), std::move(look));
  }
  for (const auto& id : req.transactional_ids) {
    auto& st = resp.transaction_states.emplace_back();
    st.transactional_id = id;
    st.producer_id = -1;
    st.producer_epoch = -1;
    st.transaction_start_time_ms = -1;
    if (std::find(allowed.begin(), allowed.end(), id) == allowed.end()) {
      st.error_code = code(kafka_error::transactional_id_authorization_failed);
      continue;
    }
    auto it = found.find(id);
    if (it == found.end()) {
      st.error_code = code(kafka_error::transactional_id_not_found);
      continue;
    }
    const auto& m = it->second;
    st.transaction_state = std::string(txn::state_name(m.state));
    st.transaction_timeout_ms = m.timeout_ms;
    st.transaction_start_time_ms = m.start_ms;
    st.producer_id = m.producer_id;
    st.producer_epoch = m.producer_epoch;
    for (const auto& tp : m.partitions) {
      if (st.topics.empty() || st.topics.back().topic != tp.topic) st.topics.emplace_back().topic = tp.topic;
      st.topics.back().partitions.push_back(tp.partition);
    }
  }
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
