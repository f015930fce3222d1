#include "group/records.h"

#include "base/byte_reader.h"
#include "base/record_batch_header.h"
#include "base/varint.h"
#include "group/errc.h"

namespace sd::group {
namespace {

// Key layout: i16 record type, then the fields below. Value layout: i16 value version, then fields.
constexpr std::int16_t type_offset = 1;
constexpr std::int16_t type_group = 2;
constexpr std::int16_t type_opaque = 3;
constexpr std::int16_t value_version = 0;

void put_str(sd::bytes& out, std::string_view s) {
  append_be<std::int32_t>(out, static_cast<std::int32_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}
void put_opt_str(sd::bytes& out, const std::optional<std::string>& s) {
  if (!s) {
    append_be<std::int32_t>(out, -1);
  } else {
    put_str(out, *s);
  }
}
void put_bytes(sd::bytes& out, const sd::bytes& b) {
  append_be<std::int32_t>(out, static_cast<std::int32_t>(b.size()));
  out.insert(out.end(), b.begin(), b.end());
}
std::string get_str(byte_reader& r) {
  auto n = r.read_i32();
  if (n < 0) {
    r.fail();
    return {};
  }
  return std::string(r.read_string_view(static_cast<std::size_t>(n)));
}
std::optional<std::string> get_opt_str(byte_reader& r) {
  auto n = r.read_i32();
  if (n < 0) return std::nullopt;
  return std::string(r.read_string_view(static_cast<std::size_t>(n)));
}
sd::bytes get_bytes(byte_reader& r) {
  auto n = r.read_i32();
  if (n < 0) {
    r.fail();
    return {};
  }
  auto s = r.read_span(static_cast<std::size_t>(n));
  return sd::bytes(s.begin(), s.end());
}

}  // namespace

encoded_record encode_record(const store_record& rec) {
  encoded_record out;
  if (const auto* o = std::get_if<offset_record>(&rec)) {
    append_be<std::int16_t>(out.key, type_offset);
    put_str(out.key, o->group);
    put_str(out.key, o->tp.topic);
    append_be<std::int32_t>(out.key, o->tp.partition);
    if (o->value) {
      sd::bytes v;
      append_be<std::int16_t>(v, value_version);
      append_be<std::int64_t>(v, o->value->offset);
      append_be<std::int32_t>(v, o->value->leader_epoch);
      put_opt_str(v, o->value->metadata);
      append_be<std::int64_t>(v, o->value->commit_timestamp_ms);
      out.value = std::move(v);
    }
    return out;
  }
  if (const auto* o = std::get_if<opaque_record>(&rec)) {
    append_be<std::int16_t>(out.key, type_opaque);
    put_str(out.key, o->key);
    out.value = o->value;
    return out;
  }
  const auto& g = std::get<group_record>(rec);
  append_be<std::int16_t>(out.key, type_group);
  put_str(out.key, g.group);
  if (g.value) {
    const auto& m = *g.value;
    sd::bytes v;
    append_be<std::int16_t>(v, value_version);
    put_str(v, m.protocol_type);
    put_opt_str(v, m.protocol);
    append_be<std::int32_t>(v, m.generation);
    put_str(v, m.leader);
    append_be<std::int64_t>(v, m.state_timestamp_ms);
    append_be<std::int32_t>(v, static_cast<std::int32_t>(m.members.size()));
    for (const auto& mem : m.members) {
      put_str(v, mem.member_id);
      put_opt_str(v, mem.instance_id);
      put_str(v, mem.client_id);
      put_str(v, mem.client_host);
      append_be<std::int32_t>(v, mem.session_timeout_ms);
      append_be<std::int32_t>(v, mem.rebalance_timeout_ms);
      append_be<std::int32_t>(v, static_cast<std::int32_t>(mem.protocols.size()));
      for (const auto& p : mem.protocols) {
        put_str(v, p.name);
        put_bytes(v, p.metadata);
      }
      put_bytes(v, mem.assignment);
    }
    out.value = std::move(v);
  }
  return out;
}

result<store_record> decode_record(byte_span key, std::optional<byte_span> value) {
  byte_reader k(key);
  auto type = k.read_i16();
  if (type == type_offset) {
    offset_record o;
    o.group = get_str(k);
    o.tp.topic = get_str(k);
    o.tp.partition = k.read_i32();
    if (!k.ok() || !k.at_end()) return make_error_code(errc::storage_error);
    if (value) {
      byte_reader v(*value);
      if (v.read_i16() != value_version) return make_error_code(errc::storage_error);
      committed_offset c;
      c.offset = v.read_i64();
      c.leader_epoch = v.read_i32();
      c.metadata = get_opt_str(v);
      c.commit_timestamp_ms = v.read_i64();
      if (!v.ok() || !v.at_end()) return make_error_code(errc::storage_error);
      o.value = std::move(c);
    }
    return store_record(std::move(o));
  }
  if (type == type_opaque) {
    opaque_record o;
    o.key = get_str(k);
    if (!k.ok() || !k.at_end()) return make_error_code(errc::storage_error);
    if (value) o.value = sd::bytes(value->begin(), value->end());
    return store_record(std::move(o));
  }
  if (type == type_group) {
    group_record g;
    g.group = get_str(k);
    if (!k.ok() || !k.at_end()) return make_error_code(errc::storage_error);
    if (value) {
      byte_reader v(*value);
      if (v.read_i16() != value_version) return make_error_code(errc::storage_error);
      group_metadata m;
      m.protocol_type = get_str(v);
      m.protocol = get_opt_str(v);
      m.generation = v.read_i32();
      m.leader = get_str(v);
      m.state_timestamp_ms = v.read_i64();
      auto n = v.read_i32();
      if (n < 0 || static_cast<std::size_t>(n) > v.remaining()) return make_error_code(errc::storage_error);
      for (std::int32_t i = 0; i < n && v.ok(); ++i) {
        persisted_member mem;
        mem.member_id = get_str(v);
        mem.instance_id = get_opt_str(v);
        mem.client_id = get_str(v);
        mem.client_host = get_str(v);
        mem.session_timeout_ms = v.read_i32();
        mem.rebalance_timeout_ms = v.read_i32();
        auto np = v.read_i32();
        if (np < 0 || static_cast<std::size_t>(np) > v.remaining()) return make_error_code(errc::storage_error);
        for (std::int32_t j = 0; j < np && v.ok(); ++j) {
          protocol_entry p;
          p.name = get_str(v);
          p.metadata = get_bytes(v);
          mem.protocols.push_back(std::move(p));
        }
        mem.assignment = get_bytes(v);
        m.members.push_back(std::move(mem));
      }
      if (!v.ok() || !v.at_end()) return make_error_code(errc::storage_error);
      g.value = std::move(m);
    }
    return store_record(std::move(g));
  }
  return make_error_code(errc::storage_error);
}

sd::bytes encode_batch(const std::vector<encoded_record>& records, std::int64_t timestamp_ms) {
  sd::bytes out(batch::header_size, 0);
  std::int32_t delta = 0;
  for (const auto& r : records) {
    sd::bytes body;
    body.push_back(0);                 // attributes
    varint::put_s64(body, 0);          // timestamp delta
    varint::put_s32(body, delta++);    // offset delta
    varint::put_s32(body, static_cast<std::int32_t>(r.key.size()));
    body.insert(body.end(), r.key.begin(), r.key.end());
    if (r.value) {
      varint::put_s32(body, static_cast<std::int32_t>(r.value->size()));
      body.insert(body.end(), r.value->begin(), r.value->end());
    } else {
      varint::put_s32(body, -1);
    }
    varint::put_u32(body, 0);          // headers count (varint 0)
    varint::put_s32(out, static_cast<std::int32_t>(body.size()));
    out.insert(out.end(), body.begin(), body.end());
  }
  batch::header h;
  h.base_offset = 0;
  h.batch_length = static_cast<std::int32_t>(out.size() - batch::length_field_end);
  h.leader_epoch = 0;
  h.magic = batch::magic_v2;
  h.attributes = 0;
  h.last_offset_delta = records.empty() ? 0 : static_cast<std::int32_t>(records.size() - 1);
  h.base_timestamp = timestamp_ms;
  h.max_timestamp = timestamp_ms;
  h.records_count = static_cast<std::int32_t>(records.size());
  batch::write_header(out.data(), h);
  batch::seal_crc(mutable_byte_span(out.data(), out.size()));
  return out;
}

bool for_each_record(byte_span whole_batch,
                     const std::function<bool(byte_span key, std::optional<byte_span> value, std::int64_t offset)>& fn) {
  if (whole_batch.size() < batch::header_size) return false;
  auto h = batch::parse_header(whole_batch.data());
  if (h.codec() != batch::compression::none) return false;
  byte_reader r(whole_batch.subspan(batch::header_size));
  for (std::int32_t i = 0; i < h.records_count; ++i) {
    auto len = r.read_varint();
    if (!r.ok() || len < 0) return false;
    byte_reader rec(r.read_span(static_cast<std::size_t>(len)));
    if (!r.ok()) return false;
    rec.read_i8();
    rec.read_varlong();
    const std::int32_t offset_delta = rec.read_varint();
    auto klen = rec.read_varint();
    if (klen < 0) return false;
    auto key = rec.read_span(static_cast<std::size_t>(klen));
    auto vlen = rec.read_varint();
    std::optional<byte_span> value;
    if (vlen >= 0) value = rec.read_span(static_cast<std::size_t>(vlen));
    if (!rec.ok()) return false;
    if (!fn(key, value, h.base_offset + offset_delta)) return false;
  }
  return r.ok();
}

}  // namespace sd::group
