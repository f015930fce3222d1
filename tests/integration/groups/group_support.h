#pragma once
// Helpers for the consumer-group integration tests: group_worker child processes (start, SIGTERM, SIGKILL),
// their output and assignment files, committed offsets read through librdkafka, and checks over what the
// workers processed (every message, per-key order, duplicates).

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "support/broker_process.h"
#include "support/kafka_client.h"

namespace sd::itest::groups {

struct processed_line {
  std::int64_t seq = -1;  // the message value: its global sequence number
  std::string key;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
};

struct worker_process {
  std::string name;
  pid_t pid = -1;
  std::string out;     // processed lines
  std::string status;  // ASSIGNED lines
  std::string log;     // stderr
};

/// The broker settings every group test uses: no initial rebalance delay, short sessions allowed.
broker_config group_broker_config();

worker_process start_worker(const temp_dir& dir, const std::string& name, const std::string& bootstrap,
                            const std::string& group, const std::string& topic, const std::string& assignor,
                            const std::vector<std::string>& extra = {});
/// SIGTERM and wait: the worker commits, leaves the group and exits 0 (asserted by the caller).
exit_info stop_worker(worker_process& w);
/// SIGKILL: a member that dies without leaving or committing.
void kill_worker(worker_process& w);

/// The worker's current assignment size (last ASSIGNED line), -1 before the first.
int assigned(const worker_process& w);
std::vector<processed_line> processed(const worker_process& w);

/// Polls pred every 100 ms until true or the timeout; returns pred's last value.
bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout);

/// Produces messages seq in [from, to) with key "k<seq % keys>" and value "<seq>" (acks=all).
void produce_range(const std::string& bootstrap, const std::string& topic, std::int64_t from, std::int64_t to,
                   int keys = 13);

/// Distinct sequence numbers processed by all workers.
std::set<std::int64_t> distinct_seqs(const std::vector<worker_process>& ws);

/// Fails the current test unless, in every worker's output, each key's sequence numbers strictly increase.
void expect_per_key_order(const worker_process& w);

/// Committed offsets of `group` for partitions [0, partitions) (OffsetFetch through librdkafka); -1 = none.
std::vector<std::int64_t> committed_offsets(const std::string& bootstrap, const std::string& group,
                                            const std::string& topic, int partitions);

}  // namespace sd::itest::groups
