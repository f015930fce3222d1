#include "broker/dispatcher.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "broker/handlers/handlers.h"
#include "protocol/generated/api_versions.h"

namespace sd::broker {
namespace {

using protocol::api_key;

constexpr std::size_t idx(api_key k) { return static_cast<std::size_t>(k); }

std::array<api_entry, 128> build_table() {
  std::array<api_entry, 128> t{};
  // Version ranges: see ../shared notes; advertise only what is decoded, encoded and tested.
  t[idx(api_key::produce)] = {handlers::produce, 3, 7};
  t[idx(api_key::fetch)] = {handlers::fetch, 4, 11};
  t[idx(api_key::list_offsets)] = {handlers::list_offsets, 0, 3};
  t[idx(api_key::metadata)] = {handlers::metadata, 0, 6};
  t[idx(api_key::api_versions)] = {handlers::api_versions, 0, 3};
  t[idx(api_key::create_topics)] = {handlers::create_topics, 0, 4};
  t[idx(api_key::delete_topics)] = {handlers::delete_topics, 0, 3};
  t[idx(api_key::delete_records)] = {handlers::delete_records, 0, 1};
  t[idx(api_key::init_producer_id)] = {handlers::init_producer_id, 0, 1};
  t[idx(api_key::describe_producers)] = {handlers::describe_producers, 0, 0};
  t[idx(api_key::describe_configs)] = {handlers::describe_configs, 0, 3};
  t[idx(api_key::alter_configs)] = {handlers::alter_configs, 0, 1};
  t[idx(api_key::create_partitions)] = {handlers::create_partitions, 0, 1};
  t[idx(api_key::incremental_alter_configs)] = {handlers::incremental_alter_configs, 0, 0};
  // Consumer groups (group/): non-flexible versions only.
  t[idx(api_key::find_coordinator)] = {handlers::find_coordinator, 0, 2};
  t[idx(api_key::join_group)] = {handlers::join_group, 0, 5};
  t[idx(api_key::heartbeat)] = {handlers::heartbeat, 0, 3};
  t[idx(api_key::leave_group)] = {handlers::leave_group, 0, 3};
  t[idx(api_key::sync_group)] = {handlers::sync_group, 0, 3};
  t[idx(api_key::offset_commit)] = {handlers::offset_commit, 0, 7};
  t[idx(api_key::offset_fetch)] = {handlers::offset_fetch, 1, 5};
  t[idx(api_key::describe_groups)] = {handlers::describe_groups, 0, 4};
  t[idx(api_key::list_groups)] = {handlers::list_groups, 0, 2};
  t[idx(api_key::delete_groups)] = {handlers::delete_groups, 0, 1};
  t[idx(api_key::offset_delete)] = {handlers::offset_delete, 0, 0};
  return t;
}

/// Phase two with its completion timed and counted in the probe (the response is then handed to the
/// connection). A plain function, not a lambda in the co_await: see docs/ARCHITECTURE.md about GCC 12.
net::response_task timed(net::response_task inner, broker_probe* probe, std::size_t api,
                         std::chrono::steady_clock::time_point started) {
  auto msg = co_await std::move(inner);
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - started).count();
  probe->request_done(api, static_cast<std::uint64_t>(ns));
  co_return msg;
}

}  // namespace

net::response_task close_connection() {
  net::outbound_message m;
  m.close_after = true;
  co_return m;
}

const std::array<api_entry, 128>& api_table() {
  static const auto table = build_table();
  return table;
}

bool dispatcher::is_produce(const net::inbound_frame& frame) {
  return frame.data.size() >= 2 && load_be<std::int16_t>(frame.data.data()) == static_cast<std::int16_t>(api_key::produce);
}

net::awaitable<net::response_task> dispatcher::dispatch(const net::connection_info& conn, net::inbound_frame frame) {
  const auto started = std::chrono::steady_clock::now();
  auto decoded = protocol::decode_request_header(frame.data);
  if (!decoded) {
    spdlog::warn("closing connection {} from {}: unreadable request header ({})", conn.id, conn.remote,
                 decoded.error().message());
    co_return close_connection();
  }
  const auto& hdr = decoded->header;
  auto key = static_cast<std::size_t>(hdr.api);
  const api_entry* entry = key < api_table().size() ? &api_table()[key] : nullptr;
  if (!entry || !entry->implemented()) {
    spdlog::warn("closing connection {} from {} (client '{}'): API key {} is not supported", conn.id, conn.remote,
                 hdr.client_id.value_or(""), static_cast<int>(hdr.api));
    co_return close_connection();
  }
  bool version_ok = hdr.api_version >= entry->min_version && hdr.api_version <= entry->max_version;
  if (!version_ok && hdr.api != api_key::api_versions) {
    spdlog::warn("closing connection {} from {} (client '{}'): {} version {} is not supported (supported {}-{})",
                 conn.id, conn.remote, hdr.client_id.value_or(""), protocol::find_api(static_cast<std::int16_t>(hdr.api))->name, hdr.api_version,
                 entry->min_version, entry->max_version);
    co_return close_connection();
  }
  auto body = decoded->body;
  auto header = decoded->header;
  request_context ctx{_core, conn, std::move(header), header.api_version, std::move(frame), body};
  ctx.version = ctx.header.api_version;
  auto phase_two = co_await entry->fn(ctx);
  co_return timed(std::move(phase_two), &_core.probe, key, started);
}

void dispatcher::on_refused_frame(const net::connection_info& conn, std::int64_t claimed_size) {
  spdlog::warn("closing connection {} from {}: request size {} is outside [8, {}] (socket.request.max.bytes)",
               conn.id, conn.remote, claimed_size, _core.config.socket_request_max_bytes);
}

net::outbound_message to_outbound(protocol::response_buffer&& buf) {
  net::outbound_message m;
  auto chunks = std::move(buf).take_chunks();
  m.chunks.reserve(chunks.size());
  for (auto& c : chunks) {
    if (auto* b = std::get_if<sd::bytes>(&c)) {
      m.chunks.emplace_back(std::move(*b));
    } else {
      auto& s = std::get<protocol::file_slice>(c);
      m.chunks.emplace_back(net::file_slice{s.fd, s.pos, s.len, std::move(s.keepalive)});
    }
  }
  return m;
}

void log_undecodable(const request_context& ctx, std::error_code ec) {
  spdlog::warn("closing connection {} from {} (client '{}'): {} v{} request body does not decode: {}", ctx.conn.id,
               ctx.conn.remote, ctx.header.client_id.value_or(""),
               protocol::find_api(static_cast<std::int16_t>(ctx.header.api))->name, ctx.version, ec.message());
}

net::response_task ready(std::optional<net::outbound_message> msg) { co_return msg; }

}  // namespace sd::broker
