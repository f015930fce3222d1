#include "producer/producer_state.h"

#include <algorithm>
#include <limits>

namespace sd::producer {

namespace {

constexpr std::int64_t max_sweep_interval_ms = 60'000;

batch_meta meta_of(const batch::header& h) {
  batch_meta m;
  m.first_seq = h.base_sequence;
  m.last_seq = increment_sequence(h.base_sequence, h.last_offset_delta);
  m.base_offset = h.base_offset;
  m.last_offset = h.last_offset();
  m.timestamp = h.max_timestamp;
  return m;
}

void push_batch(producer_entry& e, const batch_meta& m) {
  e.batches.push_back(m);
  while (e.batches.size() > max_batches) e.batches.pop_front();
}

}  // namespace

std::int32_t increment_sequence(std::int32_t seq, std::int32_t delta) noexcept {
  constexpr std::int32_t max = std::numeric_limits<std::int32_t>::max();
  if (seq > max - delta) return delta - (max - seq) - 1;
  return seq + delta;
}

result<check_result> producer_state_table::check(const batch::header& h, std::int64_t now_ms) {
  auto r = decide(h, now_ms);
  if (_probe) {
    if (!r) {
      (r.error() == errc::invalid_producer_epoch ? _probe->invalid_epoch_total : _probe->out_of_order_total).inc();
    } else if (r->kind == verdict::duplicate) {
      _probe->duplicates_total.inc();
    }
  }
  return r;
}

result<check_result> producer_state_table::decide(const batch::header& h, std::int64_t now_ms) {
  check_result out;
  if (!h.has_producer_id()) return out;
  auto it = _entries.find(h.producer_id);
  if (it != _entries.end() && expired(it->second, now_ms)) {
    if (_probe) _probe->expired_total.inc();
    _entries.erase(it);
    it = _entries.end();
  }
  if (it == _entries.end()) return out;  // unknown or expired producer: any sequence
  const producer_entry& e = it->second;
  if (h.producer_epoch < e.epoch) return errc::invalid_producer_epoch;
  if (h.producer_epoch == e.epoch) {
    const std::int32_t last_seq = increment_sequence(h.base_sequence, h.last_offset_delta);
    for (const auto& b : e.batches) {
      if (b.first_seq == h.base_sequence && b.last_seq == last_seq) {
        out.kind = verdict::duplicate;
        out.original = b;
        return out;
      }
    }
    if (e.batches.empty()) return out;
    if (h.base_sequence != increment_sequence(e.batches.back().last_seq, 1)) return errc::out_of_order_sequence;
    return out;
  }
  // A newer epoch starts its sequences again.
  if (h.base_sequence != 0) return errc::out_of_order_sequence;
  return out;
}

void producer_state_table::record(const batch::header& h, std::int64_t now_ms) {
  if (!h.has_producer_id()) return;
  auto& e = _entries[h.producer_id];
  if (e.producer_id != h.producer_id || h.producer_epoch != e.epoch) {
    // New producer, or a new epoch: the old epoch's batches can no longer be duplicates.
    e.producer_id = h.producer_id;
    e.epoch = h.producer_epoch;
    e.batches.clear();
  }
  e.last_update_ms = now_ms;
  push_batch(e, meta_of(h));
  if (h.transactional() && e.txn_first_offset < 0) {
    e.txn_first_offset = h.base_offset;
    ++_open_txns;
  }
  maybe_sweep(now_ms);
}

void producer_state_table::record_marker(std::int64_t producer_id, std::int16_t epoch, marker_kind kind,
                                         std::int64_t marker_offset, std::int64_t now_ms) {
  auto& e = _entries[producer_id];
  if (e.producer_id != producer_id) {
    e.producer_id = producer_id;
    e.epoch = epoch;
  }
  if (epoch > e.epoch) {
    e.epoch = epoch;
    e.batches.clear();
  }
  e.last_update_ms = now_ms;
  if (e.txn_first_offset >= 0) {
    if (kind == marker_kind::abort) _aborted.push_back({producer_id, e.txn_first_offset, marker_offset});
    --_open_txns;
  }
  e.txn_first_offset = -1;
}

std::optional<std::int64_t> producer_state_table::first_unstable_offset() const {
  std::optional<std::int64_t> first;
  if (_open_txns == 0) return first;  // the common case: no walk
  for (const auto& [id, e] : _entries)
    if (e.txn_first_offset >= 0 && (!first || e.txn_first_offset < *first)) first = e.txn_first_offset;
  return first;
}

std::size_t producer_state_table::open_transactions() const { return _open_txns; }

std::vector<aborted_txn> producer_state_table::aborted_between(std::int64_t from, std::int64_t to) const {
  std::vector<aborted_txn> out;
  // Sorted by last offset: skip those ending before `from`.
  auto it = std::lower_bound(_aborted.begin(), _aborted.end(), from,
                             [](const aborted_txn& a, std::int64_t v) { return a.last_offset < v; });
  for (; it != _aborted.end(); ++it)
    if (it->first_offset < to) out.push_back(*it);
  return out;
}

void producer_state_table::trim_aborted(std::int64_t log_start) {
  std::erase_if(_aborted, [&](const aborted_txn& a) { return a.last_offset < log_start; });
}

void producer_state_table::replay(const batch::header& h, std::int64_t now_ms) {
  if (!h.has_producer_id()) return;
  auto it = _entries.find(h.producer_id);
  if (it != _entries.end() && h.producer_epoch < it->second.epoch) return;
  record(h, now_ms);
}

void producer_state_table::maybe_sweep(std::int64_t now_ms) {
  const std::int64_t interval = std::min(_expiration_ms, max_sweep_interval_ms);
  if (now_ms - _last_sweep_ms < interval) return;
  _last_sweep_ms = now_ms;
  expire(now_ms);
}

std::size_t producer_state_table::expire(std::int64_t now_ms) {
  auto n = std::erase_if(_entries, [&](const auto& kv) { return expired(kv.second, now_ms); });
  if (_probe) _probe->expired_total.inc(n);
  return n;
}

const producer_entry* producer_state_table::find(std::int64_t producer_id) const {
  auto it = _entries.find(producer_id);
  return it == _entries.end() ? nullptr : &it->second;
}

std::vector<producer_entry> producer_state_table::entries() const {
  std::vector<producer_entry> out;
  out.reserve(_entries.size());
  for (const auto& [id, e] : _entries) out.push_back(e);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.producer_id < b.producer_id; });
  return out;
}

void producer_state_table::assign(std::vector<producer_entry> entries) {
  _entries.clear();
  _aborted.clear();
  _open_txns = 0;
  for (auto& e : entries) {
    _open_txns += e.txn_first_offset >= 0;
    _entries[e.producer_id] = std::move(e);
  }
}

}  // namespace sd::producer
