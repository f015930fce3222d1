#include "broker/dispatcher.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "broker/handlers/handlers.h"
#include "broker/session.h"
#include "protocol/generated/api_versions.h"

namespace sd::broker {
namespace {

using protocol::api_key;

constexpr std::size_t idx(api_key k) { return static_cast<std::size_t>(k); }

std::array<api_entry, 128> build_table() {
  std::array<api_entry, 128> t{};
  // Version ranges: see ../shared notes; advertise only what is decoded, encoded and tested.
  t[idx(api_key::produce)] = {handlers::produce, 3, 11};
  t[idx(api_key::fetch)] = {handlers::fetch, 4, 16};
  t[idx(api_key::list_offsets)] = {handlers::list_offsets, 0, 8};
  t[idx(api_key::metadata)] = {handlers::metadata, 0, 12};
  t[idx(api_key::api_versions)] = {handlers::api_versions, 0, 3};
  t[idx(api_key::create_topics)] = {handlers::create_topics, 0, 7};
  t[idx(api_key::delete_topics)] = {handlers::delete_topics, 0, 6};
  t[idx(api_key::delete_records)] = {handlers::delete_records, 0, 2};
  t[idx(api_key::init_producer_id)] = {handlers::init_producer_id, 0, 4};
  t[idx(api_key::describe_producers)] = {handlers::describe_producers, 0, 0};
  t[idx(api_key::describe_cluster)] = {handlers::describe_cluster, 0, 1};
  t[idx(api_key::describe_log_dirs)] = {handlers::describe_log_dirs, 0, 4};
  t[idx(api_key::describe_configs)] = {handlers::describe_configs, 0, 4};
  t[idx(api_key::alter_configs)] = {handlers::alter_configs, 0, 1};
  t[idx(api_key::create_partitions)] = {handlers::create_partitions, 0, 3};
  t[idx(api_key::incremental_alter_configs)] = {handlers::incremental_alter_configs, 0, 1};
  // Consumer groups (group/): non-flexible versions only.
  t[idx(api_key::find_coordinator)] = {handlers::find_coordinator, 0, 4};
  t[idx(api_key::join_group)] = {handlers::join_group, 0, 9};
  t[idx(api_key::heartbeat)] = {handlers::heartbeat, 0, 4};
  t[idx(api_key::leave_group)] = {handlers::leave_group, 0, 5};
  t[idx(api_key::sync_group)] = {handlers::sync_group, 0, 5};
  t[idx(api_key::offset_commit)] = {handlers::offset_commit, 0, 9};
  t[idx(api_key::offset_fetch)] = {handlers::offset_fetch, 1, 9};
  t[idx(api_key::describe_groups)] = {handlers::describe_groups, 0, 5};
  t[idx(api_key::list_groups)] = {handlers::list_groups, 0, 5};
  t[idx(api_key::delete_groups)] = {handlers::delete_groups, 0, 2};
  t[idx(api_key::offset_delete)] = {handlers::offset_delete, 0, 0};
  // Transactions (txn/; InitProducerId above serves transactional ids too).
  t[idx(api_key::add_partitions_to_txn)] = {handlers::add_partitions_to_txn, 0, 3};
  t[idx(api_key::add_offsets_to_txn)] = {handlers::add_offsets_to_txn, 0, 3};
  t[idx(api_key::end_txn)] = {handlers::end_txn, 0, 3};
  t[idx(api_key::txn_offset_commit)] = {handlers::txn_offset_commit, 0, 3};
  t[idx(api_key::describe_transactions)] = {handlers::describe_transactions, 0, 0};
  t[idx(api_key::list_transactions)] = {handlers::list_transactions, 0, 1};
  // Security (broker/session.h, authorize.h).
  t[idx(api_key::sasl_handshake)] = {handlers::sasl_handshake, 0, 1};
  t[idx(api_key::sasl_authenticate)] = {handlers::sasl_authenticate, 0, 2};
  t[idx(api_key::describe_acls)] = {handlers::describe_acls, 0, 3};
  t[idx(api_key::create_acls)] = {handlers::create_acls, 0, 3};
  t[idx(api_key::delete_acls)] = {handlers::delete_acls, 0, 3};
  t[idx(api_key::describe_user_scram_credentials)] = {handlers::describe_user_scram_credentials, 0, 0};
  t[idx(api_key::alter_user_scram_credentials)] = {handlers::alter_user_scram_credentials, 0, 0};
  return t;
}

/// Phase two with its completion timed and counted in the probe (the response is then handed to the
/// connection). A plain function, not a lambda in the co_await: see docs/ARCHITECTURE.md about GCC 12.
net::response_task timed(net::response_task inner, broker_probe* probe, std::size_t api,
                         std::chrono::steady_clock::time_point started) {
  auto msg = co_await std::move(inner);
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - started)
                .count();
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
    spdlog::warn(
        "closing connection {} from {} (client '{}'): {} version {} is not supported (supported {}-{})",
        conn.id, conn.remote, hdr.client_id.value_or(""),
        protocol::find_api(static_cast<std::int16_t>(hdr.api))->name, hdr.api_version, entry->min_version,
        entry->max_version);
    co_return close_connection();
  }
  if (auto* s = conn.session.get()) {
    // SASL listeners: nothing but ApiVersions and the SASL exchange before authentication, and after the
    // session expired (connections.max.reauth.ms) nothing but a re-authentication. Kafka closes too.
    const bool sasl_api = hdr.api == api_key::api_versions || hdr.api == api_key::sasl_handshake ||
                          hdr.api == api_key::sasl_authenticate;
    if (!sasl_api && s->st != net::handler_session::state::authenticated) {
      spdlog::warn("closing connection {} from {} on {} (client '{}'): {} request before SASL authentication",
                   conn.id, conn.remote, conn.listener, hdr.client_id.value_or(""),
                   protocol::find_api(static_cast<std::int16_t>(hdr.api))->name);
      if (_core.security) _core.security->probe.authentication_failed(conn.listener, "other");
      co_return close_connection();
    }
    if (!sasl_api && s->session_expiry && std::chrono::steady_clock::now() > *s->session_expiry) {
      spdlog::info("closing connection {} from {} on {}: SASL session expired (connections.max.reauth.ms)",
                   conn.id, conn.remote, conn.listener);
      co_return close_connection();
    }
  }
  auto body = decoded->body;
  auto header = decoded->header;
  request_context ctx{_core, conn, std::move(header), header.api_version, std::move(frame), body};
  ctx.version = ctx.header.api_version;
  auto phase_two = co_await entry->fn(ctx);
  co_return timed(std::move(phase_two), &_core.probe, key, started);
}

void dispatcher::on_open(net::connection_info& conn) {
  auto s = std::make_shared<net::handler_session>();
  if (net::uses_sasl(conn.protocol)) {
    s->st = net::handler_session::state::awaiting_handshake;
  } else if (!conn.tls_peer_subject.empty()) {
    // SSL with a verified client certificate: User:<subject mapped by ssl.principal.mapping.rules>.
    const auto* sec = _core.security;
    s->principal = "User:" + (sec && sec->ssl_principal_mapping ? sec->ssl_principal_mapping->map(conn.tls_peer_subject)
                                                                : conn.tls_peer_subject);
  }
  conn.session = std::move(s);
}

void dispatcher::on_tls_failure(const net::connection_info& conn) {
  if (_core.security) _core.security->probe.authentication_failed(conn.listener, "SSL");
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
