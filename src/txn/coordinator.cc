#include "txn/coordinator.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <limits>

#include "base/clock.h"
#include "net/deferred.h"
#include "txn/metadata_codec.h"

namespace sd::txn {
namespace {

constexpr std::int16_t max_epoch = std::numeric_limits<std::int16_t>::max();

bool is_open(txn_state s) {
  return s == txn_state::ongoing || s == txn_state::prepare_commit || s == txn_state::prepare_abort;
}

/// Starts the next transaction of a finished or empty one: nothing carried over.
void begin_if_idle(txn_metadata& m, std::int64_t now) {
  if (m.state == txn_state::ongoing) return;
  m.partitions.clear();
  m.groups.clear();
  m.offsets.clear();
  m.state = txn_state::ongoing;
  m.start_ms = now;
}

}  // namespace

// Holds the busy set weakly: a request's coroutine frame may be destroyed after the coordinator (frames
// suspended at shutdown die with the storage loops, which outlive it).
class coordinator::busy_guard {
 public:
  busy_guard(coordinator& c, std::string id) : _busy(c._busy), _id(std::move(id)) { c._busy->insert(_id); }
  ~busy_guard() {
    if (auto b = _busy.lock()) b->erase(_id);
  }
  busy_guard(const busy_guard&) = delete;
  busy_guard& operator=(const busy_guard&) = delete;

 private:
  std::weak_ptr<std::set<std::string>> _busy;
  std::string _id;
};

result<std::unique_ptr<coordinator>> coordinator::open(const txn_config& cfg, io::filesystem& fs,
                                                       const std::string& data_dir, storage::flusher& flusher,
                                                       group::coordinator& groups, id_allocator allocate_producer_id,
                                                       bool clean_shutdown) {
  std::unique_ptr<coordinator> c(new coordinator(cfg, groups.executor(), groups, std::move(allocate_producer_id)));
  group::coordinator_config lcfg;
  lcfg.log_segment_bytes = cfg.log_segment_bytes;
  auto log = group::offset_log::open(fs, data_dir + "/" + transaction_log_dir, lcfg, &flusher, clean_shutdown);
  if (!log) return log.error();
  c->_log = std::move(*log);
  std::size_t records = 0;
  std::error_code bad;
  SD_TRY(c->_log->replay([&](const group::store_record& r) {
    ++records;
    const auto* o = std::get_if<group::opaque_record>(&r);
    if (!o) return;  // not a transaction record: ignored
    if (!o->value) {
      c->_txns.erase(o->key);
      return;
    }
    auto m = decode_metadata(o->key, byte_span(o->value->data(), o->value->size()));
    if (!m) {
      bad = m.error();
      return;
    }
    c->_txns[o->key] = std::move(*m);
  }));
  if (bad) {
    spdlog::error("transaction log: undecodable transaction record");
    return bad;
  }
  c->refresh_gauges();
  spdlog::info("transaction coordinator: restored {} transactional id(s) from {} record(s)", c->_txns.size(), records);
  return c;
}

coordinator::~coordinator() { (void)close(); }

status coordinator::close() {
  if (_closed) return ok();
  _closed = true;
  return _log->close();
}

void coordinator::start(partition_gateway& partitions) {
  _partitions = &partitions;
  net::asio::co_spawn(
      _ex,
      [this]() -> net::awaitable<void> {
        // Re-admit the producers of transactions that were open at the crash (the partitions' permissions are
        // not durable), then loop: finish Prepare* transactions, abort timed-out ones, expire and compact.
        for (const auto& [id, m] : _txns)
          if (m.state == txn_state::ongoing)
            co_await _partitions->open({m.partitions.begin(), m.partitions.end()}, m.producer_id, m.producer_epoch);
        net::asio::steady_timer timer(_ex);
        for (;;) {
          co_await on_timer();
          timer.expires_after(std::chrono::milliseconds(std::max(100, std::min(_cfg.abort_check_interval_ms, 1000))));
          boost::system::error_code ec;
          co_await timer.async_wait(net::no_throw(ec));
          if (ec || _closed) co_return;
        }
      },
      net::asio::detached);
}

std::error_code coordinator::check_request(const std::string& id, std::int64_t producer_id, std::int16_t epoch,
                                           bool while_completing) {
  auto it = _txns.find(id);
  if (it == _txns.end() || it->second.producer_id != producer_id) return errc::invalid_producer_id_mapping;
  const txn_metadata& m = it->second;
  if (m.producer_epoch != epoch) {
    _probe.fenced_total.inc();
    return errc::producer_fenced;
  }
  if (_busy->count(id)) return errc::concurrent_transactions;
  if (!while_completing && (m.state == txn_state::prepare_commit || m.state == txn_state::prepare_abort))
    return errc::concurrent_transactions;
  return {};
}

void coordinator::append(const std::string& id, std::optional<sd::bytes> value, group::commit_callback durable) {
  std::vector<group::store_record> recs;
  recs.push_back(group::opaque_record{id, std::move(value)});
  _log->append(std::move(recs), std::move(durable));
}

net::awaitable<std::error_code> coordinator::persist(const txn_metadata& m) {
  auto done = std::make_shared<net::deferred<std::error_code>>(_ex);
  append(m.id, encode_metadata(m), net::deferred<std::error_code>::completer(done));
  co_await done->done->wait();
  if (*done->value) co_return make_error_code(errc::storage_error);
  co_return std::error_code{};
}

net::awaitable<std::error_code> coordinator::forget(const std::string& id) {
  auto done = std::make_shared<net::deferred<std::error_code>>(_ex);
  append(id, std::nullopt, net::deferred<std::error_code>::completer(done));
  co_await done->done->wait();
  co_return *done->value;
}

net::awaitable<init_result> coordinator::init_producer_id(std::string id, std::int32_t timeout_ms,
                                                          std::int64_t producer_id, std::int16_t epoch) {
  init_result out;
  if (timeout_ms <= 0 || timeout_ms > _cfg.max_timeout_ms) {
    out.error = errc::invalid_transaction_timeout;
    co_return out;
  }
  if (_busy->count(id)) {
    out.error = errc::concurrent_transactions;
    co_return out;
  }
  busy_guard busy(*this, id);
  const auto now = wall_ms_now();
  auto it = _txns.find(id);
  if (it == _txns.end()) {
    auto pid = _allocate();
    if (!pid) {
      out.error = errc::storage_error;
      co_return out;
    }
    txn_metadata m;
    m.id = id;
    m.producer_id = *pid;
    m.producer_epoch = 0;
    m.timeout_ms = timeout_ms;
    m.last_update_ms = now;
    if (auto ec = co_await persist(m)) {
      out.error = ec;
      co_return out;
    }
    _txns[id] = m;
    refresh_gauges();
    out.producer_id = m.producer_id;
    out.producer_epoch = m.producer_epoch;
    co_return out;
  }
  txn_metadata& m = it->second;
  // KIP-360: a producer that names its id and epoch asks for a bump of exactly that epoch; an older one is
  // a zombie.
  if (producer_id >= 0 && (producer_id != m.producer_id || epoch != m.producer_epoch)) {
    _probe.fenced_total.inc();
    out.error = errc::producer_fenced;
    co_return out;
  }
  if (m.state == txn_state::prepare_commit || m.state == txn_state::prepare_abort) {
    // Being completed (after a crash, or a failed marker write the timer retries).
    out.error = errc::concurrent_transactions;
    co_return out;
  }
  if (m.state == txn_state::ongoing) {
    // The previous producer's transaction is aborted under a bumped epoch, which fences it everywhere.
    if (auto ec = co_await end_transaction(m, false, true)) {
      out.error = ec == make_error_code(errc::completion_failed) ? make_error_code(errc::concurrent_transactions) : ec;
      co_return out;
    }
  }
  // A fresh epoch (a fresh producer id once the epoch space is used up).
  txn_metadata next = m;
  if (next.producer_epoch >= max_epoch - 1) {
    auto pid = _allocate();
    if (!pid) {
      out.error = errc::storage_error;
      co_return out;
    }
    next.producer_id = *pid;
    next.producer_epoch = 0;
  } else {
    ++next.producer_epoch;
  }
  next.timeout_ms = timeout_ms;
  next.state = txn_state::empty;
  next.partitions.clear();
  next.groups.clear();
  next.offsets.clear();
  next.start_ms = -1;
  next.last_update_ms = now;
  if (auto ec = co_await persist(next)) {
    out.error = ec;
    co_return out;
  }
  m = std::move(next);
  refresh_gauges();
  out.producer_id = m.producer_id;
  out.producer_epoch = m.producer_epoch;
  co_return out;
}

net::awaitable<std::error_code> coordinator::add_partitions(std::string id, std::int64_t producer_id,
                                                            std::int16_t epoch, std::vector<topic_partition> tps) {
  if (auto ec = check_request(id, producer_id, epoch, false)) co_return ec;
  auto it = _txns.find(id);
  busy_guard busy(*this, id);
  txn_metadata next = it->second;
  const bool was_ongoing = next.state == txn_state::ongoing;
  begin_if_idle(next, wall_ms_now());
  std::vector<topic_partition> added;
  for (auto& tp : tps)
    if (next.partitions.insert(tp).second) added.push_back(tp);
  if (was_ongoing && added.empty()) co_return std::error_code{};  // a retry: nothing new
  next.last_update_ms = wall_ms_now();
  if (auto ec = co_await persist(next)) co_return ec;
  // Durable first, then the partitions accept the producer's batches: a crash in between leaves the
  // partitions in the log, and the timeout aborts them.
  co_await _partitions->open(std::move(added), next.producer_id, next.producer_epoch);
  _txns[id] = std::move(next);
  refresh_gauges();
  co_return std::error_code{};
}

net::awaitable<std::error_code> coordinator::add_offsets(std::string id, std::int64_t producer_id, std::int16_t epoch,
                                                         std::string group_id) {
  if (auto ec = check_request(id, producer_id, epoch, false)) co_return ec;
  auto it = _txns.find(id);
  if (it->second.state == txn_state::ongoing && it->second.groups.count(group_id)) co_return std::error_code{};
  busy_guard busy(*this, id);
  txn_metadata next = it->second;
  begin_if_idle(next, wall_ms_now());
  next.groups.insert(group_id);
  next.last_update_ms = wall_ms_now();
  if (auto ec = co_await persist(next)) co_return ec;
  _txns[id] = std::move(next);
  refresh_gauges();
  co_return std::error_code{};
}

net::awaitable<std::error_code> coordinator::txn_offset_commit(std::string id, std::int64_t producer_id,
                                                               std::int16_t epoch, group::commit_request req) {
  if (auto ec = check_request(id, producer_id, epoch, false)) co_return ec;
  auto it = _txns.find(id);
  // The group must be part of the transaction (AddOffsetsToTxn first), else these offsets would never be
  // committed or aborted.
  if (it->second.state != txn_state::ongoing || !it->second.groups.count(req.group_id))
    co_return make_error_code(errc::invalid_txn_state);
  if (auto ec = _groups.manager().check_transactional_committer(req)) co_return ec;
  busy_guard busy(*this, id);
  txn_metadata next = it->second;
  auto& pending = next.offsets[req.group_id];
  for (auto& [tp, c] : req.offsets) pending[tp] = c;
  next.last_update_ms = wall_ms_now();
  if (auto ec = co_await persist(next)) co_return ec;
  _txns[id] = std::move(next);
  co_return std::error_code{};
}

net::awaitable<std::error_code> coordinator::end_txn(std::string id, std::int64_t producer_id, std::int16_t epoch,
                                                     bool commit) {
  if (auto ec = check_request(id, producer_id, epoch, true)) co_return ec;
  txn_metadata& m = _txns.find(id)->second;
  const auto wanted_prepare = commit ? txn_state::prepare_commit : txn_state::prepare_abort;
  const auto wanted_complete = commit ? txn_state::complete_commit : txn_state::complete_abort;
  if (m.state == wanted_complete) co_return std::error_code{};  // a retry of an EndTxn that succeeded
  busy_guard busy(*this, id);
  if (m.state == wanted_prepare) co_return co_await complete(m);  // a retry after a failed completion
  if (m.state != txn_state::ongoing) co_return make_error_code(errc::invalid_txn_state);
  co_return co_await end_transaction(m, commit, false);
}

net::awaitable<std::error_code> coordinator::end_transaction(txn_metadata& m, bool commit, bool fence) {
  txn_metadata next = m;
  if (fence) next.producer_epoch = static_cast<std::int16_t>(std::min<int>(next.producer_epoch + 1, max_epoch));
  next.state = commit ? txn_state::prepare_commit : txn_state::prepare_abort;
  next.last_update_ms = wall_ms_now();
  if (!commit) next.offsets.clear();  // aborted offsets vanish
  if (auto ec = co_await persist(next)) co_return ec;
  m = std::move(next);
  co_return co_await complete(m);
}

net::awaitable<std::error_code> coordinator::complete(txn_metadata& m) {
  if (m.state != txn_state::prepare_commit && m.state != txn_state::prepare_abort)
    co_return make_error_code(errc::invalid_txn_state);  // finished meanwhile: nothing to complete
  const bool commit = m.state == txn_state::prepare_commit;
  if (_cfg.fault_kill_at == "prepared") std::_Exit(137);
  // `m` stays valid across the awaits: the id is busy, so nothing erases or replaces it meanwhile.
  std::vector<topic_partition> tps(m.partitions.begin(), m.partitions.end());
  auto ec = co_await _partitions->write_markers(std::move(tps), m.producer_id, m.producer_epoch,
                                                commit ? producer::marker_kind::commit : producer::marker_kind::abort);
  if (ec) {
    spdlog::warn("transaction {}: writing {} markers failed ({}); retried", m.id, commit ? "COMMIT" : "ABORT",
                 ec.message());
    co_return make_error_code(errc::completion_failed);
  }
  if (_cfg.fault_kill_at == "marked") std::_Exit(137);
  if (commit) {
    for (const auto& [group_id, offsets] : m.offsets) {
      auto done = std::make_shared<net::deferred<std::error_code>>(_ex);
      std::vector<std::pair<topic_partition, group::committed_offset>> list(offsets.begin(), offsets.end());
      _groups.manager().commit_transactional(group_id, std::move(list), net::deferred<std::error_code>::completer(done));
      co_await done->done->wait();
      if (*done->value) {
        spdlog::warn("transaction {}: storing the offsets of group {} failed ({}); retried", m.id, group_id,
                     done->value->message());
        co_return make_error_code(errc::completion_failed);
      }
    }
  }
  txn_metadata next = m;
  next.state = commit ? txn_state::complete_commit : txn_state::complete_abort;
  next.offsets.clear();
  next.start_ms = -1;
  next.last_update_ms = wall_ms_now();
  // The decision and its effects are durable; this record only saves recovery from repeating them, so it
  // is not waited for (it syncs with the next group commit; later records of the id follow it in the log).
  append(next.id, encode_metadata(next), {});
  m = std::move(next);
  (commit ? _probe.commits_total : _probe.aborts_total).inc();
  refresh_gauges();
  co_return std::error_code{};
}

net::awaitable<void> coordinator::abort_timed_out(std::string id, std::int64_t started_ms) {
  auto it = _txns.find(id);
  // Still the transaction the scan found (it may have ended, and another begun, during an earlier await).
  if (it == _txns.end() || _busy->count(id) || it->second.state != txn_state::ongoing ||
      it->second.start_ms != started_ms)
    co_return;
  busy_guard busy(*this, id);
  txn_metadata& m = it->second;
  spdlog::info("transaction {} (producer {} epoch {}) passed its timeout of {} ms: aborting it", id, m.producer_id,
               m.producer_epoch, m.timeout_ms);
  // Fence the producer (fence = true): the markers carry the bumped epoch, and the coordinator answers the
  // old one PRODUCER_FENCED from now on.
  auto ec = co_await end_transaction(m, false, true);
  if (!ec) _probe.timeouts_total.inc();
}

net::awaitable<void> coordinator::on_timer() {
  const auto now = wall_ms_now();
  // Timed-out transactions are looked for every abort_check_interval_ms; the loop itself runs at least once a
  // second, so a Prepare* transaction (after a crash or a failed marker write) is finished promptly.
  const bool scan_timeouts = now - _last_timeout_scan_ms >= _cfg.abort_check_interval_ms;
  if (scan_timeouts) _last_timeout_scan_ms = now;
  std::vector<std::pair<std::string, std::int64_t>> to_abort;  // id, start of the timed-out transaction
  std::vector<std::string> to_complete, to_forget;
  for (const auto& [id, m] : _txns) {
    if (_busy->count(id)) continue;
    if (scan_timeouts && m.state == txn_state::ongoing && m.start_ms >= 0 && now - m.start_ms > m.timeout_ms) {
      to_abort.emplace_back(id, m.start_ms);
    } else if (m.state == txn_state::prepare_commit || m.state == txn_state::prepare_abort) {
      to_complete.push_back(id);
    } else if (!is_open(m.state) && now - m.last_update_ms > _cfg.id_expiration_ms) {
      to_forget.push_back(id);
    }
  }
  // Each id is checked again before acting: the awaits of earlier ids let requests change it meanwhile.
  for (auto& [id, started] : to_abort) co_await abort_timed_out(id, started);
  for (auto& id : to_complete) {
    auto it = _txns.find(id);
    if (it == _txns.end() || _busy->count(id)) continue;
    if (it->second.state != txn_state::prepare_commit && it->second.state != txn_state::prepare_abort) continue;
    busy_guard busy(*this, id);
    co_await complete(it->second);
  }
  for (auto& id : to_forget) {
    auto it = _txns.find(id);
    if (it == _txns.end() || _busy->count(id) || is_open(it->second.state) ||
        wall_ms_now() - it->second.last_update_ms <= _cfg.id_expiration_ms)
      continue;
    busy_guard busy(*this, id);
    auto ec = co_await forget(id);
    if (!ec) _txns.erase(id);
  }
  refresh_gauges();
}

const txn_metadata* coordinator::find(const std::string& id) const {
  auto it = _txns.find(id);
  return it == _txns.end() ? nullptr : &it->second;
}

std::vector<txn_metadata> coordinator::list() const {
  std::vector<txn_metadata> out;
  out.reserve(_txns.size());
  for (const auto& [id, m] : _txns) out.push_back(m);
  return out;
}

bool coordinator::has_pending_offsets(const std::string& group_id, const topic_partition& tp) const {
  for (const auto& [id, m] : _txns) {
    if (!is_open(m.state)) continue;
    auto g = m.offsets.find(group_id);
    if (g != m.offsets.end() && g->second.count(tp)) return true;
  }
  return false;
}

void coordinator::refresh_gauges() {
  std::int64_t open = 0, oldest = 0;
  for (const auto& [id, m] : _txns) {
    if (!is_open(m.state)) continue;
    ++open;
    if (m.start_ms > 0 && (oldest == 0 || m.start_ms < oldest)) oldest = m.start_ms;
  }
  _probe.transactional_ids.set(static_cast<std::int64_t>(_txns.size()));
  _probe.open_transactions.set(open);
  _probe.oldest_open_start_ms.set(oldest);
}

}  // namespace sd::txn
