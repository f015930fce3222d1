#include "relay/forwarder.h"

#include <librdkafka/rdkafkacpp.h>
#include <spdlog/spdlog.h>

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <deque>
#include <filesystem>
#include <set>

#include "client/murmur2.h"
#include "relay/positions.h"
#include "relay/upstream_scan.h"

namespace sd::relay {
namespace {

using clock = std::chrono::steady_clock;
constexpr auto max_backoff = std::chrono::milliseconds(5000);
constexpr auto mark_interval = std::chrono::milliseconds(100);

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Errors that concern one record and will never succeed however often it is sent.
bool record_specific(RdKafka::ErrorCode err) {
  return err == RdKafka::ERR_MSG_SIZE_TOO_LARGE || err == RdKafka::ERR_INVALID_RECORD ||
         err == RdKafka::ERR_RECORD_LIST_TOO_LARGE || err == RdKafka::ERR_INVALID_MSG ||
         err == RdKafka::ERR__MSG_TIMED_OUT /* impossible with message.timeout.ms=0 */ ||
         err == RdKafka::ERR__UNKNOWN_PARTITION;
}

}  // namespace

const char* to_string(upstream_state s) {
  switch (s) {
    case upstream_state::connecting: return "connecting";
    case upstream_state::up: return "up";
    case upstream_state::down: return "down";
    case upstream_state::error: return "error";
  }
  return "?";
}

struct forwarder::impl final : RdKafka::DeliveryReportCb, RdKafka::EventCb {
  struct entry {
    std::uint64_t seq = 0;
    std::size_t bytes = 0;
    topic_partition tp;
    clock::time_point sent;
    bool done = false;
    std::int64_t offset = -1;
    RdKafka::ErrorCode error = RdKafka::ERR_NO_ERROR;
  };

  forwarder& self;
  std::unique_ptr<RdKafka::Conf> conf;
  std::unique_ptr<RdKafka::Producer> producer;
  std::map<std::string, std::int32_t> partition_counts;
  std::map<topic_partition, std::uint64_t> skip_through;  // from the last resume: ours upstream up to this seq
  std::set<std::uint64_t> rejected;                        // refused by the upstream for good
  std::deque<entry> window;                                // read order == seq order
  std::uint64_t popped = 0;                                // window index of window.front()
  std::size_t window_bytes = 0;
  std::uint64_t next_seq = 1;           // next seq to read from the spool
  std::uint64_t delivered_through = 0;  // every record <= this is upstream (or rejected for good)
  std::uint64_t marked = 0;             // what the ledger says
  bool failed = false;
  std::string failure;
  position_map positions;
  std::string positions_path;
  bool positions_dirty = false;
  clock::time_point last_mark = clock::now();
  std::chrono::milliseconds backoff{250};
  clock::time_point retry_at{};
  clock::time_point next_round_at{};
  bool in_round = false;
  std::atomic<bool> durable_wait_armed{false};
  long crash_before_ledger = 0;  // STREAMDOWN_RELAY_CRASH_BEFORE_LEDGER=N: SIGKILL at the N-th ledger write

  explicit impl(forwarder& f) : self(f) {
    if (const char* n = std::getenv("STREAMDOWN_RELAY_CRASH_BEFORE_LEDGER")) crash_before_ledger = std::atol(n);
  }

  void set_state(upstream_state s, const std::string& why = {}) {
    if (self._stats.state.exchange(static_cast<int>(s)) != static_cast<int>(s)) {
      self._stats.state_since_ms = wall_ms();
      if (s == upstream_state::up) spdlog::info("relay: upstream {} is up", self._config.bootstrap_servers);
      else if (!why.empty()) spdlog::warn("relay: upstream {}: {}", to_string(s), why);
    }
    if (!why.empty()) {
      std::lock_guard lk(self._mu);
      self._stats.last_error = why;
    }
  }

  void dr_cb(RdKafka::Message& m) override {
    const auto index = reinterpret_cast<std::uintptr_t>(m.msg_opaque());
    if (index < popped || index - popped >= window.size()) return;  // a purged window
    auto& e = window[index - popped];
    e.done = true;
    e.error = m.err();
    self._stats.in_flight.fetch_sub(1, std::memory_order_relaxed);
    if (m.err() == RdKafka::ERR_NO_ERROR) {
      e.offset = m.offset();
      self._stats.forwarded_total.fetch_add(1, std::memory_order_relaxed);
      self._stats.forwarded_bytes_total.fetch_add(e.bytes, std::memory_order_relaxed);
      self._stats.latency.observe_ns(static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - e.sent).count()));
      set_state(upstream_state::up);
    } else if (!failed) {
      failed = true;
      failure = "delivery of seq " + std::to_string(e.seq) + " to " + e.tp.first + "/" + std::to_string(e.tp.second) +
                " failed: " + m.errstr();
    }
  }

  void event_cb(RdKafka::Event& ev) override {
    if (ev.type() == RdKafka::Event::EVENT_ERROR) {
      self._stats.errors_total.fetch_add(1, std::memory_order_relaxed);
      if (ev.fatal()) {
        failed = true;
        failure = "fatal producer error: " + ev.str();
      } else if (ev.err() == RdKafka::ERR__ALL_BROKERS_DOWN || ev.err() == RdKafka::ERR__TRANSPORT ||
                 ev.err() == RdKafka::ERR__RESOLVE) {
        if (!window.empty() || ev.err() == RdKafka::ERR__ALL_BROKERS_DOWN) set_state(upstream_state::down, ev.str());
      }
    } else if (ev.type() == RdKafka::Event::EVENT_LOG && ev.severity() <= RdKafka::Event::EVENT_SEVERITY_WARNING) {
      spdlog::debug("relay upstream: {} {}", ev.fac(), ev.str());
    }
  }

  void build_conf() {
    conf.reset(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    std::string err;
    auto set = [&](const std::string& k, const std::string& v) {
      if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK) throw std::runtime_error("upstream." + k + ": " + err);
    };
    set("bootstrap.servers", self._config.bootstrap_servers);
    set("reconnect.backoff.max.ms", "5000");
    set("linger.ms", "5");
    set("queue.buffering.max.messages",
        std::to_string(std::max<std::size_t>(100000, self._config.forward_max_in_flight_records + 1000)));
    set("queue.buffering.max.kbytes",
        std::to_string(std::max<std::size_t>(1 << 20, self._config.forward_max_in_flight_bytes / 1024 * 2 + 1024)));
    for (const auto& [k, v] : self._config.upstream_settings) set(k, v);
    set("enable.idempotence", "true");
    set("message.timeout.ms", "0");  // never give up on a record: a timeout would let later ones pass it
    if (conf->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(this), err) != RdKafka::Conf::CONF_OK ||
        conf->set("event_cb", static_cast<RdKafka::EventCb*>(this), err) != RdKafka::Conf::CONF_OK)
      throw std::runtime_error(err);
  }

  bool create_producer(std::string& error) {
    std::string err;
    producer.reset(RdKafka::Producer::create(conf.get(), err));
    if (!producer) error = "cannot create the upstream producer: " + err;
    return producer != nullptr;
  }

  // Partition count of an upstream topic (creating it when the upstream auto-creates). nullopt: not known yet.
  std::optional<std::int32_t> partitions_of(const std::string& topic, std::string& error) {
    if (auto it = partition_counts.find(topic); it != partition_counts.end()) return it->second;
    std::string err;
    std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(producer.get(), topic, nullptr, err));
    if (!t) {
      error = "topic " + topic + ": " + err;
      return std::nullopt;
    }
    for (int attempt = 0; attempt < 3; ++attempt) {
      RdKafka::Metadata* raw = nullptr;
      auto code = producer->metadata(false, t.get(), &raw, 5000);
      std::unique_ptr<RdKafka::Metadata> md(raw);
      if (code != RdKafka::ERR_NO_ERROR) {
        error = "metadata for " + topic + ": " + RdKafka::err2str(code);
        return std::nullopt;
      }
      for (const auto* tm : *md->topics()) {
        if (tm->topic() != topic) continue;
        if (tm->err() == RdKafka::ERR_NO_ERROR && !tm->partitions()->empty()) {
          auto n = static_cast<std::int32_t>(tm->partitions()->size());
          partition_counts[topic] = n;
          return n;
        }
        error = "topic " + topic + " upstream: " + RdKafka::err2str(tm->err());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (error.empty()) error = "topic " + topic + " is not known upstream";
    return std::nullopt;
  }

  std::optional<topic_partition> partition_for(const spool::record& r, std::string& error) {
    auto n = partitions_of(r.topic, error);
    if (!n) return std::nullopt;
    std::int32_t p = 0;
    if (r.partition >= 0) p = r.partition;  // out of range: the upstream refuses it (rejected, logged)
    else if (r.key) p = client::murmur2_partition(*r.key, *n);
    else p = static_cast<std::int32_t>(r.seq % static_cast<std::uint64_t>(*n));
    return topic_partition{r.topic, p};
  }

  // Resume (forwarder.h): read the tails of every partition pending records go to; skip what is there.
  bool resume(std::string& error) {
    self._stats.resumes_total.fetch_add(1, std::memory_order_relaxed);
    partition_counts.clear();
    skip_through.clear();
    const std::uint64_t ledger = self._spool.forwarded_seq();
    const std::uint64_t durable = self._spool.durable_seq();
    std::map<topic_partition, std::optional<std::int64_t>> hints;
    for (std::uint64_t from = ledger + 1; from <= durable;) {
      auto batch = self._spool.read(from, 4096, 8u << 20);
      if (!batch) {
        error = "reading the spool: " + batch.error().message();
        return false;
      }
      if (batch->empty()) break;
      for (const auto& r : *batch) {
        auto tp = partition_for(r, error);
        if (!tp) return false;
        if (!hints.contains(*tp)) {
          auto pos = positions.find(*tp);
          hints[*tp] = pos == positions.end() ? std::nullopt : std::optional<std::int64_t>(pos->second);
        }
      }
      from = batch->back().seq + 1;
    }
    scan_settings s{self._config.bootstrap_servers, self._config.upstream_settings, self._config.relay_id, ledger};
    auto found = scan_upstream_tails(s, hints, self._spool.get_stats().written_seq, error);
    if (!found) return false;
    self._stats.resume_scanned_total.fetch_add(found->records_read, std::memory_order_relaxed);
    if (found->foreign_seq_records > 0)
      spdlog::error("relay: {} upstream records carry relay.id '{}' with a spool seq this spool never wrote: another "
                    "relay uses the same relay.id (exactly-once does not hold between them)",
                    found->foreign_seq_records, self._config.relay_id);
    std::uint64_t skipped_upto = 0;
    for (const auto& [tp, seq] : found->max_seq) {
      if (seq > ledger) skip_through[tp] = seq;
      skipped_upto = std::max(skipped_upto, seq);
    }
    for (const auto& [tp, off] : found->max_offset) positions[tp] = off;
    window.clear();
    window_bytes = 0;
    self._stats.in_flight = 0;
    delivered_through = marked = ledger;
    next_seq = ledger + 1;
    spdlog::info("relay: resumed forwarding after seq {} ({} partitions checked, {} upstream records read{})", ledger,
                 hints.size(), found->records_read,
                 skipped_upto > ledger ? ", up to seq " + std::to_string(skipped_upto) + " already upstream" : "");
    return true;
  }

  // Drops the producer after a failure; the next loop turn resumes from the first record not upstream.
  void reset_after_failure() {
    for (const auto& e : window) {
      if (e.done && e.error != RdKafka::ERR_NO_ERROR && record_specific(e.error) && !rejected.contains(e.seq)) {
        rejected.insert(e.seq);
        self._stats.rejected_total.fetch_add(1, std::memory_order_relaxed);
        spdlog::error("relay: the upstream refused spool seq {} for good ({}); it is skipped",
                      e.seq, RdKafka::err2str(e.error));
        break;  // only the first: later failures may be consequences of it
      }
    }
    self._stats.errors_total.fetch_add(1, std::memory_order_relaxed);
    set_state(upstream_state::error, failure);
    if (producer) {
      producer->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
      producer->flush(1000);
      producer.reset();
    }
    advance();
    mark(true);
    window.clear();
    window_bytes = 0;
    self._stats.in_flight = 0;
    failed = false;
    failure.clear();
    schedule_retry();
  }

  void schedule_retry() {
    retry_at = clock::now() + backoff;
    backoff = std::min(backoff * 2, max_backoff);
  }

  // Pops acknowledged records off the front; delivered_through follows seq order only.
  void advance() {
    while (!window.empty() && window.front().done && window.front().error == RdKafka::ERR_NO_ERROR) {
      const auto& e = window.front();
      delivered_through = e.seq;
      if (e.offset >= 0) {
        positions[e.tp] = e.offset;
        positions_dirty = true;
      }
      window_bytes -= e.bytes;
      window.pop_front();
      ++popped;
    }
  }

  void mark(bool force) {
    if (delivered_through <= marked) return;
    if (!force && clock::now() - last_mark < mark_interval && !window.empty()) return;
    // Fault hook for the crash tests: die between the upstream's acknowledgement and the ledger write.
    if (crash_before_ledger > 0 && --crash_before_ledger == 0) ::kill(::getpid(), SIGKILL);
    if (auto st = self._spool.mark_forwarded(delivered_through); !st) {
      spdlog::error("relay: recording forwarded seq {} in the spool ledger failed: {}", delivered_through,
                    st.error().message());
      return;
    }
    marked = delivered_through;
    last_mark = clock::now();
    if (positions_dirty && save_positions(positions_path, positions)) positions_dirty = false;
  }

  // Reads from the spool and hands records to the producer while the window has room.
  void fill(std::string& error) {
    const auto& cfg = self._config;
    if (cfg.forward_interval.count() > 0 && !in_round) {
      if (clock::now() < next_round_at) return;
      in_round = true;
    }
    while (window.size() < cfg.forward_max_in_flight_records && window_bytes < cfg.forward_max_in_flight_bytes) {
      const std::size_t room = cfg.forward_max_in_flight_records - window.size();
      auto batch = self._spool.read(next_seq, std::min<std::size_t>(room, 1024),
                                    std::min<std::size_t>(cfg.forward_max_in_flight_bytes - window_bytes, 4u << 20));
      if (!batch) {
        error = "reading the spool: " + batch.error().message();
        return;
      }
      if (batch->empty()) {
        if (in_round && window.empty()) {
          in_round = false;
          next_round_at = clock::now() + cfg.forward_interval;
        }
        return;
      }
      for (auto& r : *batch) {
        if (!send(r, error)) return;
        next_seq = r.seq + 1;
      }
    }
  }

  // false: stop filling (not sent; next_seq stays at this record).
  bool send(spool::record& r, std::string& error) {
    entry e;
    e.seq = r.seq;
    e.bytes = r.topic.size() + (r.key ? r.key->size() : 0) + (r.value ? r.value->size() : 0);
    for (const auto& [k, v] : r.headers) e.bytes += k.size() + v.size();
    e.sent = clock::now();
    if (rejected.contains(r.seq)) {
      e.done = true;
      enqueue(std::move(e));
      return true;
    }
    auto tp = partition_for(r, error);
    if (!tp) return false;
    e.tp = *tp;
    if (auto it = skip_through.find(*tp); it != skip_through.end() && r.seq <= it->second) {
      e.done = true;
      self._stats.skipped_total.fetch_add(1, std::memory_order_relaxed);
      enqueue(std::move(e));
      return true;
    }
    const std::uintptr_t index = popped + window.size();
    while (true) {
      RdKafka::Headers* headers = RdKafka::Headers::create();
      for (const auto& [k, v] : r.headers) headers->add(k, v.data(), v.size());
      headers->add(relay_id_header, self._config.relay_id);
      headers->add(spool_seq_header, std::to_string(r.seq));
      auto code = producer->produce(r.topic, tp->second, RdKafka::Producer::RK_MSG_COPY,
                                    r.value ? const_cast<char*>(r.value->data()) : nullptr, r.value ? r.value->size() : 0,
                                    r.key ? r.key->data() : nullptr, r.key ? r.key->size() : 0, r.timestamp_ms, headers,
                                    reinterpret_cast<void*>(index));
      if (code == RdKafka::ERR_NO_ERROR) break;
      delete headers;
      if (code == RdKafka::ERR__QUEUE_FULL) {
        producer->poll(10);
        if (self._stop) return false;
        continue;
      }
      // Refused before sending (e.g. larger than message.max.bytes, partition out of range): for good.
      rejected.insert(r.seq);
      self._stats.rejected_total.fetch_add(1, std::memory_order_relaxed);
      spdlog::error("relay: spool seq {} cannot be sent to {}/{}: {}; it is skipped", r.seq, tp->first, tp->second,
                    RdKafka::err2str(code));
      e.done = true;
      enqueue(std::move(e));
      return true;
    }
    enqueue(std::move(e));
    self._stats.in_flight.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  // Every entry, sent or settled at once (skipped, rejected), counts in window_bytes until advance() pops it:
  // advance() subtracts what this added, so the two must agree or window_bytes wraps and filling stops.
  void enqueue(entry e) {
    window_bytes += e.bytes;
    window.push_back(std::move(e));
  }

  void arm_durable_wait() {
    if (durable_wait_armed.exchange(true)) return;
    self._spool.notify_on_durable(next_seq - 1, [this] {
      durable_wait_armed = false;
      std::lock_guard lk(self._mu);
      self._wake = true;
      self._cv.notify_all();
    });
  }
};

forwarder::forwarder(const relay_config& config, spool::spool& spool)
    : _config(config), _spool(spool), _impl(std::make_unique<impl>(*this)) {
  _impl->build_conf();  // throws on a bad upstream.* setting: a start-up error
  const std::string dir = config.spool.dir + "/forwarder";
  std::filesystem::create_directories(dir);
  _impl->positions_path = dir + "/positions.json";
  _impl->positions = load_positions(_impl->positions_path);
}

forwarder::~forwarder() { stop(std::chrono::milliseconds(0)); }

std::string forwarder::last_error() const {
  std::lock_guard lk(_mu);
  return _stats.last_error;
}

void forwarder::start() {
  _stats.state_since_ms = wall_ms();
  _thread = std::thread([this] { run(); });
}

void forwarder::stop(std::chrono::milliseconds drain) {
  if (!_thread.joinable()) return;
  {
    std::lock_guard lk(_mu);
    _drain_deadline = clock::now() + drain;
    _stop = true;
    _wake = true;
  }
  _cv.notify_all();
  _thread.join();
}

void forwarder::run() {
  auto& s = *_impl;
  while (true) {
    std::string error;
    if (_stop && (s.window.empty() || !s.producer || clock::now() >= _drain_deadline)) break;
    if (!s.producer) {
      if (_stop) break;
      if (clock::now() < s.retry_at) {
        std::unique_lock lk(_mu);
        _cv.wait_until(lk, s.retry_at, [this] { return _stop.load(); });
        continue;
      }
      if (!s.create_producer(error) || !s.resume(error)) {
        s.producer.reset();
        _stats.errors_total.fetch_add(1, std::memory_order_relaxed);
        s.set_state(upstream_state::down, error);
        s.schedule_retry();
        continue;
      }
      s.backoff = std::chrono::milliseconds(250);
      s.set_state(upstream_state::up);
    }
    if (!_stop && clock::now() >= s.retry_at) s.fill(error);
    if (!error.empty()) {
      s.set_state(upstream_state::error, error);
      s.schedule_retry();
    }
    s.producer->poll(s.window.empty() ? 0 : 20);
    if (s.failed) {
      s.reset_after_failure();
      continue;
    }
    s.advance();
    s.mark(false);
    if (s.window.empty() && !_stop) {
      s.mark(true);
      s.arm_durable_wait();
      std::unique_lock lk(_mu);
      const auto until = error.empty() ? clock::now() + std::chrono::milliseconds(200) : s.retry_at;
      _cv.wait_until(lk, until, [this] { return _wake || _stop.load(); });
      _wake = false;
    }
  }
  if (s.producer) {
    s.producer->poll(0);
    s.advance();
    s.mark(true);
    s.producer->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
    s.producer->flush(500);
    s.producer.reset();
  }
}

}  // namespace sd::relay
