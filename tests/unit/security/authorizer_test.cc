#include "security/authorizer.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace sd::security {
namespace {

// A private temporary directory for one test, removed with everything in it.
class scratch_dir {
 public:
  scratch_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sd-authorizer-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    _path = tmpl;
  }
  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(_path, ec);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  const std::filesystem::path& path() const { return _path; }

 private:
  std::filesystem::path _path;
};

acl_binding binding(resource_type rtype, std::string name, pattern_type p, std::string principal, acl_operation op,
                    acl_permission perm, std::string host = "*") {
  return acl_binding{rtype, std::move(name), p, std::move(principal), std::move(host), op, perm};
}
acl_binding allow_topic(std::string name, std::string principal, acl_operation op,
                        pattern_type p = pattern_type::literal, std::string host = "*") {
  return binding(resource_type::topic, std::move(name), p, std::move(principal), op, acl_permission::allow,
                 std::move(host));
}
acl_binding deny_topic(std::string name, std::string principal, acl_operation op,
                       pattern_type p = pattern_type::literal, std::string host = "*") {
  return binding(resource_type::topic, std::move(name), p, std::move(principal), op, acl_permission::deny,
                 std::move(host));
}

constexpr std::string_view alice = "User:alice";
constexpr std::string_view bob = "User:bob";
constexpr std::string_view host1 = "10.0.0.1";

class AuthorizerTest : public ::testing::Test {
 protected:
  std::filesystem::path file() const { return _dir.path() / "security" / "acls.json"; }

  std::unique_ptr<authorizer> open_with(authorizer_config cfg) {
    auto a = authorizer::open(file(), std::move(cfg));
    EXPECT_TRUE(a.has_value()) << a.error().message();
    return a ? std::move(*a) : nullptr;
  }
  std::unique_ptr<authorizer> open_enabled(bool allow_everyone = false, std::vector<std::string> supers = {}) {
    authorizer_config cfg;
    cfg.enabled = true;
    cfg.allow_everyone_if_no_acl_found = allow_everyone;
    cfg.super_users = std::move(supers);
    return open_with(std::move(cfg));
  }
  bool can(const authorizer& a, std::string_view principal, std::string_view topic, acl_operation op,
           std::string_view host = host1) {
    return a.authorize(principal, host, resource_type::topic, topic, op);
  }
  void write_file(const std::string& text) {
    std::filesystem::create_directories(file().parent_path());
    std::ofstream(file()) << text;
  }

  scratch_dir _dir;
};

TEST_F(AuthorizerTest, MissingFileOpensEmpty) {
  auto a = open_enabled();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->size(), 0u);
  EXPECT_TRUE(a->enabled());
  EXPECT_TRUE(std::filesystem::is_directory(file().parent_path()));
  struct stat st {};
  ASSERT_EQ(::stat(file().parent_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(AuthorizerTest, DisabledAuthorizerAllowsEverything) {
  auto a = open_with(authorizer_config{});
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->create({deny_topic("*", "User:*", acl_operation::all)}));
  EXPECT_FALSE(a->enabled());
  EXPECT_TRUE(can(*a, alice, "orders", acl_operation::write));
  EXPECT_TRUE(a->authorize_any(alice, host1, resource_type::topic, acl_operation::write));
}

TEST_F(AuthorizerTest, AllowGrantsAndImpliesDescribe) {
  auto a = open_enabled();
  ASSERT_TRUE(a->create({allow_topic("orders", std::string(alice), acl_operation::write)}));
  EXPECT_TRUE(can(*a, alice, "orders", acl_operation::write));
  EXPECT_TRUE(can(*a, alice, "orders", acl_operation::describe));
  EXPECT_FALSE(can(*a, alice, "orders", acl_operation::read));
  EXPECT_FALSE(can(*a, alice, "orders", acl_operation::idempotent_write));
  EXPECT_FALSE(can(*a, bob, "orders", acl_operation::write));
  EXPECT_FALSE(can(*a, alice, "payments", acl_operation::write));
}

TEST_F(AuthorizerTest, ImpliedOperationsThroughAuthorize) {
  auto a = open_enabled();
  ASSERT_TRUE(a->create({allow_topic("t-all", "User:u", acl_operation::all),
                         allow_topic("t-read", "User:u", acl_operation::read),
                         allow_topic("t-delete", "User:u", acl_operation::remove),
                         allow_topic("t-alter", "User:u", acl_operation::alter),
                         allow_topic("t-ac", "User:u", acl_operation::alter_configs)}));
  EXPECT_TRUE(can(*a, "User:u", "t-all", acl_operation::alter_configs));
  EXPECT_TRUE(can(*a, "User:u", "t-all", acl_operation::read));
  EXPECT_TRUE(can(*a, "User:u", "t-read", acl_operation::describe));
  EXPECT_TRUE(can(*a, "User:u", "t-delete", acl_operation::describe));
  EXPECT_TRUE(can(*a, "User:u", "t-alter", acl_operation::describe));
  EXPECT_TRUE(can(*a, "User:u", "t-ac", acl_operation::describe_configs));
  EXPECT_FALSE(can(*a, "User:u", "t-ac", acl_operation::describe));
  EXPECT_FALSE(can(*a, "User:u", "t-read", acl_operation::describe_configs));
}

TEST_F(AuthorizerTest, DenyBeatsAllow) {
  auto a = open_enabled();
  ASSERT_TRUE(a->create({allow_topic("orders", "User:*", acl_operation::all),
                         deny_topic("orders", std::string(alice), acl_operation::write)}));
  EXPECT_FALSE(can(*a, alice, "orders", acl_operation::write));
  EXPECT_TRUE(can(*a, alice, "orders", acl_operation::read));  // DENY denies exactly its operation
  EXPECT_TRUE(can(*a, bob, "orders", acl_operation::write));
}

TEST_F(AuthorizerTest, DenyOfImplyingOperationDoesNotDenyImpliedOne) {
  auto a = open_enabled();
  ASSERT_TRUE(a->create({allow_topic("orders", std::string(alice), acl_operation::describe),
                         deny_topic("orders", std::string(alice), acl_operation::read)}));
  EXPECT_FALSE(can(*a, alice, "orders", acl_operation::read));
  EXPECT_TRUE(can(*a, alice, "orders", acl_operation::describe));
}

TEST_F(AuthorizerTest, DenyAllDeniesEverything) {
  auto a = open_enabled(/*allow_everyone=*/true);
  ASSERT_TRUE(a->create({allow_topic("orders", std::string(alice), acl_operation::all),
                         deny_topic("orders", std::string(alice), acl_operation::all)}));
  for (auto op : {acl_operation::read, acl_operation::write, acl_operation::describe, acl_operation::alter_configs,
                  acl_operation::remove}) {
    EXPECT_FALSE(can(*a, alice, "orders", op)) << to_string(op);
  }
}

TEST_F(AuthorizerTest, PrefixedBindingsApplyToNamesWithThePrefix) {
  auto a = open_enabled();
  ASSERT_TRUE(a->create({allow_topic("orders-", std::string(alice), acl_operation::read, pattern_type::prefixed),
                         deny_topic("orders-secret", std::string(alice), acl_operation::read,
                                    pattern_type::prefixed)}));
  EXPECT_TRUE(can(*a, alice, "orders-", acl_operation::read));
  EXPECT_TRUE(can(*a, alice, "orders-eu", acl_operation::read));
  EXPECT_FALSE(can(*a, alice, "orders", acl_operation::read));
  EXPECT_FALSE(can(*a, alice, "orders-secret-1", acl_operation::read));
  EXPECT_FALSE(can(*a, alice, "xorders-eu", acl_operation::read));
}

TEST_F(AuthorizerTest, LiteralWildcardAppliesToEveryName) {
  auto a = open_enabled();
  ASSERT_TRUE(a->create({allow_topic("*", std::string(alice), acl_operation::read)}));
  EXPECT_TRUE(can(*a, alice, "orders", acl_operation::read));
  EXPECT_TRUE(can(*a, alice, "anything", acl_operation::read));
  EXPECT_FALSE(can(*a, alice, "orders", acl_operation::write));
  // Only for its own resource type.
  EXPECT_FALSE(a->authorize(alice, host1, resource_type::group, "orders", acl_operation::read));
}

TEST_F(AuthorizerTest, PrefixedStarIsALiteralPrefix) {
  auto a = open_enabled();
  ASSERT_TRUE(a->create({allow_topic("*", std::string(alice), acl_operation::read, pattern_type::prefixed)}));
  EXPECT_FALSE(can(*a, alice, "orders", acl_operation::read));
  EXPECT_TRUE(can(*a, alice, "*orders", acl_operation::read));
}

TEST_F(AuthorizerTest, WildcardPrincipalMatchesEveryUser) {
  auto a = open_enabled();
  ASSERT_TRUE(a->create({allow_topic("orders", "User:*", acl_operation::read)}));
  EXPECT_TRUE(can(*a, alice, "orders", acl_operation::read));
  EXPECT_TRUE(can(*a, bob, "orders", acl_operation::read));
  EXPECT_TRUE(can(*a, "User:ANONYMOUS", "orders", acl_operation::read));
  EXPECT_FALSE(can(*a, "Group:eng", "orders", acl_operation::read));
  EXPECT_FALSE(can(*a, alice, "orders", acl_operation::write));
}

TEST_F(AuthorizerTest, AnonymousIsAnOrdinaryPrincipal) {
  auto a = open_enabled();
  ASSERT_TRUE(a->create({allow_topic("public", "User:ANONYMOUS", acl_operation::read)}));
  EXPECT_TRUE(can(*a, "User:ANONYMOUS", "public", acl_operation::read));
  EXPECT_FALSE(can(*a, alice, "public", acl_operation::read));
  EXPECT_FALSE(can(*a, "User:ANONYMOUS", "private", acl_operation::read));
}

TEST_F(AuthorizerTest, HostMustBeEqualOrWildcard) {
  auto a = open_enabled();
  ASSERT_TRUE(a->create({allow_topic("orders", std::string(alice), acl_operation::read, pattern_type::literal,
                                     "10.0.0.1"),
                         deny_topic("orders", std::string(bob), acl_operation::read, pattern_type::literal,
                                    "10.0.0.9"),
                         allow_topic("orders", std::string(bob), acl_operation::read)}));
  EXPECT_TRUE(can(*a, alice, "orders", acl_operation::read, "10.0.0.1"));
  EXPECT_FALSE(can(*a, alice, "orders", acl_operation::read, "10.0.0.2"));
  EXPECT_TRUE(can(*a, bob, "orders", acl_operation::read, "10.0.0.1"));
  EXPECT_FALSE(can(*a, bob, "orders", acl_operation::read, "10.0.0.9"));
}

TEST_F(AuthorizerTest, SuperUsersBypassAcls) {
  auto a = open_enabled(false, {"User:admin", "User:ops"});
  ASSERT_TRUE(a->create({deny_topic("*", "User:*", acl_operation::all)}));
  EXPECT_TRUE(a->is_super_user("User:admin"));
  EXPECT_FALSE(a->is_super_user("User:Admin"));
  EXPECT_FALSE(a->is_super_user("admin"));
  EXPECT_TRUE(can(*a, "User:admin", "orders", acl_operation::alter));
  EXPECT_TRUE(can(*a, "User:ops", "orders", acl_operation::remove));
  EXPECT_TRUE(a->authorize_any("User:ops", host1, resource_type::topic, acl_operation::write));
  EXPECT_FALSE(can(*a, alice, "orders", acl_operation::read));
}

TEST_F(AuthorizerTest, AllowEveryoneIfNoAclFound) {
  auto a = open_enabled(/*allow_everyone=*/true);
  ASSERT_TRUE(a->create({allow_topic("orders", std::string(bob), acl_operation::read)}));
  EXPECT_TRUE(can(*a, alice, "payments", acl_operation::write));        // no ACL on payments
  EXPECT_FALSE(can(*a, alice, "orders", acl_operation::read));          // ACLs exist, for someone else
  EXPECT_TRUE(can(*a, bob, "orders", acl_operation::read));
  EXPECT_FALSE(can(*a, bob, "orders", acl_operation::write));           // ACLs exist, none grant WRITE
  EXPECT_TRUE(a->authorize(alice, host1, resource_type::group, "orders", acl_operation::read));
}

TEST_F(AuthorizerTest, NoAclFoundDeniesByDefault) {
  auto a = open_enabled(/*allow_everyone=*/false);
  EXPECT_FALSE(can(*a, alice, "payments", acl_operation::write));
  EXPECT_FALSE(a->authorize(alice, host1, resource_type::cluster, cluster_resource_name,
                            acl_operation::idempotent_write));
}

TEST_F(AuthorizerTest, AllowEveryoneConsidersWildcardAndPrefixedBindings) {
  auto a = open_enabled(/*allow_everyone=*/true);
  ASSERT_TRUE(a->create({allow_topic("secret-", std::string(bob), acl_operation::read, pattern_type::prefixed)}));
  EXPECT_FALSE(can(*a, alice, "secret-1", acl_operation::read));  // a PREFIXED binding applies to it
  EXPECT_TRUE(can(*a, alice, "public", acl_operation::read));
}

TEST_F(AuthorizerTest, AuthorizeAnyWithAllowOnSomeTopic) {
  auto a = open_enabled();
  ASSERT_TRUE(a->create({allow_topic("orders", std::string(alice), acl_operation::write)}));
  EXPECT_TRUE(a->authorize_any(alice, host1, resource_type::topic, acl_operation::write));
  EXPECT_FALSE(a->authorize_any(bob, host1, resource_type::topic, acl_operation::write));
  EXPECT_FALSE(a->authorize_any(alice, host1, resource_type::topic, acl_operation::read));
  EXPECT_FALSE(a->authorize_any(alice, host1, resource_type::group, acl_operation::write));
}

TEST_F(AuthorizerTest, AuthorizeAnyWithOnlyDeny) {
  for (bool allow_everyone : {false, true}) {
    scratch_dir other;
    authorizer_config cfg;
    cfg.enabled = true;
    cfg.allow_everyone_if_no_acl_found = allow_everyone;
    auto opened = authorizer::open(other.path() / "acls.json", cfg);
    ASSERT_TRUE(opened);
    auto& a = **opened;
    ASSERT_TRUE(a.create({deny_topic("*", std::string(alice), acl_operation::write)}));
    EXPECT_FALSE(a.authorize_any(alice, host1, resource_type::topic, acl_operation::write)) << allow_everyone;
  }
  auto a = open_enabled();
  ASSERT_TRUE(a->create({deny_topic("orders", std::string(alice), acl_operation::write)}));
  EXPECT_FALSE(a->authorize_any(alice, host1, resource_type::topic, acl_operation::write));
}

TEST_F(AuthorizerTest, AuthorizeAnyWithNoBindingsFollowsAllowEveryone) {
  {
    auto a = open_enabled(/*allow_everyone=*/false);
    EXPECT_FALSE(a->authorize_any(alice, host1, resource_type::topic, acl_operation::write));
  }
  {
    auto a = open_enabled(/*allow_everyone=*/true);
    EXPECT_TRUE(a->authorize_any(alice, host1, resource_type::topic, acl_operation::write));
    // Bindings of another type do not matter.
    ASSERT_TRUE(a->create({binding(resource_type::group, "g", pattern_type::literal, std::string(alice),
                                   acl_operation::read, acl_permission::deny)}));
    EXPECT_TRUE(a->authorize_any(alice, host1, resource_type::topic, acl_operation::write));
  }
}

TEST_F(AuthorizerTest, AuthorizeAnyDominatedAllows) {
  auto a = open_enabled();
  ASSERT_TRUE(a->create({allow_topic("orders", std::string(alice), acl_operation::write),
                         deny_topic("orders", std::string(alice), acl_operation::write)}));
  EXPECT_FALSE(a->authorize_any(alice, host1, resource_type::topic, acl_operation::write));

  ASSERT_TRUE(a->create({allow_topic("pay-eu", std::string(alice), acl_operation::write, pattern_type::prefixed),
                         deny_topic("pay-", std::string(alice), acl_operation::all, pattern_type::prefixed)}));
  EXPECT_FALSE(a->authorize_any(alice, host1, resource_type::topic, acl_operation::write));

  // A LITERAL deny does not dominate a PREFIXED allow of the same name: "logs-x" may still be written.
  ASSERT_TRUE(a->create({allow_topic("logs-", std::string(alice), acl_operation::write, pattern_type::prefixed),
                         deny_topic("logs-", std::string(alice), acl_operation::write)}));
  EXPECT_TRUE(a->authorize_any(alice, host1, resource_type::topic, acl_operation::write));
}

TEST_F(AuthorizerTest, AuthorizeAnyDenyForOtherHostOrOperationDoesNotDominate) {
  auto a = open_enabled();
  ASSERT_TRUE(a->create({allow_topic("orders", std::string(alice), acl_operation::write),
                         deny_topic("*", std::string(alice), acl_operation::write, pattern_type::literal,
                                    "10.9.9.9"),
                         deny_topic("orders", std::string(alice), acl_operation::read)}));
  EXPECT_TRUE(a->authorize_any(alice, host1, resource_type::topic, acl_operation::write));
  EXPECT_FALSE(a->authorize_any(alice, "10.9.9.9", resource_type::topic, acl_operation::write));
}

TEST_F(AuthorizerTest, AuthorizeAnyWildcardAllow) {
  auto a = open_enabled();
  ASSERT_TRUE(a->create({allow_topic("*", "User:*", acl_operation::all),
                         deny_topic("a", std::string(alice), acl_operation::write, pattern_type::prefixed)}));
  EXPECT_TRUE(a->authorize_any(alice, host1, resource_type::topic, acl_operation::write));
  ASSERT_TRUE(a->create({deny_topic("*", "User:*", acl_operation::write)}));
  EXPECT_FALSE(a->authorize_any(alice, host1, resource_type::topic, acl_operation::write));
  EXPECT_TRUE(a->authorize_any(alice, host1, resource_type::topic, acl_operation::read));
}

TEST_F(AuthorizerTest, CreateDescribeRemoveWithFilters) {
  auto a = open_enabled();
  ASSERT_TRUE(a->create({allow_topic("orders", std::string(alice), acl_operation::read),
                         allow_topic("ord", std::string(bob), acl_operation::write, pattern_type::prefixed),
                         allow_topic("*", "User:*", acl_operation::describe),
                         allow_topic("payments", std::string(alice), acl_operation::read),
                         binding(resource_type::group, "orders", pattern_type::literal, std::string(alice),
                                 acl_operation::read, acl_permission::allow)}));
  EXPECT_EQ(a->size(), 5u);
  EXPECT_EQ(a->describe(acl_filter{}).size(), 5u);

  acl_filter by_principal;
  by_principal.principal = std::string(alice);
  EXPECT_EQ(a->describe(by_principal).size(), 3u);

  acl_filter match;
  match.rtype = resource_type::topic;
  match.pattern = pattern_type::match;
  match.name = "orders";
  auto applying = a->describe(match);
  ASSERT_EQ(applying.size(), 3u);  // LITERAL orders, PREFIXED ord, LITERAL *
  EXPECT_EQ(applying[0].name, "orders");
  EXPECT_EQ(applying[1].name, "ord");
  EXPECT_EQ(applying[2].name, "*");

  acl_filter literal;
  literal.rtype = resource_type::topic;
  literal.pattern = pattern_type::literal;
  literal.name = "orders";
  EXPECT_EQ(a->describe(literal).size(), 1u);

  auto removed = a->remove(match);
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->size(), 3u);
  EXPECT_EQ(a->size(), 2u);
  EXPECT_TRUE(a->describe(match).empty());

  auto none = a->remove(match);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());

  acl_filter invalid;
  invalid.op = acl_operation::unknown;
  auto bad = a->remove(invalid);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), make_error_code(errc::invalid_argument));
  EXPECT_EQ(a->size(), 2u);
}

TEST_F(AuthorizerTest, CreateRejectsInvalidBindings) {
  auto a = open_enabled();
  auto bad = a->create({allow_topic("orders", std::string(alice), acl_operation::read),
                        allow_topic("orders", "alice", acl_operation::read)});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), make_error_code(errc::invalid_argument));
  EXPECT_EQ(a->size(), 0u);  // all or nothing
}

TEST_F(AuthorizerTest, DuplicatesAreKeptOnce) {
  auto a = open_enabled();
  auto b = allow_topic("orders", std::string(alice), acl_operation::read);
  ASSERT_TRUE(a->create({b, b}));
  ASSERT_TRUE(a->create({b}));
  EXPECT_EQ(a->size(), 1u);
  auto other_host = b;
  other_host.host = std::string(host1);
  ASSERT_TRUE(a->create({other_host}));
  EXPECT_EQ(a->size(), 2u);
}

TEST_F(AuthorizerTest, PersistsAcrossReopen) {
  std::vector<acl_binding> bindings{
      allow_topic("orders", std::string(alice), acl_operation::read),
      deny_topic("ord", std::string(bob), acl_operation::all, pattern_type::prefixed, "10.0.0.7"),
      binding(resource_type::cluster, "kafka-cluster", pattern_type::literal, "User:ops",
              acl_operation::idempotent_write, acl_permission::allow),
      binding(resource_type::transactional_id, "tx-", pattern_type::prefixed, "User:*",
              acl_operation::describe_configs, acl_permission::allow),
      binding(resource_type::delegation_token, "tok", pattern_type::literal, "User:a", acl_operation::describe,
              acl_permission::deny),
  };
  {
    auto a = open_enabled();
    ASSERT_TRUE(a->create(bindings));
    acl_filter f;
    f.principal = "User:a";
    ASSERT_TRUE(a->remove(f));
  }
  bindings.pop_back();
  auto a = open_enabled();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->describe(acl_filter{}), bindings);
  EXPECT_TRUE(can(*a, alice, "orders", acl_operation::read));
  EXPECT_FALSE(std::filesystem::exists(file().string() + ".tmp"));
}

TEST_F(AuthorizerTest, FileIsPrivate) {
  auto a = open_enabled();
  ASSERT_TRUE(a->create({allow_topic("orders", std::string(alice), acl_operation::read)}));
  struct stat st {};
  ASSERT_EQ(::stat(file().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(file().parent_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(AuthorizerTest, CorruptFilesAreErrors) {
  const char* bad_files[] = {
      "",
      "not json",
      "{\"version\": 1, \"acls\": [",
      "[]",
      "{\"acls\": []}",
      "{\"version\": 2, \"acls\": []}",
      "{\"version\": 1}",
      "{\"version\": 1, \"acls\": [42]}",
      // A binding that does not validate (principal without a type).
      R"({"version": 1, "acls": [{"resource_type": "TOPIC", "resource_name": "t", "pattern_type": "LITERAL",
          "principal": "alice", "host": "*", "operation": "READ", "permission": "ALLOW"}]})",
      // An unknown enum name.
      R"({"version": 1, "acls": [{"resource_type": "TOPIC", "resource_name": "t", "pattern_type": "LITERAL",
          "principal": "User:alice", "host": "*", "operation": "FLY", "permission": "ALLOW"}]})",
      // A missing field.
      R"({"version": 1, "acls": [{"resource_type": "TOPIC", "resource_name": "t", "pattern_type": "LITERAL",
          "principal": "User:alice", "operation": "READ", "permission": "ALLOW"}]})",
  };
  for (const char* text : bad_files) {
    write_file(text);
    auto a = authorizer::open(file(), authorizer_config{});
    ASSERT_FALSE(a) << text;
    EXPECT_EQ(a.error(), make_error_code(errc::corrupt_store)) << text;
  }
}

TEST_F(AuthorizerTest, HandWrittenFileLoadsAndDuplicatesCollapse) {
  write_file(R"({"version": 1, "acls": [
      {"resource_type": "topic", "resource_name": "t", "pattern_type": "LITERAL", "principal": "User:alice",
       "host": "*", "operation": "describe-configs", "permission": "ALLOW"},
      {"resource_type": "TOPIC", "resource_name": "t", "pattern_type": "LITERAL", "principal": "User:alice",
       "host": "*", "operation": "DESCRIBE_CONFIGS", "permission": "ALLOW"}]})");
  auto a = open_enabled();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->size(), 1u);
  EXPECT_TRUE(can(*a, alice, "t", acl_operation::describe_configs));
}

TEST_F(AuthorizerTest, ConcurrentChangesAndAuthorize) {
  auto a = open_enabled();
  ASSERT_TRUE(a->create({allow_topic("stable", std::string(alice), acl_operation::read)}));
  std::atomic<bool> stop{false};
  std::atomic<int> checks{0};
  std::atomic<int> wrong{0};
  std::thread reader([&] {
    while (!stop.load()) {
      // "stable" never changes; "flip" is granted or not at any moment, but never to bob.
      if (!can(*a, alice, "stable", acl_operation::read)) wrong.fetch_add(1);
      if (can(*a, bob, "flip", acl_operation::read)) wrong.fetch_add(1);
      (void)can(*a, alice, "flip", acl_operation::read);
      (void)a->authorize_any(alice, host1, resource_type::topic, acl_operation::read);
      (void)a->describe(acl_filter{});
      checks.fetch_add(1);
    }
  });
  acl_filter flip;
  flip.name = "flip";
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(a->create({allow_topic("flip", std::string(alice), acl_operation::read)}));
    ASSERT_TRUE(a->remove(flip));
  }
  stop.store(true);
  reader.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GT(checks.load(), 0);
  EXPECT_EQ(a->size(), 1u);
}

}  // namespace
}  // namespace sd::security
