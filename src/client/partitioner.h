#pragma once
// Installs murmur2.h's partitioner into a librdkafka producer configuration (the default topic config's
// partitioner), so keyed records land where the Java client and kafkajs put them. Null keys go to a random
// available partition (librdkafka's murmur2_random does the same).

#include <librdkafka/rdkafkacpp.h>

namespace sd::client {

/// Call after every other setting is applied (a later `partitioner` setting would replace it).
void install_murmur2_partitioner(RdKafka::Conf& conf);

}  // namespace sd::client
