#pragma once
// mqtt_link: the socket of one MQTT connection driven by its sans-I/O session, with the spool backpressure
// both MQTT sources share. mqtt::client_session: the `mqtt` source's link to its broker
// (mqtt_client_source.cc); mqtt::server_session: a device connected to `mqtt-server` (mqtt_server_source.cc).
// Each side derives from it and keeps only its own business: the session events other than PUBLISH, how the
// session ends, what a closed socket means to its source.
//
// Contract (relay/source.h), the same on both sides:
//   - the publishes decoded from one socket read become one spool append (mqtt_ingest, mqtt_router.h); a
//     QoS 1 message is PUBACKed only from that append's success, never before the spool holds it;
//   - the socket is read only while the session is open and not read_paused() (its window is full), no batch
//     waits for spool space (errc::full under `block`; retried on notify_on_space), fewer than
//     mqtt_ingest::max_outstanding appends are in flight and the source is not stopping. The session's timer
//     (keep alive) does not run while reads are paused; resume_grace() may defer it once reads resume;
//   - source_stats in_flight and lag both count the session's QoS 1 messages not yet acknowledged (0 once
//     the session is closed; released when the link aborts or goes);
//   - once the session is closed its remaining output is written, then the socket closes; a batch still
//     waiting for space is dropped then (never acknowledged: the peer resends its QoS 1 messages). The link
//     lives on until no append of it is outstanding (removable()), so their results are still counted.
//
// Threading: every member runs on the source's io thread; spool results come back through io_poster.

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/log_limiter.h"
#include "mqtt/client_session.h"
#include "mqtt/server_session.h"
#include "net/asio.h"
#include "relay/source.h"
#include "relay/sources/mqtt_router.h"
#include "spool/spool.h"

namespace sd::relay {

/// What a link borrows from its source (which outlives its links).
struct mqtt_link_env {
  const mqtt_router& router;
  spool::spool& spool;
  source_stats& stats;
  log_limiter& log_limit;
  std::shared_ptr<io_poster> poster;
  net::asio::io_context& ioc;
  const bool& stopping;  // the source is stopping: read no more
  std::string log_name;  // e.g. "mqtt source NAME"
};

template <class Session>
class mqtt_link : public std::enable_shared_from_this<mqtt_link<Session>> {
 public:
  using event = typename decltype(std::declval<Session&>().poll_event())::value_type;

  virtual ~mqtt_link();
  mqtt_link(const mqtt_link&) = delete;
  mqtt_link& operator=(const mqtt_link&) = delete;

  /// Handles the session's events and submits the batch they built, then writes, reads, arms the timer and
  /// closes the socket as the state allows. Called again from a hook while running, it only makes the
  /// running call loop once more.
  void pump();
  /// The socket is closed and no append of this link is outstanding: the source may forget it.
  bool removable() const { return _sock_closed && _ingest.outstanding() == 0; }

 protected:
  mqtt_link(mqtt_link_env env, net::tcp::socket sock, Session session);

  /// Forced end (the source's stop() timed out): forgets unsent batches and closes the socket now, without
  /// writing what is left. The side ends its session first.
  void close_now();

  Session _session;

 private:
  // ---- the side's hooks (io thread) ----
  /// A session event other than PUBLISH (those go to the spool).
  virtual void on_event(event ev) = 0;
  /// The spool refuses to store (closed, I/O error): end the session. Nothing is acknowledged.
  virtual void on_spool_failure() = 0;
  /// The socket has just closed after the session ended.
  virtual void on_socket_closed() {}
  /// removable() holds (may be said more than once; the link may be on the call stack).
  virtual void on_removable() = 0;
  /// Reads resume after a pause: how long the session's timer waits before it may judge the peer again.
  virtual std::optional<steady_clock::duration> resume_grace() const { return std::nullopt; }
  /// A socket read failed (the session is then told the connection is lost).
  virtual void on_read_error(const boost::system::error_code&) {}

  bool reading_allowed() const;
  void report_in_flight(std::int64_t in_flight);
  void maybe_read();
  void flush_output();
  void arm_timer();
  void close_socket_when_done();

  source_stats& _stats;
  const bool& _stopping;
  net::tcp::socket _sock;
  mqtt_ingest _ingest;
  net::asio::steady_timer _timer;
  std::optional<steady_clock::time_point> _armed;  // the deadline _timer waits for
  steady_clock::time_point _grace_until{};         // no timer verdict before this (after a pause)
  bytes _rbuf;
  bytes _wbuf;
  bool _reading = false, _writing = false, _sock_closed = false, _paused = false;
  bool _pumping = false, _again = false;
  std::int64_t _reported_in_flight = 0;  // our share of _stats.in_flight and _stats.lag
};

extern template class mqtt_link<mqtt::client_session>;
extern template class mqtt_link<mqtt::server_session>;

}  // namespace sd::relay
