#include "security/principal_mapping.h"

#include <gtest/gtest.h>

namespace sd::security {
namespace {

principal_mapping parse_ok(std::string_view rules) {
  std::string error;
  auto m = principal_mapping::parse(rules, &error);
  EXPECT_TRUE(m.has_value()) << rules << ": " << error;
  return m ? std::move(*m) : *principal_mapping::parse("DEFAULT", nullptr);
}

std::string parse_error(std::string_view rules) {
  std::string error;
  auto m = principal_mapping::parse(rules, &error);
  EXPECT_FALSE(m.has_value()) << rules;
  return error;
}

TEST(PrincipalMapping, DefaultKeepsSubject) {
  auto m = parse_ok("DEFAULT");
  EXPECT_EQ(m.map("CN=app,OU=eng,O=Acme"), "CN=app,OU=eng,O=Acme");
  EXPECT_EQ(m.map(""), "");
}

TEST(PrincipalMapping, EmptyRulesKeepSubject) {
  EXPECT_EQ(parse_ok("").map("CN=x"), "CN=x");
  EXPECT_EQ(parse_ok("  \n ").map("CN=x"), "CN=x");
}

TEST(PrincipalMapping, KafkaDocumentationExample) {
  // From Kafka's documentation of ssl.principal.mapping.rules (rules on separate lines).
  auto m = parse_ok(
      "RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,\n"
      "RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L,\n"
      "RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/L,\n"
      "DEFAULT");
  EXPECT_EQ(m.map("CN=serviceuser,OU=ServiceUsers,O=Unknown,L=Unknown,ST=Unknown,C=Unknown"), "serviceuser");
  EXPECT_EQ(m.map("CN=adminUser,OU=Admin,O=Unknown,L=Unknown,ST=Unknown,C=Unknown"), "adminuser@admin");
  EXPECT_EQ(m.map("OU=x,cn=Some.Host,O=y"), "some.host");
  EXPECT_EQ(m.map("O=NoCommonName"), "O=NoCommonName");
}

TEST(PrincipalMapping, KafkaDocumentationShortExample) {
  auto m = parse_ok("RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,DEFAULT");
  EXPECT_EQ(m.map("CN=serviceuser,OU=ServiceUsers,O=Unknown"), "serviceuser");
  EXPECT_EQ(m.map("CN=other,OU=People,O=Unknown"), "CN=other,OU=People,O=Unknown");
}

TEST(PrincipalMapping, LowerAndUpperCase) {
  EXPECT_EQ(parse_ok("RULE:^CN=(.*)$/$1/L").map("CN=MixedCase"), "mixedcase");
  EXPECT_EQ(parse_ok("RULE:^CN=(.*)$/$1/U").map("CN=MixedCase"), "MIXEDCASE");
  EXPECT_EQ(parse_ok("RULE:^CN=(.*)$/$1/").map("CN=MixedCase"), "MixedCase");
}

TEST(PrincipalMapping, GroupsAndLiteralText) {
  auto m = parse_ok("RULE:^CN=([^,]*),OU=([^,]*),O=([^,]*)$/$3:$2:$1 ($0)/");
  EXPECT_EQ(m.map("CN=app,OU=eng,O=Acme"), "Acme:eng:app (CN=app,OU=eng,O=Acme)");
}

TEST(PrincipalMapping, NineGroups) {
  auto m = parse_ok("RULE:^(.)(.)(.)(.)(.)(.)(.)(.)(.)$/$9$8$7$6$5$4$3$2$1/");
  EXPECT_EQ(m.map("123456789"), "987654321");
}

TEST(PrincipalMapping, UnmatchedOptionalGroupIsEmpty) {
  auto m = parse_ok("RULE:^CN=(\\w+)(,OU=(\\w+))?$/$1-$3/");
  EXPECT_EQ(m.map("CN=a,OU=b"), "a-b");
  EXPECT_EQ(m.map("CN=a"), "a-");
}

TEST(PrincipalMapping, FirstMatchingRuleWins) {
  auto m = parse_ok("RULE:^CN=admin.*$/root/, RULE:^CN=(.*)$/$1/U, DEFAULT");
  EXPECT_EQ(m.map("CN=admin1"), "root");
  EXPECT_EQ(m.map("CN=bob"), "BOB");
  EXPECT_EQ(m.map("OU=x"), "OU=x");
  // DEFAULT first shadows everything after it.
  EXPECT_EQ(parse_ok("DEFAULT,RULE:^(.*)$/x/").map("CN=a"), "CN=a");
}

TEST(PrincipalMapping, WholeSubjectMustMatch) {
  auto m = parse_ok("RULE:CN=(\\w+)/$1/");
  EXPECT_EQ(m.map("CN=app"), "app");
  EXPECT_EQ(m.map("CN=app,OU=eng"), "CN=app,OU=eng");  // a partial match is no match
}

TEST(PrincipalMapping, NoMatchKeepsSubject) {
  auto m = parse_ok("RULE:^CN=(.*),OU=ServiceUsers$/$1/");
  EXPECT_EQ(m.map("CN=x,OU=People"), "CN=x,OU=People");
}

TEST(PrincipalMapping, RegexMayContainCommasAndEscapedSlashes) {
  auto m = parse_ok("RULE:^CN=([^,\\/]*),OU=a\\/b$/$1\\/x/,DEFAULT");
  EXPECT_EQ(m.map("CN=svc,OU=a/b"), "svc/x");
  EXPECT_EQ(m.map("CN=svc,OU=a"), "CN=svc,OU=a");
  // Other escapes reach the regex engine unchanged.
  auto d = parse_ok("RULE:^CN=(\\d+)\\.(\\d+)$/$2.$1/");
  EXPECT_EQ(d.map("CN=12.34"), "34.12");
  EXPECT_EQ(d.map("CN=12x34"), "CN=12x34");
}

TEST(PrincipalMapping, EscapedDollarInReplacement) {
  EXPECT_EQ(parse_ok("RULE:^CN=(.*)$/\\$$1/").map("CN=a"), "$a");
}

TEST(PrincipalMapping, WhitespaceAroundRules) {
  auto m = parse_ok("  RULE:^CN=(.*)$/$1/L ,\n\t DEFAULT  ");
  EXPECT_EQ(m.map("CN=ABC"), "abc");
}

TEST(PrincipalMapping, MalformedRulesAreErrors) {
  EXPECT_NE(parse_error("RULE:^CN=(.*)$/$1"), "");           // no closing '/'
  EXPECT_NE(parse_error("RULE:^CN=(.*)$"), "");              // no replacement
  EXPECT_NE(parse_error("RULE:^CN=(.*)$/$1/X"), "");         // bad case flag
  EXPECT_NE(parse_error("RULE:^CN=(.*)$/$1/l"), "");         // case flag is upper case only
  EXPECT_NE(parse_error("RULE:^CN=(.*)$/$1/LU"), "");
  EXPECT_NE(parse_error("RULE:^CN=((.*)$/$1/"), "");         // bad regex
  EXPECT_NE(parse_error("RULE:^CN=(.*)$/$2/"), "");          // no such group
  EXPECT_NE(parse_error("RULE:^CN=(.*)$/$x/"), "");          // '$' without a group number
  EXPECT_NE(parse_error("RULE:^CN=(.*)$/a$/"), "");
  EXPECT_NE(parse_error("RULE:abc\\"), "");                  // dangling escape
  EXPECT_NE(parse_error("RULE:^CN=([^,/]*)$/$1/"), "");     // an unescaped '/' ends the pattern, even in [...]
  EXPECT_NE(parse_error("DEFAULTS"), "");
  EXPECT_NE(parse_error("default"), "");
  EXPECT_NE(parse_error("rule:^(.*)$/$1/"), "");
  EXPECT_NE(parse_error("CN=app"), "");
  EXPECT_NE(parse_error("DEFAULT,"), "");                   // empty rule
  EXPECT_NE(parse_error("DEFAULT,,DEFAULT"), "");
  EXPECT_NE(parse_error(",DEFAULT"), "");
  EXPECT_NE(parse_error("DEFAULT DEFAULT"), "");
  auto why = parse_error("RULE:^(.*)$/$1/,bogus");
  EXPECT_NE(why.find("ssl.principal.mapping.rules"), std::string::npos) << why;
  EXPECT_FALSE(principal_mapping::parse("bogus", nullptr).has_value());  // a null error pointer is allowed
}

}  // namespace
}  // namespace sd::security
