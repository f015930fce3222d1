// The dispatcher asks the connection for an immediate TCP acknowledgement of Produce frames only (their
// response may wait for an fsync; a Nagle-on producer would hold its next request until then).
#include <gtest/gtest.h>

#include "base/bytes.h"
#include "broker/dispatcher.h"

namespace sd::broker {
namespace {

net::inbound_frame frame_with_key(std::int16_t key) {
  bytes b;
  append_be<std::int16_t>(b, key);
  append_be<std::int16_t>(b, 9);   // api version
  append_be<std::int32_t>(b, 42);  // correlation id
  net::inbound_frame f;
  f.data.assign(b.begin(), b.end());
  return f;
}

TEST(Dispatcher, OnlyProduceFramesAreAcknowledgedAtOnce) {
  EXPECT_TRUE(dispatcher::is_produce(frame_with_key(0)));
  for (std::int16_t key : {1, 2, 3, 8, 18, 22})
    EXPECT_FALSE(dispatcher::is_produce(frame_with_key(key))) << "api key " << key;
  net::inbound_frame short_frame;
  short_frame.data = {0};  // too short to hold an API key
  EXPECT_FALSE(dispatcher::is_produce(short_frame));
  EXPECT_FALSE(dispatcher::is_produce(net::inbound_frame{}));
}

}  // namespace
}  // namespace sd::broker
