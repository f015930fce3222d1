#include "producer/control_batch.h"

#include "protocol/record_batch.h"

namespace sd::producer {
namespace {
constexpr std::int16_t control_key_version = 0;
}  // namespace

sd::bytes encode_marker(std::int64_t producer_id, std::int16_t producer_epoch, marker_kind kind,
                        std::int32_t coordinator_epoch, std::int64_t timestamp_ms) {
  protocol::batch_options o;
  o.producer_id = producer_id;
  o.producer_epoch = producer_epoch;
  o.base_sequence = -1;
  o.transactional = true;
  o.control = true;
  protocol::batch_builder builder(o);
  protocol::record r;
  r.key.emplace();
  append_be<std::int16_t>(*r.key, control_key_version);
  append_be<std::int16_t>(*r.key, static_cast<std::int16_t>(kind));
  r.value.emplace();
  append_be<std::int16_t>(*r.value, 0);
  append_be<std::int32_t>(*r.value, coordinator_epoch);
  r.timestamp = timestamp_ms;
  builder.add(r);
  // Uncompressed and a few bytes long: building cannot fail.
  return std::move(builder.build()).value();
}

std::optional<marker_kind> decode_marker(byte_span whole) {
  auto b = protocol::read_batch(whole);
  if (!b || !b->header.control() || b->records.empty()) return std::nullopt;
  const auto& key = b->records.front().key;
  if (!key || key->size() < 4 || load_be<std::int16_t>(key->data()) != control_key_version) return std::nullopt;
  const auto type = load_be<std::int16_t>(key->data() + 2);
  if (type != 0 && type != 1) return std::nullopt;
  return static_cast<marker_kind>(type);
}

}  // namespace sd::producer
