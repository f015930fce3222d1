// libFuzzer target for the protocol decoders. Input: one request frame without its 4-byte size prefix.
// Decodes the request header, then the body for that API key/version (also as the response type, as a
// client would), re-encodes whatever decoded and checks that it decodes to the same value, and runs the
// RecordBatch reader over the body and over every records field found. Must never crash, over-read
// (ASan) or allocate without bound.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "protocol/generated/all_messages.h"
#include "protocol/group_protocol.h"
#include "protocol/header.h"
#include "protocol/record_batch.h"

namespace {

using namespace sd::protocol;

[[noreturn]] void fuzz_fail(const char* what) {
  std::fprintf(stderr, "protocol fuzz invariant broken: %s\n", what);
  std::abort();
}

template <class Msg>
bool decode_check(sd::byte_span body, std::int16_t version, Msg& out) {
  if (decode_body(body, version, out).has_value() == false) return false;
  writer w;
  out.encode(w, version);
  auto flat = std::move(w).finish().flatten();
  if (!flat) fuzz_fail("flatten");
  Msg again;
  if (!decode_body(*flat, version, again).has_value()) fuzz_fail("re-encoded message does not decode");
  if (!(again == out)) fuzz_fail("re-encoded message decodes to a different value");
  return true;
}

void read_records(const records& r) {
  if (!r.is_null) (void)read_batches(r.data, 1u << 20);
}

template <class Msg>
void extra(const Msg&) {}

void extra(const produce_request& m) {
  for (const auto& t : m.topic_data) {
    for (const auto& p : t.partition_data) read_records(p.records);
  }
}

void extra(const fetch_response& m) {
  for (const auto& t : m.responses) {
    for (const auto& p : t.partitions) read_records(p.records);
  }
}

// Embedded group-protocol data: int16 version + struct. Re-encoding at the version used must round-trip.
template <class Msg>
void versioned_check(sd::byte_span data) {
  Msg m;
  auto v = decode_versioned(data, m);
  if (!v) return;
  const std::int16_t used = std::min<std::int16_t>(*v, Msg::max_version);
  Msg again;
  if (!decode_versioned(encode_versioned(m, used), again).has_value() || !(again == m)) {
    fuzz_fail("group protocol payload does not round-trip");
  }
}

void extra(const join_group_request& m) {
  for (const auto& p : m.protocols) versioned_check<consumer_protocol_subscription>(p.metadata);
}

void extra(const sync_group_request& m) {
  for (const auto& a : m.assignments) versioned_check<consumer_protocol_assignment>(a.assignment);
}

template <class Req, class Resp>
void decode_api(sd::byte_span body, std::int16_t version) {
  Req req;
  if (decode_check(body, version, req)) extra(req);
  Resp resp;
  if (decode_check(body, version, resp)) extra(resp);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A private, writable copy: records views are mutable spans into the frame.
  sd::bytes frame(data, data + size);
  (void)read_batches(frame, 1u << 20);
  auto d = decode_request_header(frame);
  if (!d) return 0;
  const auto version = d->header.api_version;
  switch (d->header.api) {
#define SD_FUZZ_CASE(key, req, resp) \
  case api_key::key:                 \
    decode_api<req, resp>(d->body, version); \
    break;
    SD_PROTOCOL_FOR_EACH_API(SD_FUZZ_CASE)
#undef SD_FUZZ_CASE
    default:
      break;
  }
  return 0;
}
