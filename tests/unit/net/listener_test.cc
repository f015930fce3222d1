#include "net/listener.h"

#include <gtest/gtest.h>

namespace sd::net {
namespace {

TEST(Listener, ParsesKafkaListenerLists) {
  std::string err;
  auto l = parse_listener_list("PLAINTEXT://127.0.0.1:9092, sasl_ssl://:9093,SSL://[::1]:0", &err);
  ASSERT_TRUE(l) << err;
  ASSERT_EQ(l->size(), 3u);
  EXPECT_EQ((*l)[0].name, "PLAINTEXT");
  EXPECT_EQ((*l)[0].host, "127.0.0.1");
  EXPECT_EQ((*l)[0].port, 9092);
  EXPECT_EQ((*l)[1].name, "SASL_SSL");  // names are upper-cased
  EXPECT_EQ((*l)[1].host, "");
  EXPECT_EQ((*l)[1].port, 9093);
  EXPECT_EQ((*l)[2].host, "::1");
  EXPECT_EQ((*l)[2].port, 0);
}

TEST(Listener, RefusesMalformedLists) {
  for (const char* bad : {"", "PLAINTEXT://127.0.0.1", "PLAINTEXT:127.0.0.1:1", "FOO://h:1", "PLAINTEXT://h:70000",
                          "PLAINTEXT://h:1,PLAINTEXT://h:2", "PLAINTEXT://h:1,", "PLAINTEXT://h:x"}) {
    std::string err;
    EXPECT_FALSE(parse_listener_list(bad, &err)) << bad;
    EXPECT_FALSE(err.empty()) << bad;
  }
}

TEST(Listener, SecurityProtocols) {
  EXPECT_EQ(parse_security_protocol("sasl_plaintext"), security_protocol::sasl_plaintext);
  EXPECT_FALSE(parse_security_protocol("TLS"));
  EXPECT_TRUE(uses_tls(security_protocol::sasl_ssl));
  EXPECT_FALSE(uses_tls(security_protocol::sasl_plaintext));
  EXPECT_TRUE(uses_sasl(security_protocol::sasl_plaintext));
  EXPECT_FALSE(uses_sasl(security_protocol::ssl));
  for (auto p : {security_protocol::plaintext, security_protocol::ssl, security_protocol::sasl_plaintext,
                 security_protocol::sasl_ssl})
    EXPECT_EQ(parse_security_protocol(to_string(p)), p);
}

}  // namespace
}  // namespace sd::net
