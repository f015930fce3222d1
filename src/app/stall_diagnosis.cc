#include "app/stall_diagnosis.h"

#include <algorithm>

namespace sd::app {
namespace {

std::string seconds_text(std::int64_t ms) { return std::to_string((ms + 500) / 1000) + " s"; }

std::string member_text(const member_view& m) {
  return "member " + m.member_id + " (client " + (m.client_id.empty() ? "<none>" : m.client_id) + " at " + m.host + ")";
}

}  // namespace

const member_view* assignee_of(const group_view& g, const group::topic_partition& tp) {
  for (const auto& m : g.members)
    if (std::find(m.assigned.begin(), m.assigned.end(), tp) != m.assigned.end()) return &m;
  return nullptr;
}

std::optional<broker::fetched_partition> last_fetch_of(const member_view& m, const group::topic_partition& tp,
                                                       const std::vector<broker::fetch_report>& reports,
                                                       std::int64_t* at_ms) {
  std::optional<broker::fetched_partition> best;
  std::int64_t best_ms = 0;
  for (const auto& r : reports) {
    if (r.client_id != m.client_id || r.host != m.host || r.at_ms < best_ms) continue;
    for (const auto& fp : r.partitions) {
      if (fp.topic == tp.topic && fp.partition == tp.partition) {
        best = fp;
        best_ms = r.at_ms;
        break;
      }
    }
  }
  if (best && at_ms) *at_ms = best_ms;
  return best;
}

std::optional<std::int64_t> last_fetch_ms(const member_view& m, const std::vector<broker::fetch_report>& reports) {
  std::optional<std::int64_t> out;
  for (const auto& r : reports)
    if (r.client_id == m.client_id && r.host == m.host && (!out || r.at_ms > *out)) out = r.at_ms;
  return out;
}

std::size_t rebalances_within(const group_view& g, std::int64_t now_ms, std::int64_t window_ms) {
  return static_cast<std::size_t>(std::count_if(g.recent_rebalances_ms.begin(), g.recent_rebalances_ms.end(),
                                                [&](std::int64_t t) { return now_ms - t <= window_ms; }));
}

std::optional<stall> diagnose(const group_view& g, const partition_view& p,
                              const std::vector<broker::fetch_report>& reports, std::int64_t now_ms,
                              const stall_thresholds& t) {
  if (p.lag <= 0) return std::nullopt;
  const std::string waiting = std::to_string(p.lag) + " record(s) wait";
  if (g.members.empty())
    return stall{"no_member", "the group has no members: " + waiting + " and nothing consumes them"};

  const auto rebalances = rebalances_within(g, now_ms, t.rebalance_window_ms);
  if (rebalances >= t.rebalances)
    return stall{"rebalancing", "the group rebalanced " + std::to_string(rebalances) + " times in the last " +
                                    seconds_text(t.rebalance_window_ms) +
                                    ": members keep joining or leaving (session or poll timeouts?)"};
  if (g.state != group::group_state::stable) return std::nullopt;  // one rebalance in progress: normal

  const member_view* m = assignee_of(g, p.tp);
  if (!m)
    return stall{"no_member", "no member is assigned this partition (" + std::to_string(g.members.size()) +
                                  " member(s) subscribe to other topics?): " + waiting};

  const std::int64_t since_rebalance =
      g.recent_rebalances_ms.empty() ? INT64_MAX : now_ms - g.recent_rebalances_ms.back();
  std::int64_t fetched_at = 0;
  auto fetched = last_fetch_of(*m, p.tp, reports, &fetched_at);
  if (!fetched || now_ms - fetched_at > t.fetch_silence_ms) {
    if (since_rebalance <= t.fetch_silence_ms) return std::nullopt;  // just assigned: give it time
    return stall{"not_fetching", member_text(*m) + " is assigned this partition but has not fetched it " +
                                     (fetched ? "for " + seconds_text(now_ms - fetched_at) : std::string("since it was assigned")) +
                                     ": is the application still polling? " + waiting};
  }

  const bool never_committed = p.committed < 0 || p.commit_ms <= 0;
  const std::int64_t commit_age = never_committed ? INT64_MAX : now_ms - p.commit_ms;
  if (commit_age > t.commit_silence_ms && since_rebalance > t.commit_silence_ms)
    return stall{"not_committing", member_text(*m) + " fetches this partition (position " +
                                       std::to_string(fetched->offset) + ") but " +
                                       (never_committed ? std::string("has never committed an offset for it")
                                                        : "its last commit (offset " + std::to_string(p.committed) +
                                                              ") was " + seconds_text(commit_age) + " ago") +
                                       ": " + waiting};

  if (p.lag_before && p.lag_before_age_ms > 0 && static_cast<double>(p.lag) > *p.lag_before &&
      static_cast<double>(p.lag) - *p.lag_before >= std::max(10.0, *p.lag_before * 0.05))
    return stall{"falling_behind", "the lag grew from " + std::to_string(static_cast<std::int64_t>(*p.lag_before)) +
                                       " to " + std::to_string(p.lag) + " records in the last " +
                                       seconds_text(p.lag_before_age_ms) +
                                       ": producers outpace " + member_text(*m)};
  return std::nullopt;
}

}  // namespace sd::app
