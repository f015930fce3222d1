#include "txn/metadata_codec.h"

#include "base/byte_reader.h"
#include "txn/errc.h"

namespace sd::txn {
namespace {

constexpr std::int16_t value_version = 0;

void put_str(sd::bytes& out, std::string_view s) {
  append_be<std::int32_t>(out, static_cast<std::int32_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}
std::string get_str(byte_reader& r) {
  auto n = r.read_i32();
  if (n < 0 || static_cast<std::size_t>(n) > r.remaining()) {
    r.fail();
    return {};
  }
  return std::string(r.read_string_view(static_cast<std::size_t>(n)));
}
/// A count that must fit in what is left (each element takes at least `min_size` bytes).
std::int32_t get_count(byte_reader& r, std::size_t min_size) {
  auto n = r.read_i32();
  if (n < 0 || static_cast<std::size_t>(n) * min_size > r.remaining()) {
    r.fail();
    return 0;
  }
  return n;
}

}  // namespace

std::string_view state_name(txn_state s) {
  switch (s) {
    case txn_state::empty: return "Empty";
    case txn_state::ongoing: return "Ongoing";
    case txn_state::prepare_commit: return "PrepareCommit";
    case txn_state::prepare_abort: return "PrepareAbort";
    case txn_state::complete_commit: return "CompleteCommit";
    case txn_state::complete_abort: return "CompleteAbort";
  }
  return "Unknown";
}

std::optional<txn_state> parse_state_name(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(txn_state::complete_abort); ++i)
    if (state_name(static_cast<txn_state>(i)) == name) return static_cast<txn_state>(i);
  return std::nullopt;
}

sd::bytes encode_metadata(const txn_metadata& m) {
  sd::bytes v;
  append_be<std::int16_t>(v, value_version);
  append_be<std::int64_t>(v, m.producer_id);
  append_be<std::int16_t>(v, m.producer_epoch);
  append_be<std::int32_t>(v, m.timeout_ms);
  v.push_back(static_cast<std::uint8_t>(m.state));
  append_be<std::int64_t>(v, m.start_ms);
  append_be<std::int64_t>(v, m.last_update_ms);
  append_be<std::int32_t>(v, static_cast<std::int32_t>(m.partitions.size()));
  for (const auto& tp : m.partitions) {
    put_str(v, tp.topic);
    append_be<std::int32_t>(v, tp.partition);
  }
  append_be<std::int32_t>(v, static_cast<std::int32_t>(m.groups.size()));
  for (const auto& g : m.groups) put_str(v, g);
  append_be<std::int32_t>(v, static_cast<std::int32_t>(m.offsets.size()));
  for (const auto& [group, offsets] : m.offsets) {
    put_str(v, group);
    append_be<std::int32_t>(v, static_cast<std::int32_t>(offsets.size()));
    for (const auto& [tp, c] : offsets) {
      put_str(v, tp.topic);
      append_be<std::int32_t>(v, tp.partition);
      append_be<std::int64_t>(v, c.offset);
      append_be<std::int32_t>(v, c.leader_epoch);
      if (c.metadata) {
        put_str(v, *c.metadata);
      } else {
        append_be<std::int32_t>(v, -1);
      }
    }
  }
  return v;
}

result<txn_metadata> decode_metadata(const std::string& id, byte_span value) {
  byte_reader r(value);
  if (r.read_i16() != value_version) return make_error_code(errc::storage_error);
  txn_metadata m;
  m.id = id;
  m.producer_id = r.read_i64();
  m.producer_epoch = r.read_i16();
  m.timeout_ms = r.read_i32();
  const auto state = static_cast<std::uint8_t>(r.read_i8());
  if (state > static_cast<std::uint8_t>(txn_state::complete_abort)) return make_error_code(errc::storage_error);
  m.state = static_cast<txn_state>(state);
  m.start_ms = r.read_i64();
  m.last_update_ms = r.read_i64();
  for (std::int32_t i = 0, n = get_count(r, 8); i < n && r.ok(); ++i) {
    topic_partition tp;
    tp.topic = get_str(r);
    tp.partition = r.read_i32();
    m.partitions.insert(std::move(tp));
  }
  for (std::int32_t i = 0, n = get_count(r, 4); i < n && r.ok(); ++i) m.groups.insert(get_str(r));
  for (std::int32_t i = 0, n = get_count(r, 8); i < n && r.ok(); ++i) {
    auto group = get_str(r);
    auto& offsets = m.offsets[group];
    for (std::int32_t j = 0, k = get_count(r, 24); j < k && r.ok(); ++j) {
      topic_partition tp;
      tp.topic = get_str(r);
      tp.partition = r.read_i32();
      group::committed_offset c;
      c.offset = r.read_i64();
      c.leader_epoch = r.read_i32();
      auto len = r.read_i32();
      if (len >= 0) {
        if (static_cast<std::size_t>(len) > r.remaining()) return make_error_code(errc::storage_error);
        c.metadata = std::string(r.read_string_view(static_cast<std::size_t>(len)));
      }
      offsets[std::move(tp)] = std::move(c);
    }
  }
  if (!r.ok() || !r.at_end()) return make_error_code(errc::storage_error);
  return m;
}

}  // namespace sd::txn
