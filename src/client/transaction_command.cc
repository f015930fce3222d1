// `streamdown transaction list|describe`: the broker's transactional ids, through ListTransactions and
// DescribeTransactions (KIP-664; librdkafka 2.0.2 has no call for them, so client/wire_client.h speaks them).
// list: id, producer id, state, filtered by --state (repeatable) and --producer-id; describe: state, producer
// id and epoch, timeout, start time and age of the open transaction, partitions.
#include <iostream>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "client/command_parts.h"
#include "client/wire_client.h"
#include "protocol/generated/describe_transactions.h"
#include "protocol/generated/list_transactions.h"

namespace sd::client {
namespace {

struct transaction_flags {
  connection_options conn;
  std::vector<std::string> states;
  std::vector<std::int64_t> producer_ids;
  std::vector<std::string> ids;
  bool json = false;
};

int list_transactions(const transaction_flags& f) {
  wire_client client(f.conn.bootstrap, effective_settings(f.conn), timeout_of(f.conn));
  protocol::list_transactions_request req;
  req.state_filters = f.states;
  req.producer_id_filters = f.producer_ids;
  auto resp = client.call<protocol::list_transactions_response>(req, 0);
  if (resp.error_code != 0) throw tool_error(broker_error_text(resp.error_code, std::nullopt));
  for (const auto& s : resp.unknown_state_filters)
    std::cerr << "streamdown transaction list: the broker does not know the state '" << s << "'\n";
  nlohmann::json out = nlohmann::json::array();
  for (const auto& t : resp.transaction_states) {
    out.push_back({{"transactional_id", t.transactional_id}, {"producer_id", t.producer_id}, {"state", t.transaction_state}});
    if (!f.json) std::cout << t.transactional_id << "\t" << t.producer_id << "\t" << t.transaction_state << "\n";
  }
  if (f.json) std::cout << out.dump() << "\n";
  return 0;
}

int describe_transactions(const transaction_flags& f) {
  wire_client client(f.conn.bootstrap, effective_settings(f.conn), timeout_of(f.conn));
  protocol::describe_transactions_request req;
  req.transactional_ids = f.ids;
  auto resp = client.call<protocol::describe_transactions_response>(req, 0);
  const auto now = wall_ms_now();
  nlohmann::json out = nlohmann::json::array();
  int failed = 0;
  for (const auto& t : resp.transaction_states) {
    if (t.error_code != 0) {
      std::cerr << "streamdown transaction describe: " << t.transactional_id << ": "
                << broker_error_text(t.error_code, std::nullopt) << "\n";
      ++failed;
      continue;
    }
    nlohmann::json parts = nlohmann::json::array();
    std::string text;
    for (const auto& tp : t.topics)
      for (auto p : tp.partitions) {
        parts.push_back({{"topic", tp.topic}, {"partition", p}});
        text += (text.empty() ? "" : " ") + tp.topic + "-" + std::to_string(p);
      }
    const std::int64_t age_ms = t.transaction_start_time_ms >= 0 ? now - t.transaction_start_time_ms : -1;
    out.push_back({{"transactional_id", t.transactional_id}, {"state", t.transaction_state},
                   {"producer_id", t.producer_id}, {"producer_epoch", t.producer_epoch},
                   {"timeout_ms", t.transaction_timeout_ms}, {"start_ms", t.transaction_start_time_ms},
                   {"age_ms", age_ms}, {"partitions", parts}});
    if (!f.json) {
      std::cout << "transaction " << t.transactional_id << "  state " << t.transaction_state << "  producer "
                << t.producer_id << " epoch " << t.producer_epoch << "  timeout " << t.transaction_timeout_ms << " ms";
      if (age_ms >= 0) std::cout << "  open for " << age_ms << " ms";
      std::cout << "\n  partitions: " << (text.empty() ? "-" : text) << "\n";
    }
  }
  if (f.json) std::cout << out.dump() << "\n";
  return failed == 0 ? 0 : 1;
}

}  // namespace

void add_transaction_command(CLI::App& app) {
  auto* txn = app.add_subcommand("transaction", "transactional ids of a broker (ListTransactions, DescribeTransactions)");
  txn->require_subcommand(1);
  auto f = std::make_shared<transaction_flags>();
  auto* list = txn->add_subcommand("list", "list transactional ids: id, producer id, state");
  list->add_option("--state", f->states, "only this state (Empty, Ongoing, PrepareCommit, ...; repeatable)");
  list->add_option("--producer-id", f->producer_ids, "only this producer id (repeatable)");
  list->add_flag("--json", f->json, "one JSON array");
  add_connection_flags(list, f->conn);
  list->callback([f] { run_command("transaction list", [f] { return list_transactions(*f); }); });
  auto* describe = txn->add_subcommand("describe", "state, producer, timeout, age and partitions of transactional ids");
  describe->add_option("id", f->ids, "transactional id (repeatable)")->required();
  describe->add_flag("--json", f->json, "one JSON array");
  add_connection_flags(describe, f->conn);
  describe->callback([f] { run_command("transaction describe", [f] { return describe_transactions(*f); }); });
}

}  // namespace sd::client
