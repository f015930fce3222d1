#pragma once
// broker_core: what request handlers share: configuration, the topic table, the shards, storage and the
// group-commit flusher. Built once by app/ after recovery; outlives every connection.

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "broker/fetch_activity.h"
#include "broker/broker_config.h"
#include "broker/probe.h"
#include "broker/producer_id_source.h"
#include "broker/topic_table.h"
#include "net/shard_set.h"
#include "storage/flusher.h"
#include "storage/log_manager.h"

namespace sd::group {
class coordinator;
}
namespace sd::txn {
class coordinator;
}

namespace sd::broker {

struct broker_security;  // broker/session.h

struct advertised_endpoint {
  std::string host;
  std::int32_t port = 0;
};

class broker_core {
 public:
  broker_core(const broker_config& config_, net::shard_set& storage_loops, storage::log_manager& logs_,
              storage::flusher& flusher_, topic_table& topics_, advertised_endpoint advertised_)
      : config(config_),
        shards(storage_loops),
        logs(logs_),
        flusher(flusher_),
        topics(topics_),
        advertised(std::move(advertised_)),
        producer_ids(topics_) {}

  const broker_config& config;
  net::shard_set& shards;
  storage::log_manager& logs;
  storage::flusher& flusher;
  topic_table& topics;
  advertised_endpoint advertised;
  producer_id_source producer_ids;
  /// Request metrics (broker/probe.h); recorded by the dispatcher and the handlers, read by /metrics.
  broker_probe probe;
  /// Which consumers fetched which partitions lately (the console's stall diagnosis); fed by Fetch.
  fetch_activity fetchers;
  /// The group coordinator (group/coordinator.h); set by app/ before the listener starts.
  group::coordinator* groups = nullptr;
  /// The transaction coordinator (txn/coordinator.h), on the group coordinator's shard; set by app/ too.
  txn::coordinator* transactions = nullptr;
  /// Authentication and authorisation (broker/session.h); set by app/ before the listeners start.
  broker_security* security = nullptr;
  /// The advertised address of each listener by name (Metadata answers with the one the request came in on);
  /// `advertised` above is the first listener's.
  std::map<std::string, advertised_endpoint> advertised_by_listener;
  const advertised_endpoint& advertised_for(const std::string& listener) const {
    auto it = advertised_by_listener.find(listener);
    return it == advertised_by_listener.end() ? advertised : it->second;
  }

  /// Runs fn on the partition's owner shard, unless the partition was deleted (then fn is not called and
  /// `deleted_result` is returned).
  /// (GCC 12: callers pass `fn` as a named variable, never as a lambda written inside the co_await.)
  template <class F, class T = std::invoke_result_t<F&, partition_state&>>
  net::awaitable<T> on_partition(partition_ptr p, F fn, T deleted_result) {
    const std::size_t shard = p->shard;
    auto guarded = [p = std::move(p), fn = std::move(fn), deleted_result = std::move(deleted_result)]() mutable -> T {
      if (p->deleted) return deleted_result;
      return fn(*p);
    };
    auto ex = shards.executor(shard);
    co_return co_await net::run_on(ex, std::move(guarded));
  }
};

}  // namespace sd::broker
