#include "broker/broker_config.h"

#include <gtest/gtest.h>

namespace sd::broker {
namespace {

TEST(BrokerConfig, DefaultsMatchKafka) {
  std::string err;
  auto c = broker_config::from({}, err);
  ASSERT_TRUE(c) << err;
  EXPECT_EQ(c->message_max_bytes, 1048588);
  EXPECT_EQ(c->socket_request_max_bytes, 104857600);
  EXPECT_TRUE(c->auto_create_topics);
  EXPECT_EQ(c->num_partitions, 1);
  EXPECT_EQ(c->kafka_addr, "127.0.0.1:9092");
  EXPECT_EQ(c->http_addr, "127.0.0.1:9644");
  EXPECT_EQ(c->node_id, 0);
}

TEST(BrokerConfig, ParsesKnownKeys) {
  std::string err;
  auto c = broker_config::from({{"num.partitions", "6"}, {"auto.create.topics.enable", "false"},
                                {"log.retention.ms", "-1"}, {"streamdown.kafka.addr", "0.0.0.0:0"}},
                               err);
  ASSERT_TRUE(c) << err;
  EXPECT_EQ(c->num_partitions, 6);
  EXPECT_FALSE(c->auto_create_topics);
  EXPECT_EQ(c->log_retention_ms, -1);
  EXPECT_EQ(c->kafka_addr, "0.0.0.0:0");
  auto entries = c->entries();
  bool found = false;
  for (auto& e : entries)
    if (e.name == "num.partitions") {
      found = true;
      EXPECT_EQ(e.value, "6");
      EXPECT_FALSE(e.is_default);
    }
  EXPECT_TRUE(found);
}

TEST(BrokerConfig, UnknownKeyIsRefusedByName) {
  std::string err;
  EXPECT_FALSE(broker_config::from({{"num.partition", "3"}}, err));
  EXPECT_NE(err.find("num.partition"), std::string::npos);
}

TEST(BrokerConfig, BadValuesAreRefusedWithTheKeyName) {
  for (auto [k, v] : std::vector<std::pair<std::string, std::string>>{{"num.partitions", "zero"},
                                                                      {"num.partitions", "0"},
                                                                      {"auto.create.topics.enable", "yes"},
                                                                      {"streamdown.kafka.addr", "localhost"},
                                                                      {"streamdown.kafka.addr", "h:99999"},
                                                                      {"message.max.bytes", "12abc"},
                                                                      {"streamdown.log.level", "loud"}}) {
    std::string err;
    EXPECT_FALSE(broker_config::from({{k, v}}, err)) << k << "=" << v;
    EXPECT_NE(err.find(k), std::string::npos) << err;
  }
}

TEST(BrokerConfig, BudgetMustHoldTheLargestRequest) {
  std::string err;
  EXPECT_FALSE(broker_config::from({{"streamdown.memory.budget.bytes", "1048576"}}, err));
  EXPECT_NE(err.find("socket.request.max.bytes"), std::string::npos);
  EXPECT_TRUE(broker_config::from(
      {{"streamdown.memory.budget.bytes", "2097152"}, {"socket.request.max.bytes", "2097152"}}, err))
      << err;
}

}  // namespace
}  // namespace sd::broker

namespace sd::broker {
namespace {

TEST(BrokerConfigSecurity, ListenersReplaceKafkaAddrAndGivingBothIsAnError) {
  std::string err;
  auto ok = broker_config::from({{"listeners", "PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0"},
                                 {"advertised.listeners", "SASL_SSL://broker.example:9093"}},
                                err);
  ASSERT_TRUE(ok) << err;
  EXPECT_EQ(ok->listeners, "PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0");
  err.clear();
  EXPECT_FALSE(broker_config::from({{"listeners", "PLAINTEXT://127.0.0.1:0"}, {"streamdown.kafka.addr", "127.0.0.1:1"}},
                                   err));
  EXPECT_NE(err.find("listeners"), std::string::npos) << err;
  err.clear();
  EXPECT_FALSE(broker_config::from({{"listeners", "PLAINTEXT://127.0.0.1:0"}, {"advertised.listeners", "SSL://h:1"}},
                                   err));
  EXPECT_NE(err.find("advertised.listeners"), std::string::npos) << err;
  err.clear();
  EXPECT_FALSE(broker_config::from({{"listeners", "BOGUS://127.0.0.1:0"}}, err));
  err.clear();
  EXPECT_FALSE(broker_config::from({{"advertised.listeners", "PLAINTEXT://h:1"}}, err));  // needs listeners
}

TEST(BrokerConfigSecurity, ValuesAreChecked) {
  std::string err;
  EXPECT_FALSE(broker_config::from({{"ssl.client.auth", "sometimes"}}, err));
  EXPECT_FALSE(broker_config::from({{"sasl.enabled.mechanisms", "PLAIN,GSSAPI"}}, err));
  EXPECT_FALSE(broker_config::from({{"authorizer.enable", "yes"}}, err));
  auto c = broker_config::from({{"sasl.enabled.mechanisms", "SCRAM-SHA-512"}, {"ssl.key.password", "secret"}}, err);
  ASSERT_TRUE(c) << err;
  for (const auto& e : c->entries())
    if (e.name == "ssl.key.password") {
      EXPECT_TRUE(e.sensitive);
    }
}

}  // namespace
}  // namespace sd::broker
