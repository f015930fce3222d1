#pragma once
// ssl.principal.mapping.rules: Kafka's rules that turn a client certificate's subject (RFC 2253 form,
// "CN=app,OU=eng,O=Acme") into a principal name. A list separated by commas outside rules:
//   RULE:<regex>/<replacement>/[L|U]   the first rule whose regex matches the WHOLE subject wins; $1..$9 in the
//                                      replacement are the groups; L lower-cases, U upper-cases the result
//   DEFAULT                            the subject unchanged
// No rule matching (and no DEFAULT) means the subject unchanged (Kafka refuses such a client instead; here it
// simply gets a principal no ACL names). Regex: ECMAScript (std::regex).

#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace sd::security {

class principal_mapping {
 public:
  /// Parses the rules; on a malformed list returns nullopt and sets `error` (start-up reports it).
  static std::optional<principal_mapping> parse(std::string_view rules, std::string* error);
  /// The principal name (without "User:") for a certificate subject.
  std::string map(std::string_view subject) const;

 private:
  struct rule {
    bool is_default = false;
    std::regex pattern;
    std::string replacement;
    char case_fold = 0;  // 0, 'L' or 'U'
  };
  std::vector<rule> _rules;
};

}  // namespace sd::security
