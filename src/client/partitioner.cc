#include "client/partitioner.h"

#include <librdkafka/rdkafka.h>

#include <random>

#include "client/kafka_setup.h"
#include "client/murmur2.h"

namespace sd::client {

namespace {

std::int32_t murmur2_cb(const rd_kafka_topic_t* rkt, const void* key, std::size_t keylen, std::int32_t count,
                        void*, void*) {
  if (count <= 0) return RD_KAFKA_PARTITION_UA;
  if (key) return murmur2_partition({static_cast<const char*>(key), keylen}, count);
  thread_local std::minstd_rand rng{std::random_device{}()};
  const auto start = static_cast<std::int32_t>(rng() % static_cast<std::uint32_t>(count));
  for (std::int32_t i = 0; i < count; ++i) {
    const std::int32_t p = (start + i) % count;
    if (rd_kafka_topic_partition_available(rkt, p)) return p;
  }
  return start;
}

}  // namespace

void install_murmur2_partitioner(RdKafka::Conf& conf) {
  rd_kafka_conf_t* c = conf.c_ptr_global();
  if (!c) throw tool_error("cannot install the murmur2 partitioner: not a global configuration");
  rd_kafka_topic_conf_t* tc = rd_kafka_conf_get_default_topic_conf(c);
  if (!tc) {
    tc = rd_kafka_topic_conf_new();
    rd_kafka_conf_set_default_topic_conf(c, tc);  // takes ownership
    tc = rd_kafka_conf_get_default_topic_conf(c);
  }
  rd_kafka_topic_conf_set_partitioner_cb(tc, murmur2_cb);
}

}  // namespace sd::client
