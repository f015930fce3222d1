#include "benchtool/command.h"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>

#include "benchtool/bench_options.h"
#include "benchtool/bench_report.h"
#include "benchtool/bench_runner.h"

namespace sd::benchtool {
namespace {

void add_options(CLI::App* cmd, bench_options& o) {
  cmd->add_option("--brokers,-b", o.brokers, "bootstrap servers HOST:PORT[,...]")->capture_default_str();
  cmd->add_option("--topic,-t", o.topic, "topic (created when missing)")->capture_default_str();
  cmd->add_option("--partitions,-p", o.partitions, "partitions when the topic is created")->capture_default_str();
  cmd->add_option("--size,-s", o.size, "value bytes per message")->capture_default_str();
  cmd->add_option("--count,-n", o.count, "stop after this many messages (0: no bound)")->capture_default_str();
  cmd->add_option("--duration,-d", o.duration_s, "stop after this many seconds")->capture_default_str();
  cmd->add_option("--acks", o.acks, "all | 1 | 0")->capture_default_str();
  cmd->add_option("--linger-ms", o.linger_ms, "producer linger.ms")->capture_default_str();
  cmd->add_option("--batch-bytes", o.batch_bytes, "producer batch.size (0: librdkafka default)");
  cmd->add_option("--compression", o.compression, "none | gzip | snappy | lz4 | zstd")->capture_default_str();
  cmd->add_flag("--idempotence", o.idempotence, "enable.idempotence=true (needs --acks all)");
  cmd->add_option("--transaction-records", o.transaction_records,
                  "produce: commit a transaction every N messages (transactional producer; needs --acks all)");
  cmd->add_option("--keys", o.keys, "message i gets key k<i % N> (a compacted topic needs keys; 0: no key)");
  cmd->add_option("--rate", o.rate, "messages per second (latency: required; produce: optional cap)");
  cmd->add_option("--broker-pid", o.broker_pid, "broker process id: report its CPU seconds per GB");
  cmd->add_flag("--json", o.json, "print the result as one JSON object on stdout");
  cmd->add_option("--progress", o.progress_s, "seconds between progress lines on stderr (0: none)")->capture_default_str();
  cmd->add_option("--flush-timeout", o.flush_timeout_s, "seconds to wait for outstanding deliveries")->capture_default_str();
  cmd->add_option("--set,-X", o.sets, "extra librdkafka property KEY=VALUE (repeatable; -X as in the other tools)")
      ->take_all();
}

int run(const bench_options& o) {
  std::string problem = validate(o);
  if (!problem.empty()) {
    std::cerr << "streamdown bench: " << problem << "\n";
    return 2;
  }
  bench_result r;
  std::string error;
  if (!run_bench(o, r, error, o.progress_s > 0 ? stderr : nullptr)) {
    std::cerr << "streamdown bench: " << error << "\n";
    return 1;
  }
  if (o.json)
    std::cout << to_json(o, r) << std::endl;
  else
    std::cout << to_text(o, r) << std::flush;
  // Exit 3 when nothing at all went through: a broker that is down or refuses everything, or an empty topic.
  return r.messages == 0 ? 3 : 0;
}

}  // namespace

void add_command(CLI::App& app) {
  auto* bench = app.add_subcommand("bench", "throughput and latency benchmarks against any Kafka-API broker");
  bench->require_subcommand(1);
  // Options live as long as the parser: the callbacks run during parsing.
  static bench_options produce_o, latency_o, consume_o;
  latency_o.kind = workload::latency;
  consume_o.kind = workload::consume;
  struct entry {
    const char* name;
    const char* help;
    bench_options* o;
  };
  for (entry e : {entry{"produce", "closed-loop produce throughput (latency from each send call)", &produce_o},
                  entry{"latency", "open-loop produce at --rate; latency from each message's intended send time", &latency_o},
                  entry{"consume", "consume the topic from the beginning to its end", &consume_o}}) {
    auto* cmd = bench->add_subcommand(e.name, e.help);
    add_options(cmd, *e.o);
    bench_options* o = e.o;
    cmd->callback([o] {
      int rc = run(*o);
      if (rc != 0) throw CLI::RuntimeError(rc);
    });
  }
}

}  // namespace sd::benchtool
