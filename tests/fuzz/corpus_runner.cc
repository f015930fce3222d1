// Runs the fuzz target's body without libFuzzer (normal gcc builds, ctest label unit):
//   protocol_fuzz_corpus [DIR...]           every file in each DIR, plus generated seeds and mutations
//   protocol_fuzz_corpus --write-seeds DIR  writes the generated seeds as files (a starting corpus)
// Generated seeds: every generated request at every version (populated by the round-trip test helper)
// framed with its header, and record batches for every codec. Mutations: every truncation of each seed
// and deterministic byte flips.

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "protocol/generated/all_messages.h"
#include "protocol/header.h"
#include "protocol/record_batch.h"
#include "unit/protocol/generated/fill.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

using namespace sd::protocol;

std::vector<std::pair<std::string, sd::bytes>> generated_seeds() {
  std::vector<std::pair<std::string, sd::bytes>> out;
  auto add_request = [&](const auto& msg, const char* name, std::int16_t v, int seed) {
    auto frame = encode_request(request_header{{}, 0, 1, "fuzz"}, v, msg).flatten();
    if (!frame) return;
    out.emplace_back(std::string(name) + "_v" + std::to_string(v) + "_s" + std::to_string(seed),
                     sd::bytes(frame->begin() + 4, frame->end()));
  };
#define SD_SEED(key, req, resp)                                 \
  for (std::int16_t v = req::min_version; v <= req::max_version; ++v) { \
    for (int seed = 0; seed < 2; ++seed) {                      \
      req m;                                                    \
      testing::fill(m, v, seed);                                \
      add_request(m, #req, v, seed);                            \
    }                                                           \
  }
  SD_PROTOCOL_FOR_EACH_API(SD_SEED)
#undef SD_SEED
  // A produce request carrying real batches, for every codec.
  for (int c = 0; c <= 4; ++c) {
    std::vector<record> recs(3);
    for (int i = 0; i < 3; ++i) {
      recs[i].key = sd::bytes{static_cast<std::uint8_t>(i)};
      recs[i].value = sd::bytes(20, static_cast<std::uint8_t>('a' + i));
      recs[i].headers.push_back({"h", sd::bytes{1}});
    }
    batch_options o;
    o.codec = static_cast<sd::batch::compression>(c);
    auto b = build_batch(recs, o);
    if (!b) continue;
    out.emplace_back("batch_codec" + std::to_string(c), *b);
    produce_request p;
    p.acks = -1;
    auto& t = p.topic_data.emplace_back();
    t.name = "t";
    t.partition_data.emplace_back().records.data = sd::mutable_byte_span(*b);
    for (std::int16_t v : {3, 7, 9}) add_request(p, "produce_batch", v, c);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  auto seeds = generated_seeds();
  if (argc == 3 && std::string(argv[1]) == "--write-seeds") {
    std::filesystem::create_directories(argv[2]);
    for (const auto& [name, bytes] : seeds) {
      std::ofstream f(std::filesystem::path(argv[2]) / name, std::ios::binary);
      f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }
    std::printf("wrote %zu seeds to %s\n", seeds.size(), argv[2]);
    return 0;
  }
  std::size_t runs = 0;
  for (int i = 1; i < argc; ++i) {
    if (!std::filesystem::is_directory(argv[i])) continue;
    for (const auto& e : std::filesystem::directory_iterator(argv[i])) {
      if (!e.is_regular_file()) continue;
      std::ifstream f(e.path(), std::ios::binary);
      sd::bytes b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      LLVMFuzzerTestOneInput(b.data(), b.size());
      ++runs;
    }
  }
  std::mt19937 rng(1234);
  for (const auto& [name, bytes] : seeds) {
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
    ++runs;
    // Truncations (a stride keeps large seeds cheap) and byte flips.
    const std::size_t stride = bytes.size() > 512 ? bytes.size() / 256 : 1;
    for (std::size_t cut = 0; cut < bytes.size(); cut += stride) {
      LLVMFuzzerTestOneInput(bytes.data(), cut);
      ++runs;
    }
    for (int k = 0; k < 32 && !bytes.empty(); ++k) {
      sd::bytes m = bytes;
      m[rng() % m.size()] = static_cast<std::uint8_t>(rng());
      LLVMFuzzerTestOneInput(m.data(), m.size());
      ++runs;
    }
  }
  std::printf("ran %zu inputs (%zu generated seeds)\n", runs, seeds.size());
  return seeds.size() > 100 ? 0 : 1;
}
