#include "broker/topic_table.h"

#include <spdlog/spdlog.h>

#include <functional>

#include "base/clock.h"
#include "producer/recovery.h"
#include "storage/topic_name.h"

namespace sd::broker {

topic_table::topic_table(const broker_config& config, net::shard_set& shards, storage::log_manager& logs,
                         metadata_store& store, broker_metadata metadata)
    : _static(config),
      _shards(shards),
      _logs(logs),
      _store(store),
      _metadata(std::move(metadata)),
      _snapshot(std::make_shared<const topic_map>()),
      _by_id(std::make_shared<const topic_id_map>()) {
  std::string error;
  auto layered = layered_broker_config(_static, _metadata.dynamic_config, error);
  if (layered) {
    _effective = std::make_shared<const broker_config>(std::move(*layered));
  } else {
    // A value this version no longer accepts: start with the static settings and say which key.
    spdlog::warn("dynamic broker configs not applied: {}", error);
    _effective = std::make_shared<const broker_config>(_static);
  }
}

dynamic_broker_values topic_table::dynamic_values() const {
  std::lock_guard lk(_admin_mu);
  return _metadata.dynamic_config;
}

net::awaitable<admin_result> topic_table::alter_broker_config(bool cluster_default,
                                                               const std::map<std::string, std::string>& set,
                                                               const std::vector<std::string>& remove,
                                                               bool replace_all, bool validate_only) {
  std::shared_ptr<const broker_config> next;
  {
    std::lock_guard lk(_admin_mu);
    for (const auto& [k, v] : set)
      if (!is_dynamic_broker_key(k))
        co_return admin_result{kafka_error::invalid_request,
                               "config key '" + k + "' cannot be changed at run time (set it in the config file "
                               "and restart)"};
    for (const auto& k : remove)
      if (!is_dynamic_broker_key(k))
        co_return admin_result{kafka_error::invalid_request, "config key '" + k + "' cannot be changed at run time"};
    auto values = _metadata.dynamic_config;
    auto& layer = cluster_default ? values.cluster_default : values.per_broker;
    if (replace_all) layer.clear();
    for (const auto& k : remove) layer.erase(k);
    for (const auto& [k, v] : set) layer[k] = v;
    std::string error;
    auto layered = layered_broker_config(_static, values, error);
    if (!layered) co_return admin_result{kafka_error::invalid_config, error};
    if (validate_only) co_return admin_result{};
    auto saved = _metadata;
    _metadata.dynamic_config = values;
    if (auto st = _store.save(_metadata); !st) {
      _metadata = std::move(saved);
      co_return admin_result{kafka_error::kafka_storage_error, "could not persist config: " + st.error().message()};
    }
    next = std::make_shared<const broker_config>(std::move(*layered));
    std::atomic_store(&_effective, next);
  }
  // Topic defaults may have changed: every partition gets its effective config again (overrides still win).
  const auto snap = snapshot();  // held: a temporary would die before the loop ends
  for (const auto& [name, t] : *snap) {
    auto cfg = effective_log_config(*next, t->overrides);
    const auto delay = effective_delivery_delay_ms(t->overrides);
    for (const auto& p : t->partitions) {
      auto apply = [p, cfg, delay] {
        if (!p->deleted) p->apply_config(cfg, delay);
      };
      co_await net::run_on(_shards.executor(p->shard), std::move(apply));
    }
  }
  co_return admin_result{};
}

std::size_t topic_table::shard_for(const std::string& topic, std::int32_t partition) const {
  // Consecutive partitions of one topic land on consecutive shards, so a topic spreads over all cores.
  return (std::hash<std::string>{}(topic) + static_cast<std::size_t>(partition)) % _shards.size();
}

result<partition_ptr> topic_table::open_partition(const std::string& topic, std::int32_t p,
                                                  const storage::log_config& cfg) {
  std::shared_ptr<storage::partition_log> log = _logs.get(topic, partition_id(p));
  if (!log) {
    auto created = _logs.create_partition(topic, partition_id(p), cfg);
    if (!created) return created.error();
    log = std::move(*created);
  }
  auto ps = std::make_shared<partition_state>();
  ps->topic = topic;
  ps->id = p;
  ps->shard = shard_for(topic, p);
  ps->log = log;
  ps->producers = std::make_shared<producer::producer_state_table>(_static.producer_id_expiration_ms,
                                                                  &_producer_probe);
  auto recovered = producer::attach(*log, ps->producers, wall_ms_now());
  if (!recovered) return recovered.error();
  if (recovered->batches_replayed > 0 || recovered->snapshots_discarded > 0) {
    spdlog::info(
        "{}-{}: producer state: {} producer(s), snapshot {}, {} batch header(s) replayed from offset {}",
        topic, p, ps->producers->size(),
        recovered->snapshot_used ? std::to_string(recovered->snapshot_used->value()) : "none",
        recovered->batches_replayed, recovered->replayed_from.value());
  }
  ps->publish();
  return ps;
}

status topic_table::load_existing() {
  std::lock_guard lk(_admin_mu);
  std::map<std::string, std::int32_t> counts;
  for (const auto& key : _logs.partitions()) {
    auto& c = counts[key.topic];
    c = std::max(c, key.partition.value() + 1);
  }
  auto next = std::make_shared<topic_map>();
  bool metadata_changed = false;
  for (const auto& [name, count] : counts) {
    auto ts = std::make_shared<topic_state>();
    ts->name = name;
    auto& persisted = _metadata.topics[name];
    if (persisted.id == topic_uuid{}) {
      persisted.id = metadata_store::random_uuid();
      metadata_changed = true;
    }
    ts->id = persisted.id;
    ts->overrides = persisted.overrides;
    auto cfg = effective_log_config(*config(), ts->overrides);
    for (std::int32_t p = 0; p < count; ++p) {
      // A partition directory missing in the middle (lost by hand) is recreated empty, so the topic stays
      // whole.
      auto ps = open_partition(name, p, cfg);
      if (!ps) return ps.error();
      (*ps)->apply_config(cfg, effective_delivery_delay_ms(ts->overrides));
      (*ps)->reschedule_after_restart(wall_ms_now(), _logs.opened_after_clean_shutdown());  // delayed topics
      ts->partitions.push_back(*ps);
    }
    (*next)[name] = std::move(ts);
  }
  // Topics in the metadata file without any partition on disk were deleted while the file was stale.
  std::erase_if(_metadata.topics, [&](const auto& kv) {
    bool gone = !counts.contains(kv.first);
    metadata_changed |= gone;
    return gone;
  });
  if (metadata_changed) SD_TRY(_store.save(_metadata));
  publish(std::move(next));
  return ok();
}

void topic_table::publish(std::shared_ptr<const topic_map> next) {
  auto ids = std::make_shared<topic_id_map>();
  for (const auto& [name, t] : *next) ids->emplace(t->id, t);
  std::atomic_store(&_snapshot, std::move(next));
  std::atomic_store(&_by_id, std::shared_ptr<const topic_id_map>(std::move(ids)));
}

std::shared_ptr<const topic_state> topic_table::find_topic_by_id(const topic_uuid& id) const {
  auto ids = std::atomic_load(&_by_id);
  auto it = ids->find(id);
  return it == ids->end() ? nullptr : it->second;
}

std::shared_ptr<const topic_state> topic_table::find_topic(const std::string& name) const {
  auto snap = snapshot();
  auto it = snap->find(name);
  return it == snap->end() ? nullptr : it->second;
}

partition_ptr topic_table::find(const std::string& topic, std::int32_t partition) const {
  return partition_at(find_topic(topic).get(), partition);
}

admin_result topic_table::check_new_topic(const std::string& name, std::int32_t partitions,
                                          const topic_overrides& overrides, const topic_map& current) const {
  if (!storage::is_valid_topic_name(name))
    return {kafka_error::invalid_topic_exception,
            "topic name must be 1-249 characters of [A-Za-z0-9._-] and not '.' or '..'"};
  if (current.contains(name)) return {kafka_error::topic_already_exists, "topic '" + name + "' already exists"};
  if (partitions < 1 || partitions > 100000)
    return {kafka_error::invalid_partitions, "number of partitions must be in [1, 100000]"};
  for (const auto& [k, v] : overrides)
    if (auto e = validate_topic_config(k, v); !e.empty()) return {kafka_error::invalid_config, e};
  return {};
}

admin_result topic_table::create_topic(const std::string& name, std::int32_t partitions,
                                       const topic_overrides& overrides, bool validate_only) {
  std::lock_guard lk(_admin_mu);
  auto current = snapshot();
  if (auto r = check_new_topic(name, partitions, overrides, *current); !r.ok() || validate_only) return r;

  auto ts = std::make_shared<topic_state>();
  ts->name = name;
  ts->id = metadata_store::random_uuid();
  ts->overrides = overrides;
  auto cfg = effective_log_config(*config(), overrides);
  // Persist first: a crash after this leaves a topic with missing partitions, which start-up recreates;
  // the reverse order could leave partition directories the metadata does not describe (harmless too).
  _metadata.topics[name] = {ts->id, overrides};
  if (auto st = _store.save(_metadata); !st) {
    _metadata.topics.erase(name);
    return {kafka_error::kafka_storage_error, "could not persist topic metadata: " + st.error().message()};
  }
  for (std::int32_t p = 0; p < partitions; ++p) {
    auto ps = open_partition(name, p, cfg);
    if (!ps) {
      spdlog::error("create topic {}: partition {}: {}", name, p, ps.error().message());
      return {kafka_error::kafka_storage_error, "could not create partition: " + ps.error().message()};
    }
    (*ps)->apply_config(cfg, effective_delivery_delay_ms(overrides));
    ts->partitions.push_back(*ps);
  }
  auto next = std::make_shared<topic_map>(*current);
  (*next)[name] = std::move(ts);
  publish(std::move(next));
  spdlog::info("created topic {} with {} partition(s)", name, partitions);
  return {};
}

net::awaitable<admin_result> topic_table::delete_topic(const std::string& name) {
  std::shared_ptr<const topic_state> victim;
  {
    std::lock_guard lk(_admin_mu);
    auto current = snapshot();
    auto it = current->find(name);
    if (it == current->end())
      co_return admin_result{kafka_error::unknown_topic_or_partition, "topic '" + name + "' does not exist"};
    victim = it->second;
    auto next = std::make_shared<topic_map>(*current);
    next->erase(name);
    publish(std::move(next));
    _metadata.topics.erase(name);
    if (auto st = _store.save(_metadata); !st)
      spdlog::error("delete topic {}: could not persist metadata: {}", name, st.error().message());
  }
  // Fence every partition on its own shard before the logs go away.
  for (const auto& p : victim->partitions) {
    auto fence = [p] {
      p->deleted = true;
      p->log = nullptr;
      p->wake_waiters();
    };
    co_await net::run_on(_shards.executor(p->shard), std::move(fence));
  }
  std::lock_guard lk(_admin_mu);
  if (auto st = _logs.remove_topic(name); !st) {
    co_return admin_result{kafka_error::kafka_storage_error, "could not remove topic data: " + st.error().message()};
  }
  spdlog::info("deleted topic {}", name);
  co_return admin_result{};
}

admin_result topic_table::create_partitions(const std::string& name, std::int32_t total, bool validate_only) {
  std::lock_guard lk(_admin_mu);
  auto current = snapshot();
  auto it = current->find(name);
  if (it == current->end())
    return {kafka_error::unknown_topic_or_partition, "topic '" + name + "' does not exist"};
  auto have = static_cast<std::int32_t>(it->second->partitions.size());
  if (total <= have)
    return {kafka_error::invalid_partitions, "topic '" + name + "' has " + std::to_string(have) +
                                                  " partitions; the new count must be larger"};
  if (total > 100000) return {kafka_error::invalid_partitions, "number of partitions must be at most 100000"};
  if (validate_only) return {};
  auto ts = std::make_shared<topic_state>(*it->second);
  auto cfg = effective_log_config(*config(), ts->overrides);
  for (std::int32_t p = have; p < total; ++p) {
    auto ps = open_partition(name, p, cfg);
    if (!ps) return {kafka_error::kafka_storage_error, "could not create partition: " + ps.error().message()};
    (*ps)->apply_config(cfg, effective_delivery_delay_ms(ts->overrides));
    ts->partitions.push_back(*ps);
  }
  auto next = std::make_shared<topic_map>(*current);
  (*next)[name] = std::move(ts);
  publish(std::move(next));
  spdlog::info("topic {} now has {} partitions", name, total);
  return {};
}

net::awaitable<admin_result> topic_table::alter_config(const std::string& name, const topic_overrides& set,
                                                        const std::vector<std::string>& remove, bool replace_all,
                                                        bool validate_only) {
  std::shared_ptr<const topic_state> updated;
  {
    std::lock_guard lk(_admin_mu);
    auto current = snapshot();
    auto it = current->find(name);
    if (it == current->end())
      co_return admin_result{kafka_error::unknown_topic_or_partition, "topic '" + name + "' does not exist"};
    for (const auto& [k, v] : set)
      if (auto e = validate_topic_config(k, v); !e.empty()) co_return admin_result{kafka_error::invalid_config, e};
    for (const auto& k : remove)
      if (!is_topic_config_key(k))
        co_return admin_result{kafka_error::invalid_config, "unknown topic config '" + k + "'"};
    if (validate_only) co_return admin_result{};
    auto ts = std::make_shared<topic_state>(*it->second);
    if (replace_all) ts->overrides.clear();
    for (const auto& k : remove) ts->overrides.erase(k);
    for (const auto& [k, v] : set) ts->overrides[k] = v;
    _metadata.topics[name].overrides = ts->overrides;
    if (auto st = _store.save(_metadata); !st)
      co_return admin_result{kafka_error::kafka_storage_error, "could not persist config: " + st.error().message()};
    auto next = std::make_shared<topic_map>(*current);
    (*next)[name] = ts;
    publish(std::move(next));
    updated = ts;
  }
  auto cfg = effective_log_config(*config(), updated->overrides);
  const auto delay = effective_delivery_delay_ms(updated->overrides);
  for (const auto& p : updated->partitions) {
    auto apply = [p, cfg, delay] {
      if (!p->deleted) p->apply_config(cfg, delay);
    };
    co_await net::run_on(_shards.executor(p->shard), std::move(apply));
  }
  co_return admin_result{};
}

result<std::int64_t> topic_table::allocate_producer_id_block(std::int64_t count) {
  std::lock_guard lk(_admin_mu);
  std::int64_t first = _metadata.next_producer_id_block;
  _metadata.next_producer_id_block = first + count;
  if (auto st = _store.save(_metadata); !st) {
    _metadata.next_producer_id_block = first;
    return st.error();
  }
  return first;
}

std::vector<partition_ptr> topic_table::partitions_on_shard(std::size_t shard) const {
  std::vector<partition_ptr> out;
  const auto snap = snapshot();  // held: a temporary would die before the loop ends
  for (const auto& [name, t] : *snap)
    for (const auto& p : t->partitions)
      if (p->shard == shard) out.push_back(p);
  return out;
}

}  // namespace sd::broker
