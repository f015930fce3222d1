// mqtt_link (mqtt_link.h): the socket pump and spool backpressure of one MQTT connection, for both sessions.

#include "relay/sources/mqtt_link.h"

#include <atomic>
#include <variant>

namespace sd::relay {

namespace asio = net::asio;
using tcp = net::tcp;

namespace {
constexpr std::size_t read_chunk_bytes = 16 * 1024;
}  // namespace

template <class Session>
mqtt_link<Session>::mqtt_link(mqtt_link_env env, tcp::socket sock, Session session)
    : _session(std::move(session)),
      _stats(env.stats),
      _stopping(env.stopping),
      _sock(std::move(sock)),
      _ingest(env.router, env.spool, env.stats, env.log_limit, std::move(env.poster), env.ioc,
              std::move(env.log_name),
              mqtt_ingest::hooks{[this](mqtt::ack_token t) { (void)_session.ack(t); }, [this] { pump(); },
                                 [this](std::error_code) { on_spool_failure(); }}),
      _timer(env.ioc),
      _rbuf(read_chunk_bytes) {}

template <class Session>
mqtt_link<Session>::~mqtt_link() {
  report_in_flight(0);
}

template <class Session>
void mqtt_link<Session>::pump() {
  if (_pumping) {  // re-entered from a hook: the loop below picks the new work up
    _again = true;
    return;
  }
  _pumping = true;
  for (;;) {
    _again = false;
    while (auto ev = _session.poll_event()) {
      if (auto* p = std::get_if<mqtt::publish_event>(&*ev))
        _ingest.add(std::move(*p));
      else
        on_event(std::move(*ev));
    }
    _ingest.flush();
    if (!_again) break;
  }
  _pumping = false;
  report_in_flight(_session.closed() ? 0 : static_cast<std::int64_t>(_session.in_flight()));
  flush_output();
  maybe_read();
  arm_timer();
  close_socket_when_done();
}

template <class Session>
void mqtt_link<Session>::report_in_flight(std::int64_t in_flight) {
  if (in_flight == _reported_in_flight) return;
  _stats.in_flight.fetch_add(in_flight - _reported_in_flight, std::memory_order_relaxed);
  _stats.lag.fetch_add(in_flight - _reported_in_flight, std::memory_order_relaxed);
  _reported_in_flight = in_flight;
}

template <class Session>
bool mqtt_link<Session>::reading_allowed() const {
  return !_session.closed() && !_session.read_paused() && _ingest.accepting() && !_stopping;
}

template <class Session>
void mqtt_link<Session>::maybe_read() {
  const bool allowed = reading_allowed();
  if (allowed && _paused) {
    if (auto grace = resume_grace()) _grace_until = steady_clock::now() + *grace;
  }
  _paused = !allowed;
  if (_paused || _reading || _sock_closed) return;
  _reading = true;
  _sock.async_read_some(asio::buffer(_rbuf),
                        [self = this->shared_from_this()](boost::system::error_code ec, std::size_t n) {
                          self->_reading = false;
                          if (self->_sock_closed) return;
                          if (ec) {
                            self->on_read_error(ec);
                            self->_session.on_connection_lost();
                          } else {
                            self->_session.on_bytes(byte_span(self->_rbuf.data(), n), steady_clock::now());
                          }
                          self->pump();
                        });
}

template <class Session>
void mqtt_link<Session>::flush_output() {
  if (_writing || _sock_closed || !_session.has_output()) return;
  _wbuf = _session.take_output();
  _writing = true;
  asio::async_write(_sock, asio::buffer(_wbuf),
                    [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
                      self->_writing = false;
                      if (self->_sock_closed) return;
                      if (ec) self->_session.on_connection_lost();
                      self->pump();
                    });
}

template <class Session>
void mqtt_link<Session>::arm_timer() {
  std::optional<steady_clock::time_point> deadline;
  if (!_session.closed() && !_paused) {
    deadline = _session.next_deadline();
    if (deadline && *deadline < _grace_until) deadline = _grace_until;
  }
  if (deadline == _armed) return;
  _armed = deadline;
  _timer.cancel();
  if (!deadline) return;
  _timer.expires_at(*deadline);
  _timer.async_wait([self = this->shared_from_this()](boost::system::error_code ec) {
    if (ec) return;
    self->_armed.reset();
    if (self->_sock_closed) return;
    const auto now = steady_clock::now();
    if (now >= self->_grace_until) self->_session.on_timer(now);
    self->pump();
  });
}

template <class Session>
void mqtt_link<Session>::close_socket_when_done() {
  if (!_sock_closed && _session.closed() && !_writing && !_session.has_output()) {
    _sock_closed = true;
    boost::system::error_code ignored;
    _sock.shutdown(tcp::socket::shutdown_both, ignored);
    _sock.close(ignored);
    _timer.cancel();
    _ingest.abandon();  // a batch still waiting for space: QoS 1 ones come again, QoS 0 ones are lost
    report_in_flight(0);
    on_socket_closed();
  }
  if (removable()) on_removable();
}

template <class Session>
void mqtt_link<Session>::close_now() {
  _ingest.abandon();
  if (!_sock_closed) {
    _sock_closed = true;
    boost::system::error_code ignored;
    _sock.close(ignored);
    _timer.cancel();
  }
  report_in_flight(0);
}

template class mqtt_link<mqtt::client_session>;
template class mqtt_link<mqtt::server_session>;

}  // namespace sd::relay
