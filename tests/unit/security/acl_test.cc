#include "security/acl.h"

#include <gtest/gtest.h>

#include <vector>

namespace sd::security {
namespace {

acl_binding topic_binding(std::string name, pattern_type p = pattern_type::literal,
                          std::string principal = "User:alice", acl_operation op = acl_operation::read,
                          acl_permission perm = acl_permission::allow, std::string host = "*") {
  acl_binding b;
  b.rtype = resource_type::topic;
  b.name = std::move(name);
  b.pattern = p;
  b.principal = std::move(principal);
  b.host = std::move(host);
  b.op = op;
  b.permission = perm;
  return b;
}

const std::vector<acl_operation> concrete_ops = {
    acl_operation::all,   acl_operation::read,     acl_operation::write,          acl_operation::create,
    acl_operation::remove, acl_operation::alter,   acl_operation::describe,       acl_operation::cluster_action,
    acl_operation::describe_configs, acl_operation::alter_configs, acl_operation::idempotent_write,
};

TEST(AclImplies, AllImpliesEveryOperation) {
  for (auto op : concrete_ops) EXPECT_TRUE(implies(acl_operation::all, op)) << to_string(op);
}

TEST(AclImplies, EveryOperationImpliesItself) {
  for (auto op : concrete_ops) EXPECT_TRUE(implies(op, op)) << to_string(op);
}

TEST(AclImplies, ReadWriteDeleteAlterImplyDescribe) {
  for (auto op : {acl_operation::read, acl_operation::write, acl_operation::remove, acl_operation::alter}) {
    EXPECT_TRUE(implies(op, acl_operation::describe)) << to_string(op);
  }
  for (auto op : {acl_operation::create, acl_operation::cluster_action, acl_operation::describe_configs,
                  acl_operation::alter_configs, acl_operation::idempotent_write}) {
    EXPECT_FALSE(implies(op, acl_operation::describe)) << to_string(op);
  }
}

TEST(AclImplies, AlterConfigsImpliesDescribeConfigsOnly) {
  EXPECT_TRUE(implies(acl_operation::alter_configs, acl_operation::describe_configs));
  for (auto op : concrete_ops) {
    if (op == acl_operation::all || op == acl_operation::alter_configs || op == acl_operation::describe_configs) {
      continue;
    }
    EXPECT_FALSE(implies(op, acl_operation::describe_configs)) << to_string(op);
  }
  EXPECT_FALSE(implies(acl_operation::alter_configs, acl_operation::describe));
  EXPECT_FALSE(implies(acl_operation::alter_configs, acl_operation::alter));
}

TEST(AclImplies, NothingElseIsImplied) {
  // Exhaustive: the full relation is exactly ALL->*, x->x, {READ,WRITE,DELETE,ALTER}->DESCRIBE,
  // ALTER_CONFIGS->DESCRIBE_CONFIGS.
  for (auto g : concrete_ops) {
    for (auto r : concrete_ops) {
      bool expected = g == acl_operation::all || g == r ||
                      (r == acl_operation::describe &&
                       (g == acl_operation::read || g == acl_operation::write || g == acl_operation::remove ||
                        g == acl_operation::alter)) ||
                      (r == acl_operation::describe_configs && g == acl_operation::alter_configs);
      EXPECT_EQ(implies(g, r), expected) << to_string(g) << " -> " << to_string(r);
    }
  }
  // WRITE does not imply IDEMPOTENT_WRITE, nor the reverse.
  EXPECT_FALSE(implies(acl_operation::write, acl_operation::idempotent_write));
  EXPECT_FALSE(implies(acl_operation::idempotent_write, acl_operation::write));
  EXPECT_FALSE(implies(acl_operation::any, acl_operation::read));
  EXPECT_FALSE(implies(acl_operation::unknown, acl_operation::unknown));
}

TEST(AclValidate, AcceptsValidBindings) {
  EXPECT_EQ(validate_binding(topic_binding("orders")), std::nullopt);
  EXPECT_EQ(validate_binding(topic_binding("ord", pattern_type::prefixed)), std::nullopt);
  EXPECT_EQ(validate_binding(topic_binding("*", pattern_type::literal, "User:*")), std::nullopt);
  auto deny = topic_binding("x", pattern_type::literal, "User:bob", acl_operation::all, acl_permission::deny);
  EXPECT_EQ(validate_binding(deny), std::nullopt);
  acl_binding cluster{resource_type::cluster, "kafka-cluster", pattern_type::literal, "User:ops", "*",
                      acl_operation::idempotent_write, acl_permission::allow};
  EXPECT_EQ(validate_binding(cluster), std::nullopt);
}

TEST(AclValidate, RejectsNonConcreteResourceType) {
  auto b = topic_binding("orders");
  b.rtype = resource_type::any;
  EXPECT_NE(validate_binding(b), std::nullopt);
  b.rtype = resource_type::unknown;
  EXPECT_NE(validate_binding(b), std::nullopt);
  b.rtype = static_cast<resource_type>(42);
  EXPECT_NE(validate_binding(b), std::nullopt);
}

TEST(AclValidate, RejectsMatchAnyAndUnknownPatterns) {
  for (auto p : {pattern_type::match, pattern_type::any, pattern_type::unknown}) {
    EXPECT_NE(validate_binding(topic_binding("orders", p)), std::nullopt) << to_string(p);
  }
}

TEST(AclValidate, RejectsBadPrincipals) {
  for (const char* p : {"alice", "", ":alice", "User:", "User"}) {
    EXPECT_NE(validate_binding(topic_binding("orders", pattern_type::literal, p)), std::nullopt) << p;
  }
  EXPECT_EQ(validate_binding(topic_binding("orders", pattern_type::literal, "Group:eng")), std::nullopt);
}

TEST(AclValidate, RejectsClusterNameOtherThanKafkaCluster) {
  acl_binding b{resource_type::cluster, "my-cluster", pattern_type::literal, "User:ops", "*",
                acl_operation::alter, acl_permission::allow};
  auto why = validate_binding(b);
  ASSERT_NE(why, std::nullopt);
  EXPECT_NE(why->find("kafka-cluster"), std::string::npos);
  b.name = "*";
  EXPECT_NE(validate_binding(b), std::nullopt);
}

TEST(AclValidate, RejectsUnknownAndAnyOperationAndPermission) {
  EXPECT_NE(validate_binding(topic_binding("o", pattern_type::literal, "User:a", acl_operation::unknown)),
            std::nullopt);
  EXPECT_NE(validate_binding(topic_binding("o", pattern_type::literal, "User:a", acl_operation::any)),
            std::nullopt);
  EXPECT_NE(validate_binding(topic_binding("o", pattern_type::literal, "User:a", acl_operation::read,
                                           acl_permission::any)),
            std::nullopt);
  EXPECT_NE(validate_binding(topic_binding("o", pattern_type::literal, "User:a", acl_operation::read,
                                           acl_permission::unknown)),
            std::nullopt);
}

TEST(AclValidate, RejectsEmptyNameAndHost) {
  EXPECT_NE(validate_binding(topic_binding("")), std::nullopt);
  EXPECT_NE(validate_binding(topic_binding("o", pattern_type::literal, "User:a", acl_operation::read,
                                           acl_permission::allow, "")),
            std::nullopt);
}

TEST(AclValidate, Filters) {
  EXPECT_EQ(validate_filter(acl_filter{}), std::nullopt);
  acl_filter match_without_name;
  match_without_name.pattern = pattern_type::match;
  EXPECT_EQ(validate_filter(match_without_name), std::nullopt);
  {
    acl_filter f;
    f.rtype = resource_type::unknown;
    EXPECT_NE(validate_filter(f), std::nullopt);
  }
  {
    acl_filter f;
    f.pattern = pattern_type::unknown;
    EXPECT_NE(validate_filter(f), std::nullopt);
  }
  {
    acl_filter f;
    f.op = acl_operation::unknown;
    EXPECT_NE(validate_filter(f), std::nullopt);
  }
  {
    acl_filter f;
    f.permission = acl_permission::unknown;
    EXPECT_NE(validate_filter(f), std::nullopt);
  }
}

TEST(AclFilter, DefaultFilterMatchesEverything) {
  acl_filter f;
  EXPECT_TRUE(matches(f, topic_binding("orders")));
  EXPECT_TRUE(matches(f, topic_binding("ord", pattern_type::prefixed, "User:bob", acl_operation::write,
                                       acl_permission::deny, "10.0.0.1")));
}

TEST(AclFilter, MatchPatternFindsBindingsThatApply) {
  acl_filter f;
  f.rtype = resource_type::topic;
  f.pattern = pattern_type::match;
  f.name = "orders-eu";
  EXPECT_TRUE(matches(f, topic_binding("orders-eu")));
  EXPECT_TRUE(matches(f, topic_binding("*")));
  EXPECT_TRUE(matches(f, topic_binding("orders", pattern_type::prefixed)));
  EXPECT_TRUE(matches(f, topic_binding("orders-eu", pattern_type::prefixed)));
  EXPECT_FALSE(matches(f, topic_binding("orders")));  // LITERAL "orders" is another topic
  EXPECT_FALSE(matches(f, topic_binding("orders-eu-2", pattern_type::prefixed)));
  EXPECT_FALSE(matches(f, topic_binding("*", pattern_type::prefixed)));  // PREFIXED "*" is a literal prefix
  auto group = topic_binding("orders-eu");
  group.rtype = resource_type::group;
  EXPECT_FALSE(matches(f, group));
}

TEST(AclFilter, MatchWithoutNameMatchesAllPatterns) {
  acl_filter f;
  f.pattern = pattern_type::match;
  EXPECT_TRUE(matches(f, topic_binding("a")));
  EXPECT_TRUE(matches(f, topic_binding("b", pattern_type::prefixed)));
}

TEST(AclFilter, LiteralAndPrefixedPatternsNeedExactPatternAndName) {
  acl_filter f;
  f.pattern = pattern_type::literal;
  f.name = "orders";
  EXPECT_TRUE(matches(f, topic_binding("orders")));
  EXPECT_FALSE(matches(f, topic_binding("*")));
  EXPECT_FALSE(matches(f, topic_binding("orders", pattern_type::prefixed)));
  f.pattern = pattern_type::prefixed;
  EXPECT_TRUE(matches(f, topic_binding("orders", pattern_type::prefixed)));
  EXPECT_FALSE(matches(f, topic_binding("ord", pattern_type::prefixed)));
  EXPECT_FALSE(matches(f, topic_binding("orders")));
}

TEST(AclFilter, AnyPatternWithNameNeedsEqualName) {
  acl_filter f;
  f.name = "orders";
  EXPECT_TRUE(matches(f, topic_binding("orders")));
  EXPECT_TRUE(matches(f, topic_binding("orders", pattern_type::prefixed)));
  EXPECT_FALSE(matches(f, topic_binding("*")));
  EXPECT_FALSE(matches(f, topic_binding("ord", pattern_type::prefixed)));
}

TEST(AclFilter, PrincipalHostOperationPermission) {
  auto b = topic_binding("t", pattern_type::literal, "User:alice", acl_operation::write, acl_permission::deny,
                         "10.0.0.1");
  acl_filter f;
  f.principal = "User:alice";
  EXPECT_TRUE(matches(f, b));
  f.principal = "User:*";  // a filter compares principals literally
  EXPECT_FALSE(matches(f, b));
  f.principal.reset();
  f.host = "10.0.0.1";
  EXPECT_TRUE(matches(f, b));
  f.host = "*";
  EXPECT_FALSE(matches(f, b));
  f.host.reset();
  f.op = acl_operation::write;
  EXPECT_TRUE(matches(f, b));
  f.op = acl_operation::read;
  EXPECT_FALSE(matches(f, b));
  f.op = acl_operation::all;  // ALL is a value like any other in a filter
  EXPECT_FALSE(matches(f, b));
  f.op = acl_operation::any;
  f.permission = acl_permission::deny;
  EXPECT_TRUE(matches(f, b));
  f.permission = acl_permission::allow;
  EXPECT_FALSE(matches(f, b));
}

TEST(AclNames, ToStringUsesKafkaNames) {
  EXPECT_EQ(to_string(resource_type::topic), "TOPIC");
  EXPECT_EQ(to_string(resource_type::group), "GROUP");
  EXPECT_EQ(to_string(resource_type::cluster), "CLUSTER");
  EXPECT_EQ(to_string(resource_type::transactional_id), "TRANSACTIONAL_ID");
  EXPECT_EQ(to_string(resource_type::delegation_token), "DELEGATION_TOKEN");
  EXPECT_EQ(to_string(resource_type::any), "ANY");
  EXPECT_EQ(to_string(resource_type::unknown), "UNKNOWN");
  EXPECT_EQ(to_string(pattern_type::literal), "LITERAL");
  EXPECT_EQ(to_string(pattern_type::prefixed), "PREFIXED");
  EXPECT_EQ(to_string(pattern_type::match), "MATCH");
  EXPECT_EQ(to_string(pattern_type::any), "ANY");
  EXPECT_EQ(to_string(acl_operation::remove), "DELETE");
  EXPECT_EQ(to_string(acl_operation::describe_configs), "DESCRIBE_CONFIGS");
  EXPECT_EQ(to_string(acl_operation::idempotent_write), "IDEMPOTENT_WRITE");
  EXPECT_EQ(to_string(acl_operation::cluster_action), "CLUSTER_ACTION");
  EXPECT_EQ(to_string(acl_permission::allow), "ALLOW");
  EXPECT_EQ(to_string(acl_permission::deny), "DENY");
  EXPECT_EQ(to_string(static_cast<acl_operation>(99)), "UNKNOWN");
}

TEST(AclNames, RoundTripsEveryValue) {
  for (int v = 0; v <= 6; ++v) {
    auto t = static_cast<resource_type>(v);
    EXPECT_EQ(parse_resource_type(to_string(t)), t) << v;
  }
  for (int v = 0; v <= 4; ++v) {
    auto t = static_cast<pattern_type>(v);
    EXPECT_EQ(parse_pattern_type(to_string(t)), t) << v;
  }
  for (int v = 0; v <= 12; ++v) {
    auto t = static_cast<acl_operation>(v);
    EXPECT_EQ(parse_operation(to_string(t)), t) << v;
  }
  for (int v = 0; v <= 3; ++v) {
    auto t = static_cast<acl_permission>(v);
    EXPECT_EQ(parse_permission(to_string(t)), t) << v;
  }
}

TEST(AclNames, ParsingIsCaseInsensitiveAndAcceptsDashes) {
  EXPECT_EQ(parse_operation("describe-configs"), acl_operation::describe_configs);
  EXPECT_EQ(parse_operation("Describe_Configs"), acl_operation::describe_configs);
  EXPECT_EQ(parse_operation("delete"), acl_operation::remove);
  EXPECT_EQ(parse_operation("idempotent-write"), acl_operation::idempotent_write);
  EXPECT_EQ(parse_resource_type("topic"), resource_type::topic);
  EXPECT_EQ(parse_resource_type("transactional-id"), resource_type::transactional_id);
  EXPECT_EQ(parse_pattern_type("prefixed"), pattern_type::prefixed);
  EXPECT_EQ(parse_permission("allow"), acl_permission::allow);
  EXPECT_EQ(parse_permission("Deny"), acl_permission::deny);
}

TEST(AclNames, ParsingRejectsUnknownNames) {
  EXPECT_EQ(parse_operation("remove"), std::nullopt);
  EXPECT_EQ(parse_operation(""), std::nullopt);
  EXPECT_EQ(parse_operation("READ "), std::nullopt);
  EXPECT_EQ(parse_resource_type("topics"), std::nullopt);
  EXPECT_EQ(parse_pattern_type("prefix"), std::nullopt);
  EXPECT_EQ(parse_permission("permit"), std::nullopt);
}

}  // namespace
}  // namespace sd::security
