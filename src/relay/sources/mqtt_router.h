#pragma once
// MQTT message -> spool record, and the append pipeline both MQTT sources share (mqtt-server, mqtt).
//
// mqtt_router (pure, thread-safe after construction):
//   topic  = the first mapping whose `match` filter matches the MQTT topic, else the source's `topic`; with
//            neither, the message is unroutable (route() returns nullopt; it can never be stored).
//   key    = the mapping's key rule if that mapping has one, else the source's: level:N -> the N-th (1-based)
//            level of the MQTT topic (null if the topic has fewer levels); json:FIELD -> the top-level FIELD
//            of a JSON object payload (a string as is, other JSON values as compact text, JSON null / missing
//            field / payload not a JSON object -> null key); none -> null key.
//   value  = the payload bytes unchanged (an empty payload is an empty value, never null).
//   headers= mqtt.topic, then the MQTT 5 user properties in order (name, value), then mqtt.content_type if
//   set. timestamp_ms = 0 (the spool stamps the append time), partition = -1 (the forwarder partitions by
//   key).
//
// mqtt_ingest (one per MQTT connection; used only on the source's io thread):
//   add() routes inbound PUBLISHes into the batch being built; flush() submits that batch as ONE spool
//   append. QoS 1 tokens are handed to hooks.ack only from the append's success (posted back to the io
//   thread), so a PUBACK never leaves before the spool holds the message (the session orders PUBACKs by
//   receive order). Order: at most one batch is ever refused and waiting (`blocked`); nothing is submitted
//   behind it, and what arrives meanwhile joins its end, so the spool receives a connection's messages in
//   receive order. errc::full: the batch is kept and retried unchanged on spool::notify_on_space (and every
//   second as a fallback); the owner stops reading while !accepting(). record_too_large: the batch is split
//   into single records; a single record that can never fit is counted rejected and acknowledged (the peer
//   would resend it forever). closed / io_error: nothing is acknowledged and hooks.fail closes the connection
//   (the peer resends).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "base/bytes.h"
#include "base/log_limiter.h"
#include "mqtt/inbound_window.h"
#include "mqtt/packet.h"
#include "mqtt/server_session.h"
#include "net/asio.h"
#include "relay/config.h"
#include "relay/source.h"
#include "spool/spool.h"

namespace sd::relay {

inline constexpr std::string_view mqtt_topic_header = "mqtt.topic";
inline constexpr std::string_view mqtt_content_type_header = "mqtt.content_type";

/// The key a rule picks for a message on `topic` with `payload` (nullopt: a null key).
std::optional<std::string> mqtt_key(const key_rule& rule, std::string_view topic, byte_span payload);

class mqtt_router {
 public:
  explicit mqtt_router(const source_config& cfg);

  /// The record for msg (its payload is moved out), or nullopt when no mapping matches and there is no
  /// default topic.
  std::optional<spool::record> route(mqtt::publish&& msg) const;

 private:
  std::string _topic;
  key_rule _key;
  std::vector<topic_mapping> _mappings;
};

/// Hands spool callbacks (sync thread, any time) back to a source's io thread, and counts appends whose
/// result has not been handled yet. After close() callbacks are dropped (a stopped source acknowledges
/// nothing more).
class io_poster {
 public:
  explicit io_poster(net::asio::io_context& ioc) : _ioc(&ioc) {}

  /// Runs fn on the io thread; drops it once closed.
  void post(std::function<void()> fn);
  void close();

  void begin_append();
  void end_append();
  std::size_t appends() const;
  /// Waits until no append is outstanding or the timeout passes; true if none is.
  bool wait_appends(std::chrono::milliseconds timeout);

 private:
  mutable std::mutex _mu;
  std::condition_variable _cv;
  net::asio::io_context* _ioc;  // nullptr once closed
  std::size_t _appends = 0;
};

class mqtt_ingest {
 public:
  struct hooks {
    std::function<void(mqtt::ack_token)> ack;  // the message behind token is durable (or never storable)
    std::function<void()> wake;                // state changed off the owner's call path: pump the connection
    std::function<void(std::error_code)> fail;  // the spool refuses to store: close the connection, no ack
  };
  static constexpr std::size_t max_outstanding = 4;  // appends per connection before the owner stops reading

  mqtt_ingest(const mqtt_router& router, spool::spool& spool, source_stats& stats, log_limiter& log_limit,
              std::shared_ptr<io_poster> poster, net::asio::io_context& ioc, std::string log_name, hooks h);
  ~mqtt_ingest();
  mqtt_ingest(const mqtt_ingest&) = delete;
  mqtt_ingest& operator=(const mqtt_ingest&) = delete;

  /// Takes one inbound PUBLISH into the batch being built (unroutable ones are counted and acknowledged).
  void add(mqtt::publish_event ev);
  /// Submits the batch built since the last flush as one append (or joins it to the blocked batch).
  void flush();
  /// The owner may read more from its peer.
  bool accepting() const { return !_blocked && _outstanding < max_outstanding; }
  bool blocked() const { return _blocked.has_value(); }
  std::size_t outstanding() const { return _outstanding; }
  /// Forgets the blocked and unsent batches (never acknowledged: the peer sends them again). Results of
  /// appends already submitted still arrive and acknowledge.
  void abandon();

 private:
  struct batch {
    std::vector<spool::record> records;
    std::vector<mqtt::ack_token> tokens;  // of the QoS 1 messages among records
    std::uint64_t bytes = 0;              // key + value bytes
    bool empty() const { return records.empty(); }
    void join(batch&& later);
  };

  void submit(batch b);
  void on_result(batch b, result<std::uint64_t> r);
  void retry_blocked();
  void wait_for_space();

  const mqtt_router& _router;
  spool::spool& _spool;
  source_stats& _stats;
  log_limiter& _log_limit;
  std::shared_ptr<io_poster> _poster;
  net::asio::steady_timer _retry_timer;
  std::string _name;
  hooks _hooks;
  batch _building;
  std::optional<batch> _blocked;
  bool _backpressured = false;                             // counted once per episode of errc::full
  bool _space_requested = false;                           // a notify_on_space is registered
  std::size_t _outstanding = 0;                            // appends submitted, result not handled yet
  std::shared_ptr<int> _alive = std::make_shared<int>(0);  // spool callbacks hold a weak_ptr to it
};

}  // namespace sd::relay
