// `streamdown produce`: records from stdin or files to a topic, with delivery accounting.
//
// Contract: exit 0 only when every record read was acknowledged by the broker. Otherwise exit 1 and print how
// many were not acknowledged (never sent, failed, or unknown at the end of the delivery timeout).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>

#include "client/admin.h"
#include "client/command_parts.h"
#include "client/partitioner.h"
#include "client/record_reader.h"
#include "client/settings.h"

namespace sd::client {

namespace {

struct produce_flags {
  connection_options conn;
  std::string topic;
  std::vector<std::string> files;
  std::string format = "lines";
  std::string key_separator;
  std::vector<std::string> headers;
  std::int32_t partition = -1;
  std::string acks = "all";
  std::string compression = "none";
  bool no_idempotence = false;
  std::string progress = "2s";
};

struct delivery_counter : RdKafka::DeliveryReportCb {
  std::atomic<std::uint64_t> ok{0};
  std::atomic<std::uint64_t> failed{0};
  std::mutex mu;
  std::string first_error;  // guarded by mu
  void dr_cb(RdKafka::Message& m) override {
    if (m.err() == RdKafka::ERR_NO_ERROR) {
      ok.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    failed.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(mu);
    if (first_error.empty()) first_error = m.errstr();
  }
};

int run_produce(const produce_flags& f) {
  auto format = parse_input_format(f.format);
  if (!format) throw usage_error("--format '" + f.format + "': expected lines, len32 or json");
  header_list common_headers;
  for (const auto& h : f.headers) {  // in the order given; a name may repeat
    auto kv = parse_setting(h);
    if (!kv) throw usage_error("malformed --header '" + h + "': " + make_error_code(errc::malformed_header).message());
    common_headers.push_back(std::move(*kv));
  }
  auto progress = parse_duration(f.progress);
  if (!progress) throw usage_error("--progress '" + f.progress + "': " + progress.error().message());
  if (f.acks != "all" && f.acks != "-1" && f.acks != "1" && f.acks != "0")
    throw usage_error("--acks '" + f.acks + "': expected all, 1 or 0");
  const bool acks_all = f.acks == "all" || f.acks == "-1";

  conf_map defaults{
      {"acks", acks_all ? "all" : f.acks},
      {"enable.idempotence", (!f.no_idempotence && acks_all) ? "true" : "false"},
      {"compression.codec", f.compression},
      {"message.timeout.ms", std::to_string(timeout_of(f.conn).count())},
      {"linger.ms", "5"},
  };
  // The topic must exist: a producer's Metadata request could otherwise auto-create a typo.
  {
    admin_client admin(f.conn);
    auto t = admin.require_topic(f.topic);
    if (f.partition >= static_cast<std::int32_t>(t.partitions.size()))
      throw usage_error("topic '" + f.topic + "' has no partition " + std::to_string(f.partition));
  }
  error_log log;
  delivery_counter counter;
  auto conf = make_conf(f.conn, defaults, &log);
  std::string err;
  bool user_partitioner = false;
  for (const auto& s : f.conn.settings) user_partitioner |= s.rfind("partitioner=", 0) == 0;
  if (!user_partitioner) install_murmur2_partitioner(*conf);
  if (conf->set("dr_cb", &counter, err) != RdKafka::Conf::CONF_OK) throw tool_error(err);
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), err));
  if (!producer) throw usage_error("cannot create the producer: " + err);

  std::vector<std::string> inputs = f.files.empty() ? std::vector<std::string>{"-"} : f.files;
  std::uint64_t sent = 0;
  std::string input_error;
  const auto start = std::chrono::steady_clock::now();
  auto next_progress = start + *progress;
  const bool tty = ::isatty(STDERR_FILENO);
  auto report = [&](bool final_line) {
    std::cerr << (tty ? "\r" : "") << "produced " << sent << " records, " << counter.ok.load() << " acknowledged, "
              << counter.failed.load() << " failed" << (final_line || !tty ? "\n" : "") << std::flush;
  };
  bool shown_progress = false;
  for (const auto& path : inputs) {
    std::ifstream file;
    std::istream* in = &std::cin;
    if (path != "-") {
      file.open(path, std::ios::binary);
      if (!file) {
        input_error = "cannot open " + path;
        break;
      }
      in = &file;
    }
    std::optional<std::string> sep;
    if (!f.key_separator.empty()) sep = f.key_separator;
    record_reader reader(*in, *format, sep);
    while (true) {
      auto rec = reader.next();
      if (!rec) {
        input_error = (path == "-" ? std::string("stdin") : path) + " record " +
                      std::to_string(reader.records_read() + 1) + ": " + rec.error().message();
        break;
      }
      if (!*rec) break;
      auto& r = **rec;
      RdKafka::Headers* headers = nullptr;
      if (!common_headers.empty() || !r.headers.empty()) {
        headers = RdKafka::Headers::create();
        for (const auto& [k, v] : common_headers) headers->add(k, v.data(), v.size());
        for (const auto& [k, v] : r.headers) headers->add(k, v.data(), v.size());
      }
      while (true) {
        auto e = producer->produce(f.topic, f.partition < 0 ? RdKafka::Topic::PARTITION_UA : f.partition,
                                   RdKafka::Producer::RK_MSG_COPY,
                                   r.value ? const_cast<char*>(r.value->data()) : nullptr,
                                   r.value ? r.value->size() : 0, r.key ? r.key->data() : nullptr,
                                   r.key ? r.key->size() : 0, 0, headers, nullptr);
        if (e == RdKafka::ERR_NO_ERROR) break;
        if (e != RdKafka::ERR__QUEUE_FULL) {
          delete headers;
          input_error = "cannot enqueue record " + std::to_string(sent + 1) + ": " + RdKafka::err2str(e);
          break;
        }
        producer->poll(50);  // back-pressure: wait for deliveries to free the local queue
      }
      if (!input_error.empty()) break;
      ++sent;
      producer->poll(0);
      if (std::chrono::steady_clock::now() >= next_progress) {
        report(false);
        shown_progress = true;
        next_progress = std::chrono::steady_clock::now() + *progress;
      }
    }
    if (!input_error.empty()) break;
  }
  // Wait for every outstanding delivery (bounded by message.timeout.ms inside librdkafka).
  while (producer->outq_len() > 0) {
    producer->flush(500);
    if (std::chrono::steady_clock::now() >= next_progress) {
      report(false);
      shown_progress = true;
      next_progress = std::chrono::steady_clock::now() + *progress;
    }
  }
  if (shown_progress) report(true);
  const std::uint64_t acked = counter.ok.load();
  if (acked == sent && input_error.empty()) return 0;
  if (!input_error.empty()) std::cerr << "streamdown produce: " << input_error << "\n";
  std::string first;
  {
    std::lock_guard lock(counter.mu);
    first = counter.first_error;
  }
  std::cerr << "streamdown produce: " << (sent - acked) << " of " << sent << " records not acknowledged";
  if (!first.empty()) std::cerr << " (first error: " << first << ")";
  const auto last = log.last();
  if (!last.empty() && acked < sent) std::cerr << " (last connection error: " << last << ")";
  std::cerr << "\n";
  return 1;
}

}  // namespace

void add_produce_command(CLI::App& app) {
  auto f = std::make_shared<produce_flags>();
  auto* cmd = app.add_subcommand("produce", "produce records from stdin or files");
  cmd->add_option("-t,--topic", f->topic, "topic (must exist)")->required();
  cmd->add_option("files", f->files, "input files ('-' or none: stdin)");
  cmd->add_option("--format", f->format, "input framing: lines (default), len32 (4-byte big-endian length), json");
  cmd->add_option("-K,--key-separator", f->key_separator, "split each record into key<SEP>value at the first SEP");
  cmd->add_option("-H,--header", f->headers, "header name=value on every record (repeatable)");
  cmd->add_option("-p,--partition", f->partition, "fixed partition (default: murmur2 of the key, like Java/kafkajs)");
  cmd->add_option("--acks", f->acks, "all (default), 1 or 0; other than all turns idempotence off");
  cmd->add_option("-z,--compression", f->compression, "none (default), gzip, snappy, lz4, zstd");
  cmd->add_flag("--no-idempotence", f->no_idempotence, "disable the idempotent producer (on by default)");
  cmd->add_option("--progress", f->progress, "progress line interval on stderr for long inputs (default 2s)");
  add_connection_flags(cmd, f->conn);
  cmd->callback([f] { run_command("produce", [&] { return run_produce(*f); }); });
}

}  // namespace sd::client
