// `streamdown consume`: flags of the consume loop (consume_engine.h holds the behaviour).
#include <memory>

#include "client/command_parts.h"
#include "client/consume_engine.h"

namespace sd::client {

namespace {

struct consume_flags {
  consume_options o;
  std::string format = "value";
  bool json = false;
  std::string backoff = "100ms:10s";
  std::string topic;
};

int run(consume_flags& f) {
  if (f.json) f.format = "json";
  if (f.format == "value") f.o.format = output_format::value;
  else if (f.format == "kv" || f.format == "key-value") f.o.format = output_format::key_value;
  else if (f.format == "json") f.o.format = output_format::json;
  else throw usage_error("--format '" + f.format + "': expected value, kv or json");
  auto b = parse_backoff(f.backoff);
  if (!b) throw usage_error("--backoff '" + f.backoff + "': " + b.error().message());
  f.o.backoff = *b;
  return run_consume(f.o);
}

}  // namespace

void add_consume_command(CLI::App& app) {
  auto f = std::make_shared<consume_flags>();
  auto& o = f->o;
  auto* cmd = app.add_subcommand("consume", "consume records: print them, or hand each to a command (--exec)");
  cmd->add_option("-t,--topic", o.topics, "topic (repeatable)")->required();
  cmd->add_option("-g,--group", o.group, "consumer group (commits offsets after processing)");
  cmd->add_flag("--from-beginning", o.from_beginning,
                "start at the beginning (with a group: where it has no committed offset)");
  cmd->add_flag("--exit-at-end", o.exit_at_end,
                "exit when every partition is read to its end and all work is finished and committed");
  cmd->add_option("-o,--offset", o.offset_spec, "without a group: beginning, end, N or @TIMESTAMP_MS");
  cmd->add_option("-p,--partition", o.partitions, "without a group: partition (repeatable; default all)");
  cmd->add_option("-c,--count", o.count, "stop after this many records");
  cmd->add_option("--format", f->format, "output: value (default), kv (key SEP value), json (with metadata)");
  cmd->add_flag("--json", f->json, "same as --format json");
  cmd->add_option("--key-separator", o.key_separator, "separator for --format kv (default tab)");
  cmd->add_option("--exec", o.exec,
                  "run CMD with /bin/sh -c per record: value on stdin, STREAMDOWN_KEY/TOPIC/PARTITION/OFFSET in "
                  "the environment; commit only after it succeeds");
  cmd->add_option("--max-attempts", o.max_attempts, "attempts per record (including the first) before the "
                                                   "next retry topic or the dead-letter topic (default 3)");
  cmd->add_option("--backoff", f->backoff, "retry delay MIN[:MAX], doubling per attempt (default 100ms:10s)");
  cmd->add_option("--dlq-topic", o.dlq_topic, "dead-letter topic (default <topic>.dlq; created when missing)");
  cmd->add_option("--retry-delays", o.retry_delays,
                  "retry topics <topic>.retry.<delay> tried in order before the dead-letter topic (e.g. 5s 1m)")
      ->delimiter(',');
  cmd->add_option("--max-in-flight", o.max_in_flight, "records received and unfinished before pausing (default 1000)");
  cmd->add_option("--parallel", o.parallel, "commands running at once, across keys (default 4)");
  cmd->add_option("--transactional-output", o.transactional_output,
                  "with --exec and a group: produce each command's stdout lines to TOPIC in the same transaction as "
                  "the input offsets (exactly-once processing)");
  cmd->add_option("--transactional-id", o.transactional_id,
                  "transactional id for --transactional-output (default streamdown-<group>-<TOPIC>; one per instance)");
  cmd->add_option("--transaction-records", o.transaction_records,
                  "records per transaction at most with --transactional-output (default 500)");
  add_connection_flags(cmd, o.conn);
  cmd->callback([f] { run_command("consume", [&] { return run(*f); }); });
}

}  // namespace sd::client
