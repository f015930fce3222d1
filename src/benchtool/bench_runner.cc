#include "benchtool/bench_runner.h"

#include <librdkafka/rdkafka.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cmath>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "benchtool/proc_stat.h"

namespace sd::benchtool {
namespace {

std::uint64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

void sleep_until_ns(std::uint64_t t) {
  timespec ts{static_cast<time_t>(t / 1000000000ull), static_cast<long>(t % 1000000000ull)};
  while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

struct rk_deleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using rk_ptr = std::unique_ptr<rd_kafka_t, rk_deleter>;

// Counters shared by the sending thread, the delivery-report thread and the progress thread.
struct shared_counters {
  std::atomic<std::uint64_t> done{0};    // delivered + failed
  std::atomic<std::uint64_t> ok{0};
  std::atomic<std::uint64_t> ok_bytes{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<std::uint64_t> last_ns{0};  // time of the last delivery / message
  std::atomic<bool> stop{false};
};

// The delivery-report thread is the only writer of `hist`; it is read after that thread is joined.
struct produce_state {
  shared_counters counters;
  latency_histogram hist;
  std::string first_error;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* st = static_cast<produce_state*>(opaque);
  std::uint64_t t = now_ns();
  auto origin = reinterpret_cast<std::uintptr_t>(m->_private);
  if (m->err) {
    if (st->counters.failed.fetch_add(1) == 0) st->first_error = rd_kafka_err2str(m->err);
  } else {
    st->hist.record(t > origin ? t - origin : 0);
    st->counters.ok.fetch_add(1, std::memory_order_relaxed);
    st->counters.ok_bytes.fetch_add(m->len, std::memory_order_relaxed);
  }
  st->counters.last_ns.store(t, std::memory_order_relaxed);
  st->counters.done.fetch_add(1, std::memory_order_release);
}

bool set_conf(rd_kafka_conf_t* conf, const std::string& k, const std::string& v, std::string& error) {
  char err[512];
  if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    error = "librdkafka property " + k + "=" + v + ": " + err;
    return false;
  }
  return true;
}

bool apply_sets(rd_kafka_conf_t* conf, const bench_options& o, std::string& error) {
  for (const auto& s : o.sets) {
    auto eq = s.find('=');
    if (!set_conf(conf, s.substr(0, eq), s.substr(eq + 1), error)) return false;
  }
  return true;
}

std::string fmt_num(double v) {
  char b[64];
  std::snprintf(b, sizeof b, "%.0f", v);
  return b;
}

// What the consumer's Fetch requests did, seen through librdkafka's interceptors (called on its broker
// threads, hence atomics). The consume clock starts at the first Fetch request written to a socket: what
// librdkafka does before it (metadata, offset lookups, and a 500 ms retry timer when a partition's leader
// is not yet joined to its broker thread) is client start-up, reported apart as startup_s.
struct fetch_trace {
  std::atomic<std::uint64_t> first_fetch_ns{0};
  std::atomic<std::uint64_t> fetches{0};         // Fetch requests written
  std::atomic<std::uint64_t> response_bytes{0};  // Fetch response bytes received
  std::atomic<std::uint64_t> rtt_us{0};          // sum over responses with records: written -> fully read
};

// A Fetch response this small carries no records (an empty answer per partition is tens of bytes): the
// long polls at the end of the log are left out of the round-trip sum.
constexpr std::size_t fetch_response_with_records = 1024;

constexpr std::int16_t fetch_api_key = 1;

rd_kafka_resp_err_t on_fetch_sent(rd_kafka_t*, int, const char*, int32_t, int16_t api_key, int16_t, int32_t, size_t,
                                  void* opaque) {
  if (api_key != fetch_api_key) return RD_KAFKA_RESP_ERR_NO_ERROR;
  auto* t = static_cast<fetch_trace*>(opaque);
  std::uint64_t none = 0;
  t->first_fetch_ns.compare_exchange_strong(none, now_ns());
  t->fetches.fetch_add(1, std::memory_order_relaxed);
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

rd_kafka_resp_err_t on_fetch_received(rd_kafka_t*, int, const char*, int32_t, int16_t api_key, int16_t, int32_t,
                                      size_t size, int64_t rtt_us, rd_kafka_resp_err_t, void* opaque) {
  if (api_key != fetch_api_key) return RD_KAFKA_RESP_ERR_NO_ERROR;
  auto* t = static_cast<fetch_trace*>(opaque);
  t->response_bytes.fetch_add(size, std::memory_order_relaxed);
  if (rtt_us > 0 && size > fetch_response_with_records) t->rtt_us.fetch_add(static_cast<std::uint64_t>(rtt_us), std::memory_order_relaxed);
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

rd_kafka_resp_err_t add_fetch_trace(rd_kafka_t* rk, const rd_kafka_conf_t*, void* opaque, char*, size_t) {
  rd_kafka_resp_err_t e = rd_kafka_interceptor_add_on_request_sent(rk, "bench-fetch", on_fetch_sent, opaque);
  if (e) return e;
  return rd_kafka_interceptor_add_on_response_received(rk, "bench-fetch", on_fetch_received, opaque);
}

// Prints one progress line per interval until counters.stop.
void progress_loop(const bench_options& o, shared_counters& c, std::uint64_t t0, std::FILE* out) {
  if (out == nullptr || o.progress_s <= 0) return;
  auto step = static_cast<std::uint64_t>(o.progress_s * 1e9);
  std::uint64_t next = t0 + step, prev_n = 0, prev_b = 0, prev_t = t0;
  while (!c.stop.load()) {
    std::uint64_t t = now_ns();
    if (t < next) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    std::uint64_t n = c.ok.load(), b = c.ok_bytes.load();
    double dt = static_cast<double>(t - prev_t) / 1e9;
    std::fprintf(out, "[%s %5.1fs] %llu msg  %s msg/s  %.1f MB/s  errors %llu\n", to_string(o.kind),
                 static_cast<double>(t - t0) / 1e9, static_cast<unsigned long long>(n),
                 fmt_num(static_cast<double>(n - prev_n) / dt).c_str(), static_cast<double>(b - prev_b) / 1e6 / dt,
                 static_cast<unsigned long long>(c.failed.load()));
    std::fflush(out);
    prev_n = n, prev_b = b, prev_t = t;
    next += step;
  }
}

// Creates the topic (ignoring "already exists") and waits until metadata shows its partitions.
bool prepare_topic(rd_kafka_t* rk, const bench_options& o, int& partition_count, std::string& error,
                   std::FILE* progress) {
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(o.topic.c_str(), o.partitions, 1, err, sizeof err);
  if (nt == nullptr) {
    error = std::string("topic: ") + err;
    return false;
  }
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_request_timeout(opts, 10000, err, sizeof err);
  rd_kafka_CreateTopics(rk, &nt, 1, opts, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 15000);
  if (ev != nullptr) {
    const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
    size_t n = 0;
    const rd_kafka_topic_result_t** trs = res ? rd_kafka_CreateTopics_result_topics(res, &n) : nullptr;
    rd_kafka_resp_err_t e = n > 0 ? rd_kafka_topic_result_error(trs[0]) : rd_kafka_event_error(ev);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS && progress)
      std::fprintf(progress, "bench: CreateTopics %s: %s (continuing; the broker may auto-create)\n", o.topic.c_str(),
                   rd_kafka_err2str(e));
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_AdminOptions_destroy(opts);
  rd_kafka_NewTopic_destroy(nt);
  rd_kafka_queue_destroy(q);

  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, o.topic.c_str(), nullptr);
  auto deadline = now_ns() + 15'000'000'000ull;
  partition_count = 0;
  std::string last = "no metadata";
  while (now_ns() < deadline) {
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, 5000);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR &&
        md->topics[0].partition_cnt > 0) {
      partition_count = md->topics[0].partition_cnt;
    } else {
      last = e ? rd_kafka_err2str(e) : (md && md->topic_cnt ? rd_kafka_err2str(md->topics[0].err) : "no topic");
    }
    if (md) rd_kafka_metadata_destroy(md);
    if (partition_count > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  rd_kafka_topic_destroy(rkt);
  if (partition_count == 0) {
    error = "topic " + o.topic + " has no partitions after 15 s: " + last;
    return false;
  }
  return true;
}

bool run_produce(const bench_options& o, bench_result& out, std::string& error, std::FILE* progress) {
  produce_state st;
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  std::string acks = o.acks == "all" ? "-1" : o.acks;
  bool ok = set_conf(conf, "bootstrap.servers", o.brokers, error) && set_conf(conf, "acks", acks, error) &&
            set_conf(conf, "linger.ms", std::to_string(o.linger_ms), error) &&
            set_conf(conf, "compression.codec", o.compression, error) &&
            set_conf(conf, "enable.idempotence", o.idempotence ? "true" : "false", error) &&
            set_conf(conf, "client.id", "streamdown-bench", error) &&
            (o.transaction_records == 0 ||
             set_conf(conf, "transactional.id", "streamdown-bench-" + std::to_string(::getpid()), error)) &&
            (o.batch_bytes == 0 || set_conf(conf, "batch.size", std::to_string(o.batch_bytes), error)) &&
            apply_sets(conf, o, error);
  if (!ok) {
    rd_kafka_conf_destroy(conf);
    return false;
  }
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, &st);
  char err[512];
  rk_ptr rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err));
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    error = std::string("librdkafka producer: ") + err;
    return false;
  }
  int partitions = 0;
  if (!prepare_topic(rk.get(), o, partitions, error, progress)) return false;
  const bool transactional = o.transaction_records > 0;
  // A transactional run: every transaction_records messages end with commit_transaction (which waits for
  // their delivery), so the figure includes the markers, the coordinator's log writes and the pauses.
  auto txn_call = [&](rd_kafka_error_t* e, const char* what) {
    if (!e) return true;
    error = std::string(what) + ": " + rd_kafka_error_string(e);
    rd_kafka_error_destroy(e);
    return false;
  };
  if (transactional && !txn_call(rd_kafka_init_transactions(rk.get(), 30000), "init_transactions")) return false;
  if (transactional && !txn_call(rd_kafka_begin_transaction(rk.get()), "begin_transaction")) return false;
  std::uint64_t in_txn = 0;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk.get(), o.topic.c_str(), nullptr);

  // One incompressible payload, never copied: librdkafka keeps a pointer (flags 0) until delivery.
  std::vector<char> payload(static_cast<std::size_t>(o.size));
  std::mt19937_64 rng(42);
  for (auto& c : payload) c = static_cast<char>(rng());

  std::thread poller([&] {
    while (!st.counters.stop.load(std::memory_order_acquire)) rd_kafka_poll(rk.get(), 50);
  });
  double cpu0 = self_cpu_seconds();
  auto bcpu0 = o.broker_pid > 0 ? process_cpu_seconds(static_cast<pid_t>(o.broker_pid)) : std::nullopt;
  std::uint64_t t0 = now_ns();
  shared_counters& c = st.counters;
  std::thread progress_thread([&] { progress_loop(o, c, t0, progress); });

  const bool paced = o.rate > 0;
  const bool from_intended = o.kind == workload::latency;
  const std::uint64_t end = t0 + static_cast<std::uint64_t>(o.duration_s * 1e9);
  const double interval_ns = paced ? 1e9 / o.rate : 0.0;
  std::uint64_t sent = 0;
  std::uint64_t local_errors = 0;
  for (;;) {
    if (o.count > 0 && sent >= static_cast<std::uint64_t>(o.count)) break;
    std::uint64_t due = paced ? t0 + static_cast<std::uint64_t>(std::llround(static_cast<double>(sent) * interval_ns)) : 0;
    if (paced) {
      if (due >= end) break;
      if (now_ns() < due) sleep_until_ns(due);
    }
    std::uint64_t t = now_ns();
    if (t >= end) break;
    // The latency origin: the intended time (open loop) or this send call (closed loop).
    std::uint64_t origin = from_intended ? due : t;
    bool out_of_time = false;
    char key[24];
    const int key_len = o.keys > 0 ? std::snprintf(key, sizeof key, "k%llu",
                                                    static_cast<unsigned long long>(sent % static_cast<std::uint64_t>(o.keys)))
                                   : 0;
    for (;;) {
      int r = rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, 0, payload.data(), payload.size(),
                               key_len > 0 ? key : nullptr, static_cast<std::size_t>(key_len),
                               reinterpret_cast<void*>(static_cast<std::uintptr_t>(origin)));
      if (r == 0) break;
      rd_kafka_resp_err_t e = rd_kafka_last_error();
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        if (local_errors++ == 0) st.first_error = rd_kafka_err2str(e);
        break;
      }
      // Queue full at the end of the run: the message was never handed over, so it is not counted.
      if (now_ns() >= end) {
        out_of_time = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    if (out_of_time) break;
    ++sent;
    if (transactional && ++in_txn >= static_cast<std::uint64_t>(o.transaction_records)) {
      in_txn = 0;
      if (!txn_call(rd_kafka_commit_transaction(rk.get(), 60000), "commit_transaction") ||
          !txn_call(rd_kafka_begin_transaction(rk.get()), "begin_transaction")) {
        st.first_error = error;
        ++local_errors;
        break;
      }
    }
  }
  if (transactional && in_txn > 0 && !txn_call(rd_kafka_commit_transaction(rk.get(), 60000), "commit_transaction")) {
    st.first_error = error;
    ++local_errors;
  }
  // Drain: wait (bounded) for every accepted message's delivery report.
  std::uint64_t accepted = sent - local_errors;
  std::uint64_t drain_end = now_ns() + static_cast<std::uint64_t>(o.flush_timeout_s * 1e9);
  while (c.done.load(std::memory_order_acquire) < accepted && now_ns() < drain_end)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  double cpu1 = self_cpu_seconds();
  auto bcpu1 = o.broker_pid > 0 ? process_cpu_seconds(static_cast<pid_t>(o.broker_pid)) : std::nullopt;
  c.stop.store(true, std::memory_order_release);
  poller.join();
  progress_thread.join();
  std::uint64_t undelivered = accepted - std::min(accepted, c.done.load());

  out.messages = c.ok.load();
  out.bytes = c.ok_bytes.load();
  out.errors = c.failed.load() + local_errors + undelivered;
  std::uint64_t last = c.last_ns.load();
  out.elapsed_s = static_cast<double>((last > t0 ? last : now_ns()) - t0) / 1e9;
  out.latency_ns = st.hist;
  out.latency_from_intended = from_intended;
  out.client_cpu_s = cpu1 - cpu0;
  out.broker_cpu_s = bcpu0 && bcpu1 ? *bcpu1 - *bcpu0 : -1.0;
  if (out.errors > 0 && progress)
    std::fprintf(progress, "bench: %llu message(s) not delivered (first error: %s)\n",
                 static_cast<unsigned long long>(out.errors), st.first_error.empty() ? "timed out" : st.first_error.c_str());
  rd_kafka_topic_destroy(rkt);
  // Messages still queued after the drain timeout are purged so destroy does not block on them.
  rd_kafka_purge(rk.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(rk.get(), 0);
  return true;
}

bool run_consume(const bench_options& o, bench_result& out, std::string& error, std::FILE* progress) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  bool ok = set_conf(conf, "bootstrap.servers", o.brokers, error) &&
            set_conf(conf, "client.id", "streamdown-bench", error) &&
            set_conf(conf, "enable.partition.eof", "true", error) &&
            apply_sets(conf, o, error);
  if (!ok) {
    rd_kafka_conf_destroy(conf);
    return false;
  }
  fetch_trace trace;  // outlives rk (declared first)
  rd_kafka_conf_interceptor_add_on_new(conf, "bench-fetch", add_fetch_trace, &trace);
  char err[512];
  rk_ptr rk(rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err));
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    error = std::string("librdkafka consumer: ") + err;
    return false;
  }
  int partitions = 0;
  if (!prepare_topic(rk.get(), o, partitions, error, progress)) return false;
  // The simple (group-less) consumer: every partition from its beginning onto one queue, no offsets committed.
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk.get(), o.topic.c_str(), nullptr);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk.get());
  // Ask each partition's leader for its watermarks first. The request goes through the leader's broker
  // thread after the partition-join operations the metadata queued there, so once it is answered every
  // partition is joined: starting before that makes librdkafka arm a 500 ms offset-query retry timer for
  // partitions not yet joined, and the first fetches then carry only some partitions.
  for (int p = 0; p < partitions; ++p) {
    std::int64_t low = 0, high = 0;
    rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(rk.get(), o.topic.c_str(), p, &low, &high, 10000);
    if (e) {
      error = "watermarks of partition " + std::to_string(p) + ": " + rd_kafka_err2str(e);
      rd_kafka_queue_destroy(queue);
      rd_kafka_topic_destroy(rkt);
      return false;
    }
  }

  shared_counters c;
  double cpu0 = self_cpu_seconds();
  auto bcpu0 = o.broker_pid > 0 ? process_cpu_seconds(static_cast<pid_t>(o.broker_pid)) : std::nullopt;
  std::uint64_t t0 = now_ns();
  for (int p = 0; p < partitions; ++p) {
    if (rd_kafka_consume_start_queue(rkt, p, RD_KAFKA_OFFSET_BEGINNING, queue) != 0) {
      error = std::string("consume start: ") + rd_kafka_err2str(rd_kafka_last_error());
      for (int q = 0; q < p; ++q) rd_kafka_consume_stop(rkt, q);
      rd_kafka_queue_destroy(queue);
      rd_kafka_topic_destroy(rkt);
      return false;
    }
  }
  std::thread progress_thread([&] { progress_loop(o, c, t0, progress); });
  const std::uint64_t end = t0 + static_cast<std::uint64_t>(o.duration_s * 1e9);
  std::vector<bool> at_end(static_cast<std::size_t>(partitions), false);
  int ends = 0;
  std::string first_error;
  std::vector<rd_kafka_message_t*> batch(4096);
  while (now_ns() < end && ends < partitions) {
    if (o.count > 0 && c.ok.load(std::memory_order_relaxed) >= static_cast<std::uint64_t>(o.count)) break;
    ssize_t got = rd_kafka_consume_batch_queue(queue, 100, batch.data(), batch.size());
    if (got <= 0) continue;
    std::uint64_t n = 0, b = 0;
    for (ssize_t i = 0; i < got; ++i) {
      rd_kafka_message_t* m = batch[static_cast<std::size_t>(i)];
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        auto p = static_cast<std::size_t>(m->partition);
        if (p < at_end.size() && !at_end[p]) at_end[p] = true, ++ends;
      } else if (m->err) {
        if (c.failed.fetch_add(1) == 0) first_error = rd_kafka_message_errstr(m);
      } else if (o.count == 0 || c.ok.load(std::memory_order_relaxed) + n < static_cast<std::uint64_t>(o.count)) {
        ++n;
        b += m->len;
      }
      rd_kafka_message_destroy(m);
    }
    if (n > 0) {
      c.ok.fetch_add(n, std::memory_order_relaxed);
      c.ok_bytes.fetch_add(b, std::memory_order_relaxed);
      c.last_ns.store(now_ns(), std::memory_order_relaxed);
    }
  }
  double cpu1 = self_cpu_seconds();
  auto bcpu1 = o.broker_pid > 0 ? process_cpu_seconds(static_cast<pid_t>(o.broker_pid)) : std::nullopt;
  c.stop.store(true);
  progress_thread.join();
  out.messages = c.ok.load();
  out.bytes = c.ok_bytes.load();
  out.errors = c.failed.load();
  std::uint64_t last = c.last_ns.load();
  std::uint64_t first_fetch = trace.first_fetch_ns.load();
  std::uint64_t from = first_fetch > t0 ? first_fetch : t0;
  out.elapsed_s = static_cast<double>((last > from ? last : now_ns()) - from) / 1e9;
  out.startup_s = static_cast<double>(from - t0) / 1e9;
  out.fetch_requests = trace.fetches.load();
  out.fetch_response_bytes = trace.response_bytes.load();
  out.fetch_rtt_s = static_cast<double>(trace.rtt_us.load()) / 1e6;
  out.client_cpu_s = cpu1 - cpu0;
  out.broker_cpu_s = bcpu0 && bcpu1 ? *bcpu1 - *bcpu0 : -1.0;
  if (out.errors > 0 && progress)
    std::fprintf(progress, "bench: %llu consumer error(s), first: %s\n", static_cast<unsigned long long>(out.errors),
                 first_error.c_str());
  for (int p = 0; p < partitions; ++p) rd_kafka_consume_stop(rkt, p);
  rd_kafka_queue_destroy(queue);
  rd_kafka_topic_destroy(rkt);
  return true;
}

}  // namespace

bool run_bench(const bench_options& o, bench_result& out, std::string& error, std::FILE* progress) {
  if (o.kind == workload::consume) return run_consume(o, out, error, progress);
  return run_produce(o, out, error, progress);
}

}  // namespace sd::benchtool
