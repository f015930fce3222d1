// Streamed HTTP produce (see produce_streamed in gateway_impl.h) and the whole-body read of the produce route.
#include "gateway/gateway_impl.h"

namespace sd::gateway {

net::awaitable<std::optional<http::response>> read_whole_body(gateway::impl& g, http::stream_io& io,
                                                              std::string& out) {
  for (;;) {
    auto piece = co_await io.read_body();
    if (piece.failed) co_return json_error(400, "invalid_body", "the request body broke off: " + piece.error);
    if (out.size() + piece.data.size() > g.config.max_body_bytes)
      co_return json_error(413, "payload_too_large",
                           "the request body is over " + std::to_string(g.config.max_body_bytes) +
                               " bytes (NDJSON bodies of any length stream)");
    out += piece.data;
    if (piece.done) co_return std::nullopt;
  }
}

namespace {

/// Splits arriving body bytes into NDJSON lines and parses each: what is left after the last newline waits for
/// the next piece. A line longer than `max_line` is dropped as it arrives and becomes one error item.
class line_splitter {
 public:
  line_splitter(std::size_t max_line, record_json::body_defaults defaults) : _max_line(max_line), _defaults(defaults) {}

  /// Parses every complete line of `data` (all of it when `last`) into `items`.
  void feed(std::string_view data, bool last, std::vector<record_json::item>& items) {
    while (!data.empty()) {
      const auto nl = data.find('\n');
      const auto part = data.substr(0, nl);
      if (_too_long) {
        // inside an over-long line: nothing kept until it ends
      } else if (_partial.size() + part.size() > _max_line) {
        _too_long = true;
        _partial.clear();
        _partial.shrink_to_fit();
      } else {
        _partial.append(part);
      }
      if (nl == std::string_view::npos) break;
      end_line(items);
      data.remove_prefix(nl + 1);
    }
    if (last) end_line(items);
  }

 private:
  void end_line(std::vector<record_json::item>& items) {
    if (_too_long) {
      items.emplace_back(record_json::item_error{"the line is longer than " + std::to_string(_max_line) + " bytes"});
    } else {
      std::string_view line = _partial;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") != std::string_view::npos)
        items.push_back(record_json::parse_record_text(line, _defaults));
    }
    _too_long = false;
    _partial.clear();
  }

  std::size_t _max_line;
  record_json::body_defaults _defaults;
  std::string _partial;
  bool _too_long = false;
};

}  // namespace

net::awaitable<std::optional<http::response>> produce_streamed(gateway::impl& g, const broker::topic_state& topic,
                                                               const std::string& name, http::stream_io& io,
                                                               record_json::body_defaults defaults, int acks) {
  line_splitter lines(g.config.max_body_bytes, defaults);
  std::vector<record_json::item> slice;
  // Until the first line is complete, the answer can still be an ordinary error (nothing written yet).
  http::body_piece piece;
  for (;;) {
    piece = co_await io.read_body();
    if (piece.failed) co_return json_error(400, "invalid_body", "the request body broke off: " + piece.error);
    lines.feed(piece.data, piece.done, slice);
    if (!slice.empty() || piece.done) break;
  }
  if (slice.empty()) co_return json_error(400, "invalid_body", "the body holds no records");

  if (!co_await io.begin(200, "application/json", {}, /*keep_alive=*/true)) co_return std::nullopt;
  std::string text = json{{"topic", name}}.dump();
  text.pop_back();  // reopen the object
  text += ",\"results\":[\n";
  std::size_t written = 0;
  std::size_t errors = 0;
  std::string broke_off;
  for (;;) {
    if (!slice.empty()) {
      // The slice's bytes count against the broker's memory budget while they are appended.
      std::size_t bytes = 0;
      for (const auto& it : slice)
        if (const auto* r = std::get_if<record_json::record>(&it))
          bytes += (r->key ? r->key->size() : 0) + (r->value ? r->value->size() : 0);
      auto lease = co_await g.budget.acquire(std::min(bytes, g.budget.capacity()));
      auto results = co_await produce_items(g, topic, slice, acks);
      slice.clear();
      for (const auto& r : results) {
        // One result per line, each line complete when written: the separator leads the line.
        if (written++ > 0) text += ',';
        text += to_json(r).dump(-1, ' ', false, json::error_handler_t::replace);
        text += '\n';
        errors += !r.error_code.empty();
      }
      if (piece.done) break;  // the tail goes with the last results, in one write
      if (!co_await io.write(text)) co_return std::nullopt;  // the client is gone: nothing to answer
      text.clear();
    }
    if (piece.done) break;
    piece = co_await io.read_body();
    if (piece.failed) {
      broke_off = piece.error;
      break;
    }
    lines.feed(piece.data, piece.done, slice);
  }
  text += "],\"errors\":" + std::to_string(errors);
  if (!broke_off.empty())
    text += ",\"error\":" + json{{"code", "invalid_body"}, {"message", "the request body broke off: " + broke_off}}.dump();
  text += "}\n";
  if (co_await io.write(text)) co_await io.end();
  co_return std::nullopt;
}

}  // namespace sd::gateway
