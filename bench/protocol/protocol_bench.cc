// Codec micro-benchmarks: Produce request decode (the broker's hot path), Fetch response encode with file
// slices, and RecordBatch build/read per codec.

#include <benchmark/benchmark.h>

#include "protocol/generated/all_messages.h"
#include "protocol/header.h"
#include "protocol/record_batch.h"

namespace {

using namespace sd::protocol;

sd::bytes make_batch(sd::batch::compression codec, int records, std::size_t value_size) {
  std::vector<record> recs(static_cast<std::size_t>(records));
  for (int i = 0; i < records; ++i) {
    recs[i].key = sd::bytes{static_cast<std::uint8_t>(i)};
    recs[i].value = sd::bytes(value_size, static_cast<std::uint8_t>('a' + i % 26));
    recs[i].timestamp = 1700000000000 + i;
  }
  batch_options o;
  o.codec = codec;
  return build_batch(recs, o).value();
}

void BM_decode_produce_request(benchmark::State& state) {
  const int partitions = static_cast<int>(state.range(0));
  sd::bytes batch = make_batch(sd::batch::compression::none, 100, 100);
  produce_request req;
  req.acks = -1;
  req.timeout_ms = 30000;
  auto& t = req.topic_data.emplace_back();
  t.name = "bench-topic";
  for (int p = 0; p < partitions; ++p) {
    auto& pd = t.partition_data.emplace_back();
    pd.index = p;
    pd.records.data = sd::mutable_byte_span(batch);
  }
  sd::bytes frame = encode_request(request_header{{}, 0, 1, "bench"}, 7, req).flatten().value();
  for (auto _ : state) {
    auto d = decode_request_header(sd::byte_span(frame).subspan(4));
    produce_request out;
    auto st = decode_body(d->body, d->header.api_version, out);
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(out.topic_data.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * frame.size()));
}
BENCHMARK(BM_decode_produce_request)->Arg(1)->Arg(16);

void BM_encode_fetch_response_slices(benchmark::State& state) {
  const int partitions = static_cast<int>(state.range(0));
  for (auto _ : state) {
    fetch_response resp;
    auto& t = resp.responses.emplace_back();
    t.topic = "bench-topic";
    for (int p = 0; p < partitions; ++p) {
      auto& pd = t.partitions.emplace_back();
      pd.partition_index = p;
      pd.high_watermark = 1000;
      pd.last_stable_offset = 1000;
      pd.records.chunks.push_back(file_slice{3, 4096u * static_cast<unsigned>(p), 1u << 20, nullptr});
    }
    auto buf = encode_response(1, 11, resp);
    benchmark::DoNotOptimize(buf.size());
  }
}
BENCHMARK(BM_encode_fetch_response_slices)->Arg(1)->Arg(16);

void BM_build_batch(benchmark::State& state) {
  const auto codec = static_cast<sd::batch::compression>(state.range(0));
  std::vector<record> recs(100);
  for (int i = 0; i < 100; ++i) recs[i].value = sd::bytes(100, static_cast<std::uint8_t>('a' + i % 26));
  batch_options o;
  o.codec = codec;
  for (auto _ : state) {
    auto b = build_batch(recs, o);
    benchmark::DoNotOptimize(b);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * 100 * 100));
}
BENCHMARK(BM_build_batch)->DenseRange(0, 4);

void BM_read_batch(benchmark::State& state) {
  sd::bytes b = make_batch(static_cast<sd::batch::compression>(state.range(0)), 100, 100);
  for (auto _ : state) {
    auto d = read_batch(b);
    benchmark::DoNotOptimize(d);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * 100 * 100));
}
BENCHMARK(BM_read_batch)->DenseRange(0, 4);

}  // namespace

BENCHMARK_MAIN();
