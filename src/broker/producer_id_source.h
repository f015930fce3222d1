#pragma once
// producer_id_source: hands out producer ids that are unique across restarts. Ids come in blocks; the end
// of each block is persisted (broker metadata) before any id from it is handed out, so a crash can only skip
// ids, never repeat one. Thread-safe.

#include <cstdint>
#include <mutex>

#include "base/result.h"
#include "broker/topic_table.h"

namespace sd::broker {

class producer_id_source {
 public:
  static constexpr std::int64_t block_size = 1000;

  explicit producer_id_source(topic_table& topics) : _topics(topics) {}

  result<std::int64_t> next() {
    std::lock_guard lk(_mu);
    if (_next >= _end) {
      auto first = _topics.allocate_producer_id_block(block_size);
      if (!first) return first.error();
      _next = *first;
      _end = *first + block_size;
    }
    return _next++;
  }

 private:
  topic_table& _topics;
  std::mutex _mu;
  std::int64_t _next = 0;
  std::int64_t _end = 0;  // _next == _end: the current block is used up
};

}  // namespace sd::broker
