// Fuzz target for the MQTT module: the incremental decoder (3.1.1 and 5, random chunking), the server and
// client sessions fed untrusted bytes with acks and timers interleaved, and topic filter matching.
// Oracles beyond "no crash, no leak, no UB": every packet the decoder accepts re-encodes and decodes to the
// same value, and everything a session writes decodes cleanly in its negotiated version.
//   mqtt_decode_fuzz: libFuzzer + ASan (clang, -DSTREAMDOWN_FUZZ=ON).
//   mqtt_fuzz_corpus: the same body over generated seeds and their mutations (every build, label unit).

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "mqtt/client_session.h"
#include "mqtt/codec.h"
#include "mqtt/server_session.h"
#include "mqtt/topic_filter.h"

namespace {

using namespace sd;
using namespace sd::mqtt;

// Decodes everything `out` holds as version v; traps on any error (sessions must only write valid bytes).
void check_output(const bytes& out, protocol_version v) {
  if (out.empty()) return;
  decoder d(std::size_t{1} << 28, v);
  d.feed(out);
  for (;;) {
    auto r = d.next();
    if (!r) __builtin_trap();
    if (!*r) break;
  }
  if (d.buffered() != 0) __builtin_trap();
}

void fuzz_decoder(byte_span in, protocol_version v) {
  if (in.empty()) return;
  // The first byte picks chunk sizes (1..16), so packets straddle feeds in every way.
  const unsigned chunk = (in[0] & 0x0F) + 1;
  in = in.subspan(1);
  decoder d(4096, v);
  for (std::size_t off = 0; off < in.size(); off += chunk) {
    d.feed(in.subspan(off, std::min<std::size_t>(chunk, in.size() - off)));
    for (;;) {
      auto r = d.next();
      if (!r || !*r) break;
      // Round trip: what was accepted encodes, and decodes to the same packet.
      const auto& p = **r;
      const auto pv = std::holds_alternative<connect>(p) ? std::get<connect>(p).version : v;
      auto b = encode(p, pv);
      if (!b) __builtin_trap();
      decoder again(std::size_t{1} << 28, pv);
      again.feed(*b);
      auto r2 = again.next();
      if (!r2 || !*r2 || !(**r2 == p)) __builtin_trap();
    }
  }
}

template <class Session>
void drive(Session& s, byte_span in, protocol_version& v) {
  auto now = steady_clock::time_point{} + std::chrono::seconds(100);
  std::vector<ack_token> tokens;
  std::size_t off = 0;
  unsigned step = 0;
  while (off < in.size() && !s.closed()) {
    const std::size_t n = std::min<std::size_t>(1 + (in[off] % 23), in.size() - off);
    s.on_bytes(in.subspan(off, n), now);
    off += n;
    while (auto e = s.poll_event()) {
      if constexpr (std::is_same_v<Session, server_session>) {
        if (auto* c = std::get_if<connected_event>(&*e)) v = c->version;
      }
      if (auto* p = std::get_if<publish_event>(&*e); p && p->token) tokens.push_back(*p->token);
    }
    // Ack out of order: every other round, the newest first.
    if (++step % 2 == 0) {
      while (!tokens.empty()) {
        (void)s.ack(tokens.back());
        tokens.pop_back();
      }
    }
    if (s.connected() || std::is_same_v<Session, client_session>) check_output(s.take_output(), v);
    now += std::chrono::seconds(in[off - 1] % 50);
    s.on_timer(now);
  }
  for (auto t : tokens) (void)s.ack(t);
  (void)s.take_output();
  s.on_connection_lost();
  while (s.poll_event()) {
  }
}

void fuzz_server(byte_span in, protocol_version) {
  memory_session_store store(8);
  server_config cfg;
  cfg.max_packet_size = 4096;
  cfg.receive_maximum = 3;
  cfg.topic_alias_maximum = 2;
  server_session s(cfg, store, 1, steady_clock::time_point{} + std::chrono::seconds(100));
  protocol_version v = protocol_version::v311;
  drive<server_session>(s, in, v);
}

void fuzz_client(byte_span in, protocol_version v) {
  client_config cfg;
  cfg.version = v;
  cfg.client_id = "relay";
  cfg.keep_alive = 5;
  cfg.receive_maximum = 3;
  cfg.max_packet_size = 4096;
  client_session s(cfg, steady_clock::time_point{} + std::chrono::seconds(100));
  const std::vector<std::string> f = {"a/+/c", "#"};
  (void)s.subscribe(f, 1);
  drive<client_session>(s, in, v);
}

void fuzz_topics(std::string_view in) {
  auto nul = in.find('\0');
  if (nul == std::string_view::npos) {
    (void)validate_topic_filter(in);
    (void)validate_topic_name(in);
    (void)split_levels(in);
    return;
  }
  auto filter = in.substr(0, nul);
  auto topic = in.substr(nul + 1);
  if (!validate_topic_filter(filter) || !validate_topic_name(topic)) return;
  auto m = match_topic(filter, topic);
  if (m.has_value() != topic_matches(filter, topic)) __builtin_trap();
  (void)topic_level(topic, in.size() % 5);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const unsigned sel = data[0] % 6;
  byte_span in(data + 1, size - 1);
  switch (sel) {
    case 0: fuzz_decoder(in, protocol_version::v311); break;
    case 1: fuzz_decoder(in, protocol_version::v5); break;
    case 2: fuzz_server(in, protocol_version::v311); break;
    case 3: fuzz_client(in, protocol_version::v311); break;
    case 4: fuzz_client(in, protocol_version::v5); break;
    case 5: fuzz_topics(as_chars(in)); break;
  }
  return 0;
}

#ifndef SD_LIBFUZZER
namespace {

bytes hex(std::string_view s) {
  bytes out;
  for (std::size_t i = 0; i + 1 < s.size();) {
    if (s[i] == ' ') {
      ++i;
      continue;
    }
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(s.substr(i, 2)), nullptr, 16)));
    i += 2;
  }
  return out;
}

bytes cat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

bytes enc(const packet& p, protocol_version v) { return *encode(p, v); }

}  // namespace

int main() {
  const auto v4 = protocol_version::v311;
  const auto v5 = protocol_version::v5;
  // Captured from mosquitto_pub / mosquitto_sub 2.0.11, plus encoded packets of every type.
  const bytes pub4 = hex(
      "10 10 00 04 4d 51 54 54 04 02 00 1e 00 04 64 65 76 31"
      "32 17 00 0e 73 65 6e 73 6f 72 73 2f 61 2f 74 65 6d 70 00 01 68 65 6c 6c 6f");
  const bytes pub5 = hex(
      "10 19 00 04 4d 51 54 54 05 02 00 1e 08 11 00 00 0e 10 21 00 14 00 04 64 65 76 31"
      "32 2c 00 0e 73 65 6e 73 6f 72 73 2f 61 2f 74 65 6d 70 00 01 14 26 00 01 6b 00 01 76 03 00 0a"
      "74 65 78 74 2f 70 6c 61 69 6e 68 65 6c 6c 6f");
  const bytes sub4 = hex(
      "10 1e 00 04 4d 51 54 54 04 c0 00 3c 00 06 72 65 6c 61 79 31 00 04 75 73 65 72 00 04 70 61 73 73"
      "82 13 00 01 00 0e 73 65 6e 73 6f 72 73 2f 2b 2f 74 65 6d 70 01");
  publish aliased{"t/x", {1, 2}, 1, false, false, 3, {}};
  aliased.props.topic_alias = 1;
  aliased.props.user_properties = {{"k", "v"}};
  publish use_alias{"", {3}, 0, false, false, 0, {}};
  use_alias.props.topic_alias = 1;
  const bytes server_flow5 =
      cat({pub5, enc(aliased, v5), enc(use_alias, v5), enc(publish{"a", {}, 1, false, true, 1, {}}, v5),
           enc(pingreq{}, v5), enc(mqtt::subscribe{2, {{"a/#", 1}}, {}}, v5), enc(disconnect{}, v5)});
  const bytes server_flow4 = cat({pub4, enc(publish{"b", {}, 1, false, false, 2, {}}, v4),
                                  enc(publish{"b", {}, 1, false, true, 2, {}}, v4), enc(pingreq{}, v4),
                                  enc(mqtt::unsubscribe{3, {"x"}, {}}, v4), enc(disconnect{}, v4)});
  const bytes client_flow4 =
      cat({hex("20 02 00 00 90 03 00 01 01"), enc(publish{"a/b/c", {9}, 1, false, false, 5, {}}, v4),
           enc(publish{"a/b/c", {9}, 1, true, true, 5, {}}, v4), enc(pingresp{}, v4)});
  connack ack5;
  ack5.props.server_keep_alive = 3;
  ack5.props.receive_maximum = 10;
  const bytes client_flow5 =
      cat({enc(ack5, v5), enc(suback{1, {1}, {}}, v5), enc(publish{"a/b/c", {9}, 1, false, false, 5, {}}, v5),
           enc(pingresp{}, v5), enc(disconnect{reason::server_shutting_down, {}}, v5)});

  std::vector<bytes> seeds;
  auto add = [&](unsigned sel, const bytes& b) {
    bytes s{static_cast<std::uint8_t>(sel)};
    if (sel <= 1) s.push_back(0x00);  // chunk size 1 for the decoder
    s.insert(s.end(), b.begin(), b.end());
    seeds.push_back(std::move(s));
  };
  add(0, pub4);
  add(0, sub4);
  add(1, pub5);
  add(1, server_flow5);
  add(0, server_flow4);
  add(2, server_flow4);
  add(2, server_flow5);
  add(3, client_flow4);
  add(4, client_flow5);
  const std::string topics = std::string("sensors/+/temp") + '\0' + "sensors/dev/temp";
  add(5, bytes(topics.begin(), topics.end()));
  const std::string topics2 = std::string("+/#") + '\0' + "$SYS/a/b";
  add(5, bytes(topics2.begin(), topics2.end()));

  std::size_t runs = 0;
  auto run = [&](const bytes& b) {
    LLVMFuzzerTestOneInput(b.data(), b.size());
    ++runs;
  };
  std::uint64_t rng = 0x9E3779B97F4A7C15ull;
  auto next = [&] {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
  };
  for (const auto& s : seeds) {
    run(s);
    for (std::size_t n = 1; n < s.size(); ++n) run(bytes(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(n)));
    for (std::size_t i = 1; i < s.size(); ++i) {
      for (std::uint8_t v : {0x00, 0x01, 0x7f, 0x80, 0xff}) {
        bytes m = s;
        m[i] = v;
        run(m);
      }
    }
    for (int k = 0; k < 2000; ++k) {  // random multi-byte mutations, inserts and deletes
      bytes m = s;
      const int edits = 1 + static_cast<int>(next() % 4);
      for (int e = 0; e < edits && m.size() > 1; ++e) {
        const std::size_t at = 1 + next() % (m.size() - 1);
        switch (next() % 3) {
          case 0: m[at] = static_cast<std::uint8_t>(next()); break;
          case 1: m.insert(m.begin() + static_cast<std::ptrdiff_t>(at), static_cast<std::uint8_t>(next())); break;
          case 2: m.erase(m.begin() + static_cast<std::ptrdiff_t>(at)); break;
        }
      }
      run(m);
    }
  }
  for (int k = 0; k < 20000; ++k) {  // pure random inputs for every mode
    bytes m(1 + next() % 200);
    for (auto& b : m) b = static_cast<std::uint8_t>(next());
    run(m);
  }
  std::printf("mqtt fuzz corpus: %zu inputs, no crash\n", runs);
  return 0;
}
#endif
