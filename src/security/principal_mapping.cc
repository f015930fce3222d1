#include "security/principal_mapping.h"

#include <cctype>

namespace sd::security {
namespace {

constexpr std::string_view default_keyword = "DEFAULT";
constexpr std::string_view rule_keyword = "RULE:";

bool is_space(char c) noexcept { return std::isspace(static_cast<unsigned char>(c)) != 0; }

void skip_space(std::string_view s, std::size_t& i) noexcept {
  while (i < s.size() && is_space(s[i])) ++i;
}

// Scans one '/'-terminated field of a RULE starting at `i`; a backslash escapes the next character (so "\/" is a
// '/' inside the field). Returns the raw field text (escapes kept) and leaves `i` after the terminating '/', or
// nullopt when the rules end first.
std::optional<std::string> scan_field(std::string_view s, std::size_t& i) {
  std::string out;
  while (i < s.size()) {
    char c = s[i];
    if (c == '/') {
      ++i;
      return out;
    }
    if (c == '\\') {
      if (i + 1 >= s.size()) return std::nullopt;
      out += c;
      out += s[i + 1];
      i += 2;
      continue;
    }
    out += c;
    ++i;
  }
  return std::nullopt;
}

// The regex text of a raw pattern field: "\/" becomes "/" ('/' is not special in ECMAScript, and an identity
// escape of it is not portable); every other escape is left for the regex engine.
std::string unescape_slashes(std::string_view raw) {
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size() && raw[i + 1] == '/') {
      out += '/';
      ++i;
    } else {
      out += raw[i];
    }
  }
  return out;
}

// Checks a raw replacement: "$<digit>" names a group the regex has ($0 is the whole match), "\x" is a literal x
// (as Java's Matcher.replaceAll, which Kafka uses). Returns why it is invalid, or nullopt.
std::optional<std::string> check_replacement(std::string_view raw, unsigned groups) {
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\') {
      ++i;  // scan_field guarantees a following character
    } else if (raw[i] == '$') {
      if (i + 1 >= raw.size() || raw[i + 1] < '0' || raw[i + 1] > '9') {
        return std::string("'$' must be followed by a group number in replacement '") + std::string(raw) + "'";
      }
      if (static_cast<unsigned>(raw[i + 1] - '0') > groups) {
        return std::string("replacement '") + std::string(raw) + "' names a group the pattern does not have";
      }
      ++i;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<principal_mapping> principal_mapping::parse(std::string_view rules, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<principal_mapping> {
    if (error != nullptr) *error = "ssl.principal.mapping.rules: " + std::move(why);
    return std::nullopt;
  };
  principal_mapping out;
  std::size_t i = 0;
  skip_space(rules, i);
  if (i == rules.size()) return out;  // no rules: every subject maps to itself
  for (;;) {
    std::string_view rest = rules.substr(i);
    rule r;
    if (rest.starts_with(default_keyword)) {
      r.is_default = true;
      i += default_keyword.size();
    } else if (rest.starts_with(rule_keyword)) {
      i += rule_keyword.size();
      std::size_t start = i;
      auto pattern = scan_field(rules, i);
      if (!pattern) return fail("rule at offset " + std::to_string(start) + " has no '/' after its pattern");
      auto replacement = scan_field(rules, i);
      if (!replacement) return fail("rule at offset " + std::to_string(start) + " has no '/' after its replacement");
      try {
        r.pattern = std::regex(unescape_slashes(*pattern), std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        return fail("invalid pattern '" + *pattern + "': " + e.what());
      }
      if (auto why = check_replacement(*replacement, static_cast<unsigned>(r.pattern.mark_count()))) {
        return fail(*why);
      }
      r.replacement = std::move(*replacement);
      if (i < rules.size() && (rules[i] == 'L' || rules[i] == 'U')) r.case_fold = rules[i++];
    } else {
      return fail("expected RULE: or DEFAULT at offset " + std::to_string(i));
    }
    out._rules.push_back(std::move(r));
    skip_space(rules, i);
    if (i == rules.size()) return out;
    if (rules[i] != ',') return fail("unexpected '" + std::string(1, rules[i]) + "' at offset " + std::to_string(i));
    ++i;
    skip_space(rules, i);
    if (i == rules.size()) return fail("empty rule after the last ','");
  }
}

std::string principal_mapping::map(std::string_view subject) const {
  for (const auto& r : _rules) {
    if (r.is_default) return std::string(subject);
    std::match_results<std::string_view::const_iterator> m;
    if (!std::regex_match(subject.begin(), subject.end(), m, r.pattern)) continue;
    std::string name;
    const std::string& rep = r.replacement;
    for (std::size_t i = 0; i < rep.size(); ++i) {
      if (rep[i] == '\\' && i + 1 < rep.size()) {
        name += rep[++i];
      } else if (rep[i] == '$' && i + 1 < rep.size() && rep[i + 1] >= '0' && rep[i + 1] <= '9') {
        auto group = static_cast<std::size_t>(rep[++i] - '0');
        if (group < m.size() && m[group].matched) name += m[group].str();
      } else {
        name += rep[i];
      }
    }
    // Case folding is ASCII only (Kafka folds with Locale.ROOT; subjects are ASCII in practice).
    if (r.case_fold == 'L') {
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (r.case_fold == 'U') {
      for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return name;
  }
  return std::string(subject);
}

}  // namespace sd::security
