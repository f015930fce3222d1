#include "relay/sources/mqtt_router.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "mqtt/topic_filter.h"
#include "spool/errc.h"

namespace sd::relay {

std::optional<std::string> mqtt_key(const key_rule& rule, std::string_view topic, byte_span payload) {
  switch (rule.how) {
    case key_rule::kind::none:
      return std::nullopt;
    case key_rule::kind::topic_level: {
      if (rule.level < 1) return std::nullopt;
      auto level = mqtt::topic_level(topic, static_cast<std::size_t>(rule.level - 1));
      if (!level) return std::nullopt;
      return std::string(*level);
    }
    case key_rule::kind::json_field: {
      const auto text = as_chars(payload);
      auto doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
      if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
      auto it = doc.find(rule.field);
      if (it == doc.end() || it->is_null()) return std::nullopt;
      if (it->is_string()) return it->get<std::string>();
      // Compact text; invalid UTF-8 cannot occur (the parser rejected it), so dump() does not throw.
      return it->dump();
    }
  }
  return std::nullopt;
}

mqtt_router::mqtt_router(const source_config& cfg)
    : _topic(cfg.topic), _key(cfg.key), _mappings(cfg.mappings) {}

std::optional<spool::record> mqtt_router::route(mqtt::publish&& msg) const {
  const std::string* topic = _topic.empty() ? nullptr : &_topic;
  const key_rule* key = &_key;
  for (const auto& m : _mappings) {
    if (!mqtt::topic_matches(m.match, msg.topic)) continue;
    topic = &m.topic;
    if (m.key.how != key_rule::kind::none) key = &m.key;
    break;
  }
  if (topic == nullptr) return std::nullopt;  // nothing moved out of msg
  spool::record r;
  r.topic = *topic;
  r.key = mqtt_key(*key, msg.topic, msg.payload);
  r.value.emplace(as_chars(msg.payload));
  r.headers.reserve(2 + msg.props.user_properties.size());
  r.headers.emplace_back(std::string(mqtt_topic_header), std::move(msg.topic));
  for (auto& up : msg.props.user_properties) r.headers.emplace_back(std::move(up.key), std::move(up.value));
  if (msg.props.content_type)
    r.headers.emplace_back(std::string(mqtt_content_type_header), std::move(*msg.props.content_type));
  return r;
}

// ---- io_poster ----

void io_poster::post(std::function<void()> fn) {
  std::lock_guard lk(_mu);
  if (_ioc != nullptr) net::asio::post(*_ioc, std::move(fn));
}

void io_poster::close() {
  std::lock_guard lk(_mu);
  _ioc = nullptr;
}

void io_poster::begin_append() {
  std::lock_guard lk(_mu);
  ++_appends;
}

void io_poster::end_append() {
  std::lock_guard lk(_mu);
  if (_appends > 0) --_appends;
  _cv.notify_all();
}

std::size_t io_poster::appends() const {
  std::lock_guard lk(_mu);
  return _appends;
}

bool io_poster::wait_appends(std::chrono::milliseconds timeout) {
  std::unique_lock lk(_mu);
  return _cv.wait_for(lk, timeout, [&] { return _appends == 0; });
}

// ---- mqtt_ingest ----

void mqtt_ingest::batch::join(batch&& later) {
  for (auto& r : later.records) records.push_back(std::move(r));
  tokens.insert(tokens.end(), later.tokens.begin(), later.tokens.end());
  bytes += later.bytes;
  later = batch{};
}

mqtt_ingest::mqtt_ingest(const mqtt_router& router, spool::spool& spool, source_stats& stats,
                         log_limiter& log_limit, std::shared_ptr<io_poster> poster,
                         net::asio::io_context& ioc, std::string log_name, hooks h)
    : _router(router),
      _spool(spool),
      _stats(stats),
      _log_limit(log_limit),
      _poster(std::move(poster)),
      _retry_timer(ioc),
      _name(std::move(log_name)),
      _hooks(std::move(h)) {}

mqtt_ingest::~mqtt_ingest() {
  _retry_timer.cancel();
}

void mqtt_ingest::add(mqtt::publish_event ev) {
  _stats.received_total.fetch_add(1, std::memory_order_relaxed);
  auto rec = _router.route(std::move(ev.message));
  if (!rec) {
    // Can never be stored (no mapping matches, no default topic): counted and acknowledged so the device does
    // not resend it forever.
    _stats.rejected_total.fetch_add(1, std::memory_order_relaxed);
    if (auto skipped = _log_limit.admit())
      spdlog::warn(
          "relay {}: no mapping matches MQTT topic '{}' and the source has no topic; message dropped "
          "({} more not logged)",
          _name, ev.message.topic, *skipped);
    if (ev.token) _hooks.ack(*ev.token);
    return;
  }
  _building.bytes += (rec->key ? rec->key->size() : 0) + (rec->value ? rec->value->size() : 0);
  _building.records.push_back(std::move(*rec));
  _building.tokens.push_back(ev.token.value_or(0));  // 0: QoS 0 (tokens start at 1)
}

void mqtt_ingest::flush() {
  if (_building.empty()) return;
  batch b = std::move(_building);
  _building = batch{};
  submit(std::move(b));
}

void mqtt_ingest::submit(batch b) {
  if (_blocked) {  // nothing overtakes a refused batch
    _blocked->join(std::move(b));
    return;
  }
  // Copied: under errc::full the same records are appended again.
  std::vector<spool::record> copy = b.records;
  auto held = std::make_shared<batch>(std::move(b));
  // Errors (full, too large, closed, io_error) come back inline, before append() returns, on this thread;
  // they are handled right after it returns, so a refused batch is blocked before anything else is submitted.
  auto inline_result = std::make_shared<std::optional<result<std::uint64_t>>>();
  const auto io_thread = std::this_thread::get_id();
  std::weak_ptr<int> alive = _alive;
  ++_outstanding;
  _poster->begin_append();
  _spool.append(std::move(copy),
                [this, inline_result, io_thread, alive, held, poster = _poster](result<std::uint64_t> r) {
                  if (std::this_thread::get_id() == io_thread) {
                    inline_result->emplace(std::move(r));
                    return;
                  }
                  poster->post([this, alive, held, poster, r = std::move(r)]() mutable {
                    if (!alive.expired()) on_result(std::move(*held), std::move(r));
                    poster->end_append();
                  });
                });
  if (*inline_result) {
    on_result(std::move(*held), std::move(**inline_result));
    _poster->end_append();
  }
}

void mqtt_ingest::on_result(batch b, result<std::uint64_t> r) {
  --_outstanding;
  if (r) {
    if (*r != 0) {  // 0: drop_newest discarded the batch; handled (the spool records the gap), not appended
      _stats.appended_total.fetch_add(b.records.size(), std::memory_order_relaxed);
      _stats.bytes_total.fetch_add(b.bytes, std::memory_order_relaxed);
    }
    _backpressured = false;
    for (auto t : b.tokens)
      if (t != 0) _hooks.ack(t);
  } else if (r.error() == spool::errc::full) {
    if (!_backpressured) _stats.backpressure_total.fetch_add(1, std::memory_order_relaxed);
    _backpressured = true;
    if (_blocked) b.join(std::move(*_blocked));
    _blocked.emplace(std::move(b));
    wait_for_space();
  } else if (r.error() == spool::errc::record_too_large && b.records.size() > 1) {
    for (std::size_t i = 0; i < b.records.size(); ++i) {
      batch one;
      one.bytes = (b.records[i].key ? b.records[i].key->size() : 0) +
                  (b.records[i].value ? b.records[i].value->size() : 0);
      one.records.push_back(std::move(b.records[i]));
      one.tokens.push_back(b.tokens[i]);
      submit(std::move(one));
    }
  } else if (r.error() == spool::errc::record_too_large) {
    _stats.rejected_total.fetch_add(1, std::memory_order_relaxed);
    if (auto skipped = _log_limit.admit())
      spdlog::warn(
          "relay {}: a message on '{}' is larger than the spool can hold; dropped ({} more not logged)",
          _name, b.records.front().topic, *skipped);
    if (b.tokens.front() != 0) _hooks.ack(b.tokens.front());
  } else {
    if (r.error() != spool::errc::closed) {
      _stats.errors_total.fetch_add(1, std::memory_order_relaxed);
      if (auto skipped = _log_limit.admit())
        spdlog::error("relay {}: spool append failed: {}; closing the connection ({} more not logged)", _name,
                      r.error().message(), *skipped);
    }
    _hooks.fail(r.error());
  }
  _hooks.wake();
}

void mqtt_ingest::retry_blocked() {
  if (!_blocked) return;
  batch b = std::move(*_blocked);
  _blocked.reset();
  _retry_timer.cancel();
  submit(std::move(b));
  _hooks.wake();
}

void mqtt_ingest::wait_for_space() {
  std::weak_ptr<int> alive = _alive;
  if (!_space_requested) {
    _space_requested = true;
    _spool.notify_on_space([this, alive, poster = _poster] {
      poster->post([this, alive] {
        if (alive.expired()) return;
        _space_requested = false;
        retry_blocked();
      });
    });
  }
  // Fallback: space freed between the refusal and the registration would otherwise go unnoticed.
  _retry_timer.expires_after(std::chrono::seconds(1));
  _retry_timer.async_wait([this, alive](boost::system::error_code ec) {
    if (ec || alive.expired()) return;
    retry_blocked();
  });
}

void mqtt_ingest::abandon() {
  _blocked.reset();
  _building = batch{};
  _retry_timer.cancel();
}

}  // namespace sd::relay
