// The codec against a real client: an in-process stand-in broker built only from this module answers
// librdkafka's ApiVersions and Metadata requests and decodes its Produce requests, reading the record
// batches librdkafka built (with each compression codec). This checks header versions, flexible and
// non-flexible encodings and the RecordBatch reader against what a real client sends and expects.
// Sockets on 127.0.0.1 only; no child processes.

#include <arpa/inet.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "protocol/generated/all_messages.h"
#include "protocol/header.h"
#include "protocol/record_batch.h"

namespace sd::protocol {
namespace {

bool read_exact(int fd, std::uint8_t* p, std::size_t n) {
  while (n > 0) {
    ssize_t r = ::read(fd, p, n);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

// Sockets are written with MSG_NOSIGNAL: a client that hangs up must not SIGPIPE the test process.
bool write_all(int fd, const sd::bytes& b, bool socket = true) {
  std::size_t off = 0;
  while (off < b.size()) {
    ssize_t w = socket ? ::send(fd, b.data() + off, b.size() - off, MSG_NOSIGNAL)
                       : ::write(fd, b.data() + off, b.size() - off);
    if (w <= 0) return false;
    off += static_cast<std::size_t>(w);
  }
  return true;
}

class mini_broker {
 public:
  mini_broker() {
    _listen = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(_listen, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(_listen, 16);
    socklen_t len = sizeof a;
    ::getsockname(_listen, reinterpret_cast<sockaddr*>(&a), &len);
    _port = ntohs(a.sin_port);
    _accept = std::thread([this] { accept_loop(); });
  }
  ~mini_broker() {
    _stop = true;
    ::shutdown(_listen, SHUT_RDWR);
    _accept.join();
    {
      std::lock_guard g(_mu);
      for (int fd : _clients) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : _threads) t.join();
    for (int fd : _clients) ::close(fd);
    ::close(_listen);
  }
  int port() const { return _port; }
  std::vector<record> received() {
    std::lock_guard g(_mu);
    return _records;
  }
  int errors() const { return _errors.load(); }
  /// Fetches of partition 0 at offsets below `count` are answered with `len` bytes at `pos` of `fd`
  /// (a file slice, as the broker serves segments); later offsets get empty records after a short wait.
  void set_fetch_data(int fd, std::uint64_t pos, std::uint32_t len, std::int64_t count) {
    std::lock_guard g(_mu);
    _fetch = file_slice{fd, pos, len, nullptr};
    _fetch_count = count;
  }
  int fetches() const { return _fetches.load(); }
  std::vector<int> codecs_seen() {
    std::lock_guard g(_mu);
    return _codecs;
  }

 private:
  void fail(const char* what, int version) {
    std::fprintf(stderr, "mini_broker: cannot decode %s v%d\n", what, version);
    ++_errors;
  }

  void accept_loop() {
    while (!_stop) {
      int fd = ::accept(_listen, nullptr, nullptr);
      if (fd < 0) return;
      std::lock_guard g(_mu);
      _clients.push_back(fd);
      _threads.emplace_back([this, fd] { serve(fd); });
    }
  }

  void serve(int fd) {
    while (true) {
      std::uint8_t size_buf[4];
      if (!read_exact(fd, size_buf, 4)) return;
      std::int32_t size = load_be<std::int32_t>(size_buf);
      if (size < 0 || size > (64 << 20)) return ++_errors, void();
      sd::bytes frame(static_cast<std::size_t>(size));
      if (!read_exact(fd, frame.data(), frame.size())) return;
      auto req = decode_request_header(frame);
      if (!req) {
        std::fprintf(stderr, "mini_broker: bad header: %s\n", req.error().message().c_str());
        return ++_errors, void();
      }
      const auto v = req->header.api_version;
      const auto corr = req->header.correlation_id;
      response_buffer out;
      switch (req->header.api) {
        case api_key::api_versions: {
          api_versions_request in;
          if (!decode_body(req->body, v, in)) fail("api_versions", v);
          api_versions_response r;
          // librdkafka enables MessageSet v2 (RecordBatch) only when Produce >= 3 and Fetch >= 4 are both
          // advertised; without Fetch it falls back to legacy magic-0 message sets. Its LZ4 feature needs
          // FindCoordinator (key 10) advertised, otherwise it silently sends lz4 batches uncompressed.
          r.api_keys = {{0, 0, 7}, {1, 0, 11}, {3, 0, 4}, {10, 0, 2}, {18, 0, 3}};
          out = encode_response(corr, v, r);
          break;
        }
        case api_key::metadata: {
          metadata_request in;
          if (!decode_body(req->body, v, in)) fail("metadata", v);
          metadata_response r;
          r.brokers.push_back({1, "127.0.0.1", _port, std::nullopt});
          r.cluster_id = "test-cluster";
          r.controller_id = 1;
          std::vector<std::string> names;
          if (in.topics) {
            for (const auto& t : *in.topics) names.push_back(t.name.value_or(""));
          }
          for (const auto& n : names) {
            auto& t = r.topics.emplace_back();
            t.name = n;
            auto& p = t.partitions.emplace_back();
            p.partition_index = 0;
            p.leader_id = 1;
            p.replica_nodes = {1};
            p.isr_nodes = {1};
          }
          out = encode_response(corr, v, r);
          break;
        }
        case api_key::produce: {
          produce_request in;
          if (!decode_body(req->body, v, in)) return fail("produce", v);
          produce_response r;
          for (const auto& t : in.topic_data) {
            auto& rt = r.responses.emplace_back();
            rt.name = t.name;
            for (const auto& p : t.partition_data) {
              auto batches = read_batches(p.records.data);
              auto& rp = rt.partition_responses.emplace_back();
              rp.index = p.index;
              std::lock_guard g(_mu);
              rp.base_offset = static_cast<std::int64_t>(_records.size());
              if (!batches) {
                if (const char* dump = std::getenv("SD_DUMP_BATCH")) {
                  if (FILE* f = std::fopen(dump, "wb")) {
                    std::fwrite(p.records.data.data(), 1, p.records.data.size(), f);
                    std::fclose(f);
                  }
                }
                std::fprintf(stderr, "mini_broker: %s\n", batches.error().message().c_str());
                fail("record batch", v);
                rp.error_code = 2;  // CORRUPT_MESSAGE
                continue;
              }
              for (const auto& b : *batches) {
                _codecs.push_back(static_cast<int>(b.header.codec()));
                for (const auto& rec : b.records) _records.push_back(rec.to_record());
              }
            }
          }
          if (in.acks == 0) continue;
          out = encode_response(corr, v, r);
          break;
        }
        case api_key::fetch: {
          fetch_request in;
          if (!decode_body(req->body, v, in)) return fail("fetch", v);
          ++_fetches;
          fetch_response r;
          bool any = false;
          for (const auto& t : in.topics) {
            auto& rt = r.responses.emplace_back();
            rt.topic = t.topic;
            for (const auto& p : t.partitions) {
              auto& rp = rt.partitions.emplace_back();
              rp.partition_index = p.partition;
              std::lock_guard g(_mu);
              rp.high_watermark = _fetch_count;
              rp.last_stable_offset = _fetch_count;
              rp.log_start_offset = 0;
              rp.aborted_transactions.emplace();  // empty, not null
              if (p.fetch_offset < _fetch_count) {
                rp.records.chunks.push_back(_fetch);
                any = true;
              }
            }
          }
          if (!any) std::this_thread::sleep_for(std::chrono::milliseconds(std::min(in.max_wait_ms, 100)));
          out = encode_response(corr, v, r);
          break;
        }
        default:
          std::fprintf(stderr, "mini_broker: unexpected api %d v%d\n", static_cast<int>(req->header.api), v);
          ++_errors;
          return;
      }
      auto flat = out.flatten();
      if (!flat || !write_all(fd, *flat)) return;
    }
  }

  int _listen = -1;
  int _port = 0;
  std::atomic<bool> _stop{false};
  std::atomic<int> _errors{0};
  std::thread _accept;
  std::mutex _mu;
  std::vector<int> _clients;
  std::vector<std::thread> _threads;
  std::vector<record> _records;
  std::vector<int> _codecs;
  file_slice _fetch;
  std::int64_t _fetch_count = 0;
  std::atomic<int> _fetches{0};
};

struct delivery_state {
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* st = static_cast<delivery_state*>(opaque);
  (m->err ? st->failed : st->ok)++;
}

class LibrdkafkaWire : public ::testing::TestWithParam<const char*> {};

TEST_P(LibrdkafkaWire, ProduceIsDecodedAndAcknowledged) {
  mini_broker broker;
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  delivery_state st;
  const std::string bootstrap = "127.0.0.1:" + std::to_string(broker.port());
  ASSERT_EQ(rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err), RD_KAFKA_CONF_OK);
  ASSERT_EQ(rd_kafka_conf_set(conf, "compression.codec", GetParam(), err, sizeof err), RD_KAFKA_CONF_OK) << err;
  ASSERT_EQ(rd_kafka_conf_set(conf, "linger.ms", "50", err, sizeof err), RD_KAFKA_CONF_OK);
  ASSERT_EQ(rd_kafka_conf_set(conf, "message.timeout.ms", "20000", err, sizeof err), RD_KAFKA_CONF_OK);
  if (const char* dbg = std::getenv("SD_RDKAFKA_DEBUG")) rd_kafka_conf_set(conf, "debug", dbg, err, sizeof err);
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, &st);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  ASSERT_NE(rk, nullptr) << err;

  constexpr int n = 20;
  for (int i = 0; i < n; ++i) {
    std::string key = "key-" + std::to_string(i);
    std::string value(100 + i, static_cast<char>('a' + i % 26));
    rd_kafka_resp_err_t e = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC("wire-test"), RD_KAFKA_V_PARTITION(0),
        RD_KAFKA_V_KEY(key.data(), key.size()), RD_KAFKA_V_VALUE(value.data(), value.size()),
        RD_KAFKA_V_HEADER("h", "hv", 2), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    ASSERT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  rd_kafka_flush(rk, 30000);
  rd_kafka_destroy(rk);

  EXPECT_EQ(st.ok.load(), n);
  EXPECT_EQ(st.failed.load(), 0);
  EXPECT_EQ(broker.errors(), 0);
  auto recs = broker.received();
  ASSERT_EQ(recs.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    std::string key = "key-" + std::to_string(i);
    ASSERT_TRUE(recs[i].key.has_value());
    EXPECT_EQ(std::string(recs[i].key->begin(), recs[i].key->end()), key);
    ASSERT_TRUE(recs[i].value.has_value());
    EXPECT_EQ(recs[i].value->size(), static_cast<std::size_t>(100 + i));
    ASSERT_EQ(recs[i].headers.size(), 1u);
    EXPECT_EQ(recs[i].headers[0].key, "h");
  }
  const std::string codec = GetParam();
  const int expected = codec == "none" ? 0 : codec == "gzip" ? 1 : codec == "snappy" ? 2 : codec == "lz4" ? 3 : 4;
  auto codecs = broker.codecs_seen();
  EXPECT_FALSE(codecs.empty());
  for (int c : codecs) EXPECT_EQ(c, expected);
}

// The other direction: batches built by batch_builder (each codec) are served from a file slice in a Fetch
// v11 response and consumed by librdkafka.
class LibrdkafkaFetch : public ::testing::TestWithParam<batch::compression> {};

TEST_P(LibrdkafkaFetch, ConsumesBatchesBuiltHere) {
  mini_broker broker;
  constexpr int n = 10;
  std::vector<record> recs(n);
  for (int i = 0; i < n; ++i) {
    std::string k = "k" + std::to_string(i);
    recs[i].key = sd::bytes(k.begin(), k.end());
    recs[i].value = sd::bytes(50 + i, static_cast<std::uint8_t>('A' + i));
    recs[i].headers.push_back({"hdr", sd::bytes{'x'}});
    recs[i].timestamp = 1700000000000 + i;
  }
  batch_options o;
  o.codec = GetParam();
  auto batch = build_batch(recs, o);
  ASSERT_TRUE(batch.has_value());
  char path[] = "/tmp/sd_protocol_fetch_XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::unlink(path);
  sd::bytes file(100 + batch->size(), 0xEE);  // the batch sits at a non-zero position, as in a segment
  std::copy(batch->begin(), batch->end(), file.begin() + 100);
  ASSERT_TRUE(write_all(fd, file, /*socket=*/false));
  broker.set_fetch_data(fd, 100, static_cast<std::uint32_t>(batch->size()), n);

  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  const std::string bootstrap = "127.0.0.1:" + std::to_string(broker.port());
  ASSERT_EQ(rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err), RD_KAFKA_CONF_OK);
  ASSERT_EQ(rd_kafka_conf_set(conf, "check.crcs", "true", err, sizeof err), RD_KAFKA_CONF_OK);
  if (const char* dbg = std::getenv("SD_RDKAFKA_DEBUG")) rd_kafka_conf_set(conf, "debug", dbg, err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  ASSERT_NE(rk, nullptr) << err;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, "fetch-test", nullptr);
  ASSERT_EQ(rd_kafka_consume_start(rkt, 0, 0), 0);
  std::vector<record> got;
  for (int tries = 0; tries < 100 && got.size() < static_cast<std::size_t>(n); ++tries) {
    rd_kafka_message_t* m = rd_kafka_consume(rkt, 0, 200);
    if (!m) continue;
    if (!m->err) {
      record r;
      r.key.emplace(static_cast<const std::uint8_t*>(m->key), static_cast<const std::uint8_t*>(m->key) + m->key_len);
      r.value.emplace(static_cast<const std::uint8_t*>(m->payload),
                      static_cast<const std::uint8_t*>(m->payload) + m->len);
      EXPECT_EQ(m->offset, static_cast<std::int64_t>(got.size()));
      rd_kafka_headers_t* hdrs = nullptr;
      const void* hv = nullptr;
      std::size_t hl = 0;
      if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR &&
          rd_kafka_header_get_last(hdrs, "hdr", &hv, &hl) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        r.headers.push_back({"hdr", sd::bytes(static_cast<const std::uint8_t*>(hv),
                                              static_cast<const std::uint8_t*>(hv) + hl)});
      }
      r.timestamp = rd_kafka_message_timestamp(m, nullptr);
      got.push_back(std::move(r));
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consume_stop(rkt, 0);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  ::close(fd);

  EXPECT_EQ(broker.errors(), 0);
  EXPECT_GE(broker.fetches(), 1);
  ASSERT_EQ(got.size(), recs.size());
  for (int i = 0; i < n; ++i) EXPECT_EQ(got[i], recs[i]) << i;
}

INSTANTIATE_TEST_SUITE_P(Codecs, LibrdkafkaFetch,
                         ::testing::Values(batch::compression::none, batch::compression::gzip,
                                           batch::compression::snappy, batch::compression::lz4,
                                           batch::compression::zstd));

INSTANTIATE_TEST_SUITE_P(Codecs, LibrdkafkaWire, ::testing::Values("none", "gzip", "snappy", "lz4", "zstd"));

}  // namespace
}  // namespace sd::protocol
