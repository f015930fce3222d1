#pragma once
// Helpers for log compaction tests: keyed batches, a reference model of "latest value per key", reading a
// log back as records, and running the cleaner the way broker/log_cleaner.cc does (assess, clean, install,
// again while the map filled up).

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compaction/cleaner.h"
#include "protocol/record_batch.h"
#include "storage/partition_log.h"

namespace sd::compaction::test {

struct kv {
  std::string key;
  std::optional<std::string> value;  // nullopt: a tombstone
};

inline bytes keyed_batch(const std::vector<kv>& records, std::int64_t ts, batch::compression codec = batch::compression::none,
                         std::int64_t producer_id = -1, std::int32_t base_sequence = -1) {
  std::vector<protocol::record> rs;
  for (const auto& r : records) {
    protocol::record rec;
    rec.key = bytes(r.key.begin(), r.key.end());
    if (r.value) rec.value = bytes(r.value->begin(), r.value->end());
    rec.timestamp = ts;
    rs.push_back(std::move(rec));
  }
  protocol::batch_options o;
  o.codec = codec;
  o.producer_id = producer_id;
  o.producer_epoch = producer_id >= 0 ? 0 : -1;
  o.base_sequence = base_sequence;
  auto b = protocol::build_batch(rs, o);
  EXPECT_TRUE(b);
  return b ? std::move(*b) : bytes{};
}

inline result<storage::append_info> append_batch(storage::partition_log& log, bytes b, std::int64_t now_ms) {
  return log.append(b, now_ms);
}

struct stored {
  std::int64_t offset;
  std::optional<std::string> key;
  std::optional<std::string> value;
};

/// Every record of the log from its start, in offset order, and the batch headers.
inline std::vector<stored> read_all(storage::partition_log& log, std::vector<batch::header>* headers = nullptr) {
  std::vector<stored> out;
  auto r = log.read(log.start_offset(), std::size_t(1) << 30);
  EXPECT_TRUE(r) << (r ? "" : r.error().message());
  if (!r) return out;
  auto data = storage::copy_to_bytes(*r);
  EXPECT_TRUE(data);
  auto batches = protocol::read_batches(*data);
  EXPECT_TRUE(batches) << (batches ? "" : batches.error().message());
  if (!batches) return out;
  for (const auto& b : *batches) {
    if (headers) headers->push_back(b.header);
    for (const auto& rec : b.records) {
      stored s{rec.offset, std::nullopt, std::nullopt};
      if (rec.key) s.key.emplace(rec.key->begin(), rec.key->end());
      if (rec.value) s.value.emplace(rec.value->begin(), rec.value->end());
      out.push_back(std::move(s));
    }
  }
  return out;
}

/// Runs passes until none is due (clean_synchronously), expecting no error. Returns the passes installed.
inline int run_cleaner(storage::partition_log& log, io::filesystem& fs, offset_map& map, std::int64_t now_ms,
                       partition_facts facts = {}) {
  auto r = clean_synchronously(log, fs, map, now_ms, std::move(facts));
  EXPECT_TRUE(r) << (r ? "" : r.error().message());
  return r ? *r : 0;
}

/// The model's check on a log read back: offsets strictly increase; each key's LAST record is its latest
/// model value (a tombstone may be gone); no live key is missing; below `cleaned_below` every key is unique.
inline void expect_matches_model(const std::vector<stored>& recs,
                                 const std::map<std::string, std::optional<std::string>>& model,
                                 std::int64_t cleaned_below, const std::string& ignore_key = "") {
  std::map<std::string, std::optional<std::string>> last;
  std::map<std::string, int> below;
  for (std::size_t i = 0; i < recs.size(); ++i) {
    if (i > 0) {
      ASSERT_LT(recs[i - 1].offset, recs[i].offset);
    }
    ASSERT_TRUE(recs[i].key.has_value()) << "a record without a key at " << recs[i].offset;
    if (*recs[i].key == ignore_key) continue;
    last[*recs[i].key] = recs[i].value;
    if (recs[i].offset < cleaned_below) {
      ASSERT_EQ(++below[*recs[i].key], 1) << "key " << *recs[i].key << " twice below the checkpoint";
    }
  }
  for (const auto& [k, v] : model) {
    auto it = last.find(k);
    if (!v) {
      if (it != last.end()) {
        EXPECT_FALSE(it->second.has_value()) << "deleted key " << k << " has a value";
      }
      continue;
    }
    ASSERT_NE(it, last.end()) << "key " << k << " lost";
    EXPECT_EQ(it->second, v) << "key " << k;
  }
  for (const auto& [k, v] : last) EXPECT_TRUE(model.contains(k)) << "unknown key " << k;
}

}  // namespace sd::compaction::test
