#include "security/user_store.h"

#include "base/base64.h"
#include "security/private_file.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <nlohmann/json.hpp>

// On-disk format (version 1), one JSON document, the whole file replaced on every change:
//   {"version": 1,
//    "users": [{"name": "alice",
//               "credentials": [{"mechanism": "SCRAM-SHA-256", "iterations": 4096,
//                                "salt": "<b64>", "stored_key": "<b64>", "server_key": "<b64>"}]}]}
// Users sorted by name, unique; each user has 1..2 credentials, one per mechanism, sorted by algorithm.
// Base64 is standard with padding. Anything else (another version, a missing field, a bad value) is corrupt.

namespace sd::security {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr std::int64_t format_version = 1;
constexpr std::size_t max_salt_bytes = 1024;


// What upsert accepts and open() requires of every stored credential.
bool valid_credential(const scram_credential& c) noexcept {
  return known_algorithm(c.algorithm) && !c.salt.empty() && c.salt.size() <= max_salt_bytes &&
         c.iterations >= min_scram_iterations && c.iterations <= max_scram_iterations &&
         c.stored_key.size() == digest_size(c.algorithm) && c.server_key.size() == digest_size(c.algorithm);
}

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (b < 0x80) {
      ++i;
      continue;
    }
    if (b >= 0xc2 && b <= 0xdf) {
      len = 2;
      cp = b & 0x1fu;
    } else if (b >= 0xe0 && b <= 0xef) {
      len = 3;
      cp = b & 0x0fu;
    } else if (b >= 0xf0 && b <= 0xf4) {
      len = 4;
      cp = b & 0x07u;
    } else {
      return false;
    }
    if (s.size() - i < len) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xc0u) != 0x80u) return false;
      cp = (cp << 6) | (c & 0x3fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += len;
  }
  return true;
}


json credential_to_json(const scram_credential& c) {
  return json{{"mechanism", std::string(mechanism_name(c.algorithm))},
              {"iterations", c.iterations},
              {"salt", b64_encode(c.salt)},
              {"stored_key", b64_encode(c.stored_key)},
              {"server_key", b64_encode(c.server_key)}};
}

std::optional<std::string> b64_field(const json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return std::nullopt;
  return b64_decode(it->get_ref<const std::string&>());
}

std::optional<scram_credential> credential_from_json(const json& j) {
  if (!j.is_object()) return std::nullopt;
  const auto mech = j.find("mechanism");
  const auto iter = j.find("iterations");
  if (mech == j.end() || !mech->is_string() || iter == j.end() || !iter->is_number_integer())
    return std::nullopt;
  const auto alg = scram_from_mechanism(mech->get_ref<const std::string&>());
  const auto iterations = iter->get<std::int64_t>();
  auto salt = b64_field(j, "salt");
  auto stored_key = b64_field(j, "stored_key");
  auto server_key = b64_field(j, "server_key");
  if (!alg || !salt || !stored_key || !server_key || iterations < min_scram_iterations ||
      iterations > max_scram_iterations) {
    return std::nullopt;
  }
  scram_credential c{*alg, std::move(*salt), static_cast<std::int32_t>(iterations), std::move(*stored_key),
                     std::move(*server_key)};
  if (!valid_credential(c)) return std::nullopt;
  return c;
}

}  // namespace

bool user_store::valid_user_name(std::string_view user) noexcept {
  if (user.empty() || user.size() > 255) return false;
  for (char c : user) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return valid_utf8(user);
}

result<std::unique_ptr<user_store>> user_store::open(std::filesystem::path file) {
  std::unique_ptr<user_store> store(new user_store(std::move(file)));
  SD_TRY(ensure_private_dir(store->_file));
  auto read = read_private_file(store->_file);
  if (!read) return read.error();
  if (!read->has_value()) return store;  // a missing file is an empty store; it appears with the first change
  const std::string& text = **read;
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return errc::corrupt_store;
  try {
    const auto version = doc.find("version");
    const auto users = doc.find("users");
    if (version == doc.end() || !version->is_number_integer() ||
        version->get<std::int64_t>() != format_version || users == doc.end() || !users->is_array()) {
      return errc::corrupt_store;
    }
    for (const json& u : *users) {
      if (!u.is_object()) return errc::corrupt_store;
      const auto name = u.find("name");
      const auto creds = u.find("credentials");
      if (name == u.end() || !name->is_string() || !valid_user_name(name->get_ref<const std::string&>()) ||
          creds == u.end() || !creds->is_array() || creds->empty()) {
        return errc::corrupt_store;
      }
      entry e{name->get<std::string>(), {}};
      for (const json& cj : *creds) {
        auto c = credential_from_json(cj);
        if (!c) return errc::corrupt_store;
        e.creds.push_back(std::move(*c));
      }
      std::sort(e.creds.begin(), e.creds.end(), [](const scram_credential& x, const scram_credential& y) {
        return x.algorithm < y.algorithm;
      });
      const auto dup = std::adjacent_find(
          e.creds.begin(), e.creds.end(),
          [](const scram_credential& x, const scram_credential& y) { return x.algorithm == y.algorithm; });
      if (dup != e.creds.end()) return errc::corrupt_store;
      store->_users.push_back(std::move(e));
    }
  } catch (const json::exception&) {
    return errc::corrupt_store;
  }
  auto& users = store->_users;
  std::sort(users.begin(), users.end(), [](const entry& x, const entry& y) { return x.name < y.name; });
  const auto dup = std::adjacent_find(users.begin(), users.end(),
                                      [](const entry& x, const entry& y) { return x.name == y.name; });
  if (dup != users.end()) return errc::corrupt_store;
  return store;
}

std::optional<scram_credential> user_store::find(std::string_view user, scram_algorithm a) const {
  std::shared_lock lock(_mu);
  const auto it = std::lower_bound(_users.begin(), _users.end(), user,
                                   [](const entry& e, std::string_view n) { return e.name < n; });
  if (it == _users.end() || it->name != user) return std::nullopt;
  for (const auto& c : it->creds) {
    if (c.algorithm == a) return c;
  }
  return std::nullopt;
}

bool user_store::verify_plain(std::string_view user, std::string_view password) const {
  std::vector<scram_credential> creds;
  {
    std::shared_lock lock(_mu);
    const auto it = std::lower_bound(_users.begin(), _users.end(), user,
                                     [](const entry& e, std::string_view n) { return e.name < n; });
    if (it == _users.end() || it->name != user) return false;
    creds = it->creds;
  }
  // The key derivation runs outside the lock: it is the slow part, and writers must not wait on it.
  bool ok = false;
  for (const auto& c : creds) ok = verify_password(c, password) || ok;
  return ok;
}

status user_store::upsert(std::string_view user, scram_credential cred) {
  if (!valid_user_name(user) || !valid_credential(cred)) return errc::invalid_argument;
  std::unique_lock lock(_mu);
  const std::vector<entry> before = _users;  // restored when the change cannot be made durable
  auto it = std::lower_bound(_users.begin(), _users.end(), user,
                             [](const entry& e, std::string_view n) { return e.name < n; });
  if (it == _users.end() || it->name != user) it = _users.insert(it, entry{std::string(user), {}});
  auto& creds = it->creds;
  auto c = std::lower_bound(creds.begin(), creds.end(), cred.algorithm,
                            [](const scram_credential& x, scram_algorithm a) { return x.algorithm < a; });
  if (c != creds.end() && c->algorithm == cred.algorithm) {
    *c = std::move(cred);
  } else {
    creds.insert(c, std::move(cred));
  }
  auto st = save_locked();
  if (!st) _users = before;
  return st;
}

status user_store::remove(std::string_view user, scram_algorithm a) {
  std::unique_lock lock(_mu);
  auto it = std::lower_bound(_users.begin(), _users.end(), user,
                             [](const entry& e, std::string_view n) { return e.name < n; });
  if (it == _users.end() || it->name != user) return errc::not_found;
  auto c = std::find_if(it->creds.begin(), it->creds.end(),
                        [a](const scram_credential& x) { return x.algorithm == a; });
  if (c == it->creds.end()) return errc::not_found;
  const std::vector<entry> before = _users;  // restored when the change cannot be made durable
  it->creds.erase(c);
  if (it->creds.empty()) _users.erase(it);
  auto st = save_locked();
  if (!st) _users = before;
  return st;
}

std::vector<user_info> user_store::list() const {
  std::shared_lock lock(_mu);
  std::vector<user_info> out;
  out.reserve(_users.size());
  for (const auto& e : _users) {
    user_info info{e.name, {}};
    for (const auto& c : e.creds) info.credentials.push_back({c.algorithm, c.iterations});
    out.push_back(std::move(info));
  }
  return out;
}

bool user_store::empty() const {
  std::shared_lock lock(_mu);
  return _users.empty();
}

status user_store::save_locked() const {
  json users = json::array();
  for (const auto& e : _users) {
    json creds = json::array();
    for (const auto& c : e.creds) creds.push_back(credential_to_json(c));
    users.push_back(json{{"name", e.name}, {"credentials", std::move(creds)}});
  }
  const json doc{{"version", format_version}, {"users", std::move(users)}};
  std::string text;
  try {
    text = doc.dump(2) + "\n";  // names are valid UTF-8 (valid_user_name), so dump cannot throw on them
  } catch (const json::exception&) {
    return errc::invalid_argument;
  }
  return replace_private_file(_file, text);
}

}  // namespace sd::security
