#pragma once
// Test fixture for group_manager: a fake clock (steady and wall advance together) and an in-memory store
// that records every append and reports it durable at once (or fails on demand).

#include <gtest/gtest.h>

#include <optional>

#include "group/errc.h"
#include "group/group_manager.h"

namespace sd::group::testing {

struct memory_store final : group_store {
  std::vector<store_record> records;
  bool fail = false;
  void append(std::vector<store_record> rs, commit_callback durable) override {
    if (fail) {
      if (durable) durable(errc::storage_error);
      return;
    }
    for (auto& r : rs) records.push_back(std::move(r));
    if (durable) durable({});
  }
};

class group_fixture : public ::testing::Test {
 protected:
  explicit group_fixture(std::int32_t initial_delay_ms = 0) {
    cfg.initial_rebalance_delay_ms = initial_delay_ms;
    cfg.min_session_timeout_ms = 1000;
    cfg.max_session_timeout_ms = 60000;
    cfg.offsets_retention_ms = 3600 * 1000;
    make_manager();
  }
  void make_manager() {
    clocks c;
    c.steady = [this] { return steady_now; };
    c.wall_ms = [this] { return wall_now; };
    mgr = std::make_unique<group_manager>(cfg, store, c);
  }
  void advance(std::int64_t ms) {
    steady_now += std::chrono::milliseconds(ms);
    wall_now += ms;
    mgr->tick();
  }


 public:
  static join_request join_req(const std::string& member, std::vector<std::string> protocols = {"range"},
                               std::int32_t session_ms = 10000, std::int32_t rebalance_ms = 20000) {
    join_request r;
    r.group_id = "g";
    r.member_id = member;
    r.client_id = "client";
    r.client_host = "/127.0.0.1";
    r.session_timeout_ms = session_ms;
    r.rebalance_timeout_ms = rebalance_ms;
    r.protocol_type = "consumer";
    for (auto& p : protocols) r.protocols.push_back({p, sd::bytes{static_cast<std::uint8_t>(p.size())}});
    return r;
  }

 protected:
  /// Starts a join; the result lands in the returned slot when the manager answers.
  std::shared_ptr<std::optional<join_result>> join(join_request r) {
    auto slot = std::make_shared<std::optional<join_result>>();
    mgr->join(std::move(r), [slot](join_result res) { *slot = std::move(res); });
    return slot;
  }
  std::shared_ptr<std::optional<sync_result>> sync(const std::string& member, std::int32_t gen,
                                                   std::vector<std::pair<std::string, sd::bytes>> assignments = {},
                                                   std::optional<std::string> instance = std::nullopt) {
    sync_request r;
    r.group_id = "g";
    r.member_id = member;
    r.generation = gen;
    r.instance_id = std::move(instance);
    r.assignments = std::move(assignments);
    auto slot = std::make_shared<std::optional<sync_result>>();
    mgr->sync(std::move(r), [slot](sync_result res) { *slot = std::move(res); });
    return slot;
  }
  std::error_code heartbeat(const std::string& member, std::int32_t gen,
                            std::optional<std::string> instance = std::nullopt) {
    heartbeat_request r{"g", member, std::move(instance), gen};
    return mgr->heartbeat(r);
  }
  std::error_code commit(const std::string& member, std::int32_t gen, std::int64_t offset,
                         const std::string& topic = "t", std::int32_t partition = 0) {
    commit_request r;
    r.group_id = "g";
    r.member_id = member;
    r.generation = gen;
    committed_offset c;
    c.offset = offset;
    r.offsets.emplace_back(topic_partition{topic, partition}, c);
    std::optional<std::error_code> out;
    mgr->commit(std::move(r), [&out](std::error_code ec) { out = ec; });
    EXPECT_TRUE(out.has_value()) << "the memory store answers at once";
    return out.value_or(make_error_code(errc::storage_error));
  }
  std::int64_t fetched(const std::string& topic = "t", std::int32_t partition = 0) {
    std::vector<topic_partition> which{{topic, partition}};
    auto got = mgr->fetch("g", which);
    return got.at(0).offset;
  }
  group_state state() { return mgr->describe("g").state; }

  /// A member that joined alone and synced: returns its id (generation in *gen).
  std::string stable_single(std::int32_t* gen, const std::string& assignment = "A") {
    auto j = join(join_req(""));
    EXPECT_TRUE(j->has_value());
    auto id = (*j)->member_id;
    *gen = (*j)->generation;
    auto s = sync(id, *gen, {{id, sd::bytes(assignment.begin(), assignment.end())}});
    EXPECT_TRUE(s->has_value());
    return id;
  }

  coordinator_config cfg;
  memory_store store;
  time_point steady_now = time_point{} + std::chrono::hours(1);
  std::int64_t wall_now = 1'700'000'000'000;
  std::unique_ptr<group_manager> mgr;
};

inline errc code_of(std::error_code ec) { return static_cast<errc>(ec.value()); }

}  // namespace sd::group::testing
