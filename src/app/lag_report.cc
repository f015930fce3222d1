#include "app/lag_report.h"

#include <array>
#include <future>
#include <map>
#include <memory>

#include "base/clock.h"
#include "base/record_batch_header.h"
#include "io/file.h"

namespace sd::app {

lag_reporter::lag_reporter(group::coordinator& coordinator, broker::topic_table& topics,
                           net::shard_set& storage_loops)
    : _coordinator(coordinator),
      _topics(topics),
      _storage_loops(storage_loops),
      _source(coordinator, [&topics](const std::string& t, std::int32_t p) -> std::optional<std::int64_t> {
        // Runs on the coordinator shard: published atomics only, never a log. Lag is measured to what a
        // read_committed consumer can reach (the last stable offset; the high watermark without transactions).
        auto part = topics.find(t, p);
        if (!part) return std::nullopt;
        return part->visible_end(broker::isolation::read_committed);
      }) {}

std::optional<std::int64_t> first_unconsumed_timestamp(broker::partition_state& p, std::int64_t committed) {
  if (p.deleted) return std::nullopt;
  auto& log = *p.log;
  const offset from(std::max(committed, log.start_offset().value()));
  if (from >= log.next_offset()) return std::nullopt;
  storage::read_options opts;
  opts.max_offset = offset(from.value() + 1);  // the batch holding `from`, nothing after it
  auto r = log.read(from, 1, opts);
  if (!r || r->empty()) return std::nullopt;
  const auto& slice = r->slices.front();
  std::array<std::uint8_t, batch::header_size> buf{};
  auto n = io::read_up_to(*slice.file, slice.position, buf);
  if (!n || *n < buf.size()) return std::nullopt;
  auto h = batch::parse_header(buf.data());
  return h.log_append_time() ? h.max_timestamp : h.base_timestamp;
}

void lag_reporter::fill_seconds(std::vector<lag_row>& rows) {
  struct job {
    std::size_t row;
    broker::partition_ptr part;
    std::int64_t committed;
    std::optional<std::int64_t> ts;
  };
  std::map<std::size_t, std::vector<job>> by_shard;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    auto& r = rows[i];
    if (r.lag.lag == 0) r.seconds = 0.0;
    if (r.lag.lag <= 0) continue;
    auto part = _topics.find(r.lag.topic, r.lag.partition);
    if (!part) continue;
    const auto shard = part->shard;
    by_shard[shard].push_back({i, std::move(part), r.lag.committed, std::nullopt});
  }
  if (by_shard.empty()) return;

  // One post per storage loop; the jobs travel with the task and come back through the promise, so a loop
  // that answers after the timeout writes into state nobody waits for (owned by the task, not this frame).
  std::vector<std::future<std::vector<job>>> pending;
  for (auto& [shard, jobs] : by_shard) {
    auto promise = std::make_shared<std::promise<std::vector<job>>>();
    pending.push_back(promise->get_future());
    net::asio::post(_storage_loops.executor(shard), [promise, jobs = std::move(jobs)]() mutable {
      for (auto& j : jobs) j.ts = first_unconsumed_timestamp(*j.part, j.committed);
      promise->set_value(std::move(jobs));
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + read_timeout;
  const auto now_ms = wall_ms_now();
  for (auto& f : pending) {
    if (f.wait_until(deadline) != std::future_status::ready) continue;
    std::vector<job> done;
    try {
      done = f.get();
    } catch (const std::future_error&) {
      continue;  // the loop stopped and dropped the task
    }
    for (const auto& j : done)
      if (j.ts) rows[j.row].seconds = static_cast<double>(std::max<std::int64_t>(0, now_ms - *j.ts)) / 1000.0;
  }
}

std::optional<std::vector<lag_row>> lag_reporter::collect_blocking(const std::optional<std::string>& group,
                                                                   bool with_seconds) {
  // lag_source::compute on the coordinator shard, waited for with a deadline (lag_source::collect_blocking
  // would wait forever). The task owns what it uses; the source outlives the event loops.
  auto promise = std::make_shared<std::promise<std::vector<group::partition_lag>>>();
  auto fut = promise->get_future();
  net::asio::post(_coordinator.executor(), [promise, source = &_source, group] { promise->set_value(source->compute(group)); });
  if (fut.wait_for(coordinator_timeout) != std::future_status::ready) return std::nullopt;
  std::vector<group::partition_lag> lags;
  try {
    lags = fut.get();
  } catch (const std::future_error&) {
    return std::nullopt;
  }
  std::vector<lag_row> rows;
  rows.reserve(lags.size());
  for (auto& l : lags) rows.push_back({std::move(l), std::nullopt});
  if (with_seconds) fill_seconds(rows);
  return rows;
}

void write_lag_metrics(metrics::text_writer& w, const std::vector<lag_row>& rows) {
  if (rows.empty()) return;
  auto each = [&](auto value_of) {
    for (const auto& r : rows) {
      std::optional<double> v = value_of(r);
      if (!v) continue;
      const std::string partition = std::to_string(r.lag.partition);
      metrics::label l[] = {{"group", r.lag.group}, {"topic", r.lag.topic}, {"partition", partition}};
      w.sample(l, *v);
    }
  };
  w.family("streamdown_group_committed_offset", metrics::metric_type::gauge,
           "committed offset per consumer group and partition");
  each([](const lag_row& r) -> std::optional<double> { return static_cast<double>(r.lag.committed); });
  w.family("streamdown_group_lag_records", metrics::metric_type::gauge,
           "records behind: high watermark minus committed offset");
  each([](const lag_row& r) -> std::optional<double> {
    if (r.lag.lag < 0) return std::nullopt;
    return static_cast<double>(r.lag.lag);
  });
  w.family("streamdown_group_lag_seconds", metrics::metric_type::gauge,
           "seconds behind: now minus the timestamp of the first unconsumed record's batch (0 when caught up)");
  each([](const lag_row& r) { return r.seconds; });
}

}  // namespace sd::app
