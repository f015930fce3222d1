#include "security/scram.h"

#include "base/base64.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <charconv>
#include <climits>
#include <vector>

namespace sd::security {
namespace {

// Client messages longer than this, or holding a control character (NUL included), are refused before
// parsing.
constexpr std::size_t max_message_size = 4096;
constexpr std::size_t server_nonce_bytes = 32;
constexpr std::size_t client_nonce_bytes = 24;
constexpr std::size_t default_salt_bytes = 32;

const EVP_MD* digest_of(scram_algorithm a) noexcept {
  return a == scram_algorithm::sha512 ? EVP_sha512() : EVP_sha256();
}

const unsigned char* bytes_of(std::string_view s) noexcept {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* bytes_of(std::string& s) noexcept {
  return reinterpret_cast<unsigned char*>(s.data());
}

// The crypto helpers return an empty string on failure; every caller treats empty as "cannot authenticate".
std::string hmac(scram_algorithm a, std::string_view key, std::string_view data) {
  if (key.size() > static_cast<std::size_t>(INT_MAX)) return {};
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int len = 0;
  if (HMAC(digest_of(a), key.data(), static_cast<int>(key.size()), bytes_of(data), data.size(), bytes_of(out),
           &len) == nullptr) {
    return {};
  }
  out.resize(len);
  return out;
}

std::string hash(scram_algorithm a, std::string_view data) {
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), bytes_of(out), &len, digest_of(a), nullptr) != 1) return {};
  out.resize(len);
  return out;
}

// Hi(password, salt, i) of RFC 5802: PBKDF2 with HMAC-H, one block of the digest's length. The password is
// used as given (UTF-8 bytes, no SASLprep), as Kafka does.
std::string salted_password_of(scram_algorithm a, std::string_view password, std::string_view salt,
                               std::int32_t iterations) {
  if (iterations < 1 || password.size() > static_cast<std::size_t>(INT_MAX) ||
      salt.size() > static_cast<std::size_t>(INT_MAX)) {
    return {};
  }
  std::string out(digest_size(a), '\0');
  // A non-null pointer even for an empty password: PKCS5_PBKDF2_HMAC treats a null one specially.
  static const char empty = '\0';
  const char* pass = password.empty() ? &empty : password.data();
  if (PKCS5_PBKDF2_HMAC(pass, static_cast<int>(password.size()), bytes_of(salt),
                        static_cast<int>(salt.size()), iterations, digest_of(a), static_cast<int>(out.size()),
                        bytes_of(out)) != 1) {
    return {};
  }
  return out;
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(bytes_of(out), static_cast<int>(n)) != 1) return {};
  return out;
}

// Equal sizes and equal bytes, in time independent of the bytes. Empty never matches (a failed derivation).
bool secure_equal(std::string_view x, std::string_view y) noexcept {
  return !x.empty() && x.size() == y.size() && CRYPTO_memcmp(x.data(), y.data(), x.size()) == 0;
}

std::string xor_bytes(std::string_view x, std::string_view y) {
  std::string out(x);
  for (std::size_t i = 0; i < out.size() && i < y.size(); ++i) out[i] = static_cast<char>(out[i] ^ y[i]);
  return out;
}

bool is_clean_message(std::string_view m) noexcept {
  if (m.size() > max_message_size) return false;
  for (char c : m) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

// RFC 5802 "printable": %x21-2B / %x2D-7E (no ',').
bool is_valid_nonce(std::string_view n) noexcept {
  if (n.empty()) return false;
  for (char c : n) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7e || c == ',') return false;
  }
  return true;
}

// One "key=value" field of a SCRAM message. RFC attributes have one-letter keys; Kafka's extensions
// ("tokenauth=true") have longer ones.
struct attribute {
  std::string_view key;
  std::string_view value;
};

// Splits "k=v,k=v,..." into attributes; nullopt if a field is empty or has no key.
std::optional<std::vector<attribute>> split_attributes(std::string_view s) {
  std::vector<attribute> out;
  while (true) {
    const auto comma = s.find(',');
    const std::string_view field = s.substr(0, comma);
    const auto eq = field.find('=');
    if (eq == std::string_view::npos || eq == 0) return std::nullopt;
    out.push_back({field.substr(0, eq), field.substr(eq + 1)});
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

// saslname -> name: "=2C" is ',', "=3D" is '='; any other '=' is malformed. Empty is malformed.
std::optional<std::string> decode_sasl_name(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '=') {
      out.push_back(s[i]);
      continue;
    }
    const std::string_view esc = s.substr(i + 1, 2);
    if (esc == "2C") {
      out.push_back(',');
    } else if (esc == "3D") {
      out.push_back('=');
    } else {
      return std::nullopt;
    }
    i += 2;
  }
  return out;
}

std::string encode_sasl_name(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == ',') {
      out += "=2C";
    } else if (c == '=') {
      out += "=3D";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool iequals(std::string_view x, std::string_view y) noexcept {
  if (x.size() != y.size()) return false;
  for (std::size_t i = 0; i < x.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(x[i]) != lower(y[i])) return false;
  }
  return true;
}

std::optional<std::int32_t> parse_iterations(std::string_view s) {
  std::int32_t v = 0;
  const auto* end = s.data() + s.size();
  const auto [p, ec] = std::from_chars(s.data(), end, v);
  if (s.empty() || ec != std::errc() || p != end) return std::nullopt;
  return v;
}

bool usable_credential(const scram_credential& c, scram_algorithm a) noexcept {
  return c.algorithm == a && !c.salt.empty() && c.iterations >= 1 && c.stored_key.size() == digest_size(a) &&
         c.server_key.size() == digest_size(a);
}

}  // namespace

std::string_view mechanism_name(scram_algorithm a) noexcept {
  return a == scram_algorithm::sha512 ? "SCRAM-SHA-512" : "SCRAM-SHA-256";
}

std::optional<scram_algorithm> scram_from_mechanism(std::string_view mechanism) noexcept {
  if (mechanism == "SCRAM-SHA-256") return scram_algorithm::sha256;
  if (mechanism == "SCRAM-SHA-512") return scram_algorithm::sha512;
  return std::nullopt;
}

// A derivation that fails (iterations < 1, an unknown algorithm, OpenSSL failure) yields empty keys, which no
// proof or password ever matches: the signatures cannot report errors, and a credential that cannot
// authenticate is the safe outcome. Callers validate iterations against min/max_scram_iterations.
scram_credential make_scram_credential(scram_algorithm a, std::string_view password, std::int32_t iterations,
                                       std::string salt) {
  if (salt.empty()) salt = random_bytes(default_salt_bytes);
  std::string salted = known_algorithm(a) ? salted_password_of(a, password, salt, iterations) : std::string();
  scram_credential c = credential_from_salted_password(a, salted, std::move(salt), iterations);
  OPENSSL_cleanse(salted.data(), salted.size());
  return c;
}

scram_credential credential_from_salted_password(scram_algorithm a, std::string_view salted_password,
                                                 std::string salt, std::int32_t iterations) {
  scram_credential c;
  c.algorithm = a;
  c.salt = std::move(salt);
  c.iterations = iterations;
  if (!known_algorithm(a) || salted_password.empty()) return c;
  std::string client_key = hmac(a, salted_password, "Client Key");
  c.stored_key = client_key.empty() ? std::string() : hash(a, client_key);
  c.server_key = hmac(a, salted_password, "Server Key");
  OPENSSL_cleanse(client_key.data(), client_key.size());
  if (c.stored_key.empty() || c.server_key.empty()) {
    c.stored_key.clear();
    c.server_key.clear();
  }
  return c;
}

bool verify_password(const scram_credential& cred, std::string_view password) {
  if (!known_algorithm(cred.algorithm) || !usable_credential(cred, cred.algorithm)) return false;
  const scram_credential derived = credential_from_salted_password(
      cred.algorithm, salted_password_of(cred.algorithm, password, cred.salt, cred.iterations), std::string(),
      cred.iterations);
  return secure_equal(derived.stored_key, cred.stored_key);
}

// ---------------------------------------------------------------------------------------------------------
// scram_server

scram_server::scram_server(scram_algorithm a, credential_lookup lookup, std::string test_server_nonce)
    : _alg(a), _lookup(std::move(lookup)), _server_nonce(std::move(test_server_nonce)) {}

scram_server::step_result scram_server::step(std::string_view client_message) {
  // Any failure ends the exchange: later calls fail too.
  auto fail = [this](std::string why) {
    _stage = 2;
    return step_result{status::failed, {}, std::move(why)};
  };
  if (_stage >= 2) return fail("SCRAM exchange already finished");
  if (!known_algorithm(_alg)) return fail("unknown SCRAM algorithm");
  if (!is_clean_message(client_message)) return fail("SCRAM message too long or with control characters");

  if (_stage == 0) {
    // gs2-header: cbind-flag "," [authzid] ","
    std::string_view m = client_message;
    if (m.starts_with("p=")) return fail("channel binding not supported");
    if (!m.starts_with("n,") && !m.starts_with("y,")) return fail("malformed SCRAM client-first message");
    const auto second_comma = m.find(',', 2);
    if (second_comma == std::string_view::npos) return fail("malformed SCRAM client-first message");
    const std::string_view authzid_field = m.substr(2, second_comma - 2);
    std::optional<std::string> authzid;
    if (!authzid_field.empty()) {
      if (!authzid_field.starts_with("a=")) return fail("malformed SCRAM client-first message");
      authzid = decode_sasl_name(authzid_field.substr(2));
      if (!authzid) return fail("malformed SCRAM authorization id");
    }
    const std::string_view gs2_header = m.substr(0, second_comma + 1);
    const std::string_view bare = m.substr(second_comma + 1);

    // client-first-message-bare: "n=" saslname ",r=" nonce ["," extensions]
    auto attrs = split_attributes(bare);
    if (!attrs || attrs->size() < 2) return fail("malformed SCRAM client-first message");
    if ((*attrs)[0].key == "m") return fail("unsupported SCRAM mandatory extension");
    if ((*attrs)[0].key != "n" || (*attrs)[1].key != "r") return fail("malformed SCRAM client-first message");
    auto user = decode_sasl_name((*attrs)[0].value);
    if (!user) return fail("malformed SCRAM user name");
    if (!is_valid_nonce((*attrs)[1].value)) return fail("malformed SCRAM client nonce");
    for (std::size_t i = 2; i < attrs->size(); ++i) {
      // Kafka's delegation-token extension: we have no delegation tokens, so the "password" would be a token
      // HMAC we cannot check. Other extensions carry nothing we act on and are ignored, as Kafka ignores
      // them.
      if ((*attrs)[i].key == "tokenauth" && iequals((*attrs)[i].value, "true")) {
        return fail("delegation token authentication not supported");
      }
    }
    if (authzid && *authzid != *user) return fail("SCRAM authorization id differs from the user name");

    _user = std::move(*user);
    std::optional<scram_credential> cred = _lookup ? _lookup(_user) : std::nullopt;
    if (!cred) return fail("unknown user");
    if (!usable_credential(*cred, _alg)) return fail("stored credential unusable for this mechanism");
    if (_server_nonce.empty()) {
      const std::string raw = random_bytes(server_nonce_bytes);
      if (raw.empty()) return fail("random number generator failed");
      _server_nonce = b64_encode(raw);
    }
    _gs2_header = std::string(gs2_header);
    _client_nonce = std::string((*attrs)[1].value);
    _client_first_bare = std::string(bare);
    _server_first = "r=" + _client_nonce + _server_nonce + ",s=" + b64_encode(cred->salt) +
                    ",i=" + std::to_string(cred->iterations);
    _cred = std::move(cred);
    _stage = 1;
    return step_result{status::need_more, _server_first, {}};
  }

  // client-final-message: "c=" b64(gs2-header) ",r=" nonce ["," extensions] ",p=" b64(proof); the proof is
  // last.
  const auto proof_at = client_message.rfind(",p=");
  if (proof_at == std::string_view::npos) return fail("malformed SCRAM client-final message");
  const std::string_view without_proof = client_message.substr(0, proof_at);
  const std::string_view proof_b64 = client_message.substr(proof_at + 3);
  auto attrs = split_attributes(without_proof);
  if (!attrs || attrs->size() < 2 || (*attrs)[0].key != "c" || (*attrs)[1].key != "r") {
    return fail("malformed SCRAM client-final message");
  }
  if ((*attrs)[0].value != b64_encode(_gs2_header)) return fail("SCRAM channel binding mismatch");

  // The nonce must carry this exchange's server part, so a final message from another exchange fails.
  // librdkafka < 2.6.1 (#4895) sends cnonce + cnonce + snonce: accepted as Kafka 3.8.1 accepts it.
  const std::string_view nonce = (*attrs)[1].value;
  const std::string combined = _client_nonce + _server_nonce;
  if (!nonce.starts_with(_client_nonce) || !nonce.ends_with(combined)) return fail("SCRAM nonce mismatch");

  const auto proof = b64_decode(proof_b64);
  if (!proof || proof->size() != digest_size(_alg)) return fail("malformed SCRAM client proof");

  const std::string auth_message =
      _client_first_bare + "," + _server_first + "," + std::string(without_proof);
  const std::string client_signature = hmac(_alg, _cred->stored_key, auth_message);
  std::string client_key = xor_bytes(*proof, client_signature);
  const bool ok = !client_signature.empty() && secure_equal(hash(_alg, client_key), _cred->stored_key);
  OPENSSL_cleanse(client_key.data(), client_key.size());
  if (!ok) return fail("invalid SCRAM proof (wrong password)");
  const std::string server_signature = hmac(_alg, _cred->server_key, auth_message);
  if (server_signature.empty()) return fail("SCRAM server signature failed");
  _stage = 2;
  return step_result{status::done, "v=" + b64_encode(server_signature), {}};
}

// ---------------------------------------------------------------------------------------------------------
// scram_client

scram_client::scram_client(scram_algorithm a, std::string user, std::string password,
                           std::string test_client_nonce)
    : _alg(a),
      _user(std::move(user)),
      _password(std::move(password)),
      _client_nonce(std::move(test_client_nonce)) {}

std::string scram_client::first_message() {
  if (_client_nonce.empty()) {
    const std::string raw = random_bytes(client_nonce_bytes);
    if (raw.empty()) {
      _error = "random number generator failed";
      return {};
    }
    _client_nonce = b64_encode(raw);
  }
  _client_first_bare = "n=" + encode_sasl_name(_user) + ",r=" + _client_nonce;
  return "n,," + _client_first_bare;
}

std::optional<std::string> scram_client::final_message(std::string_view server_first) {
  auto fail = [this](std::string why) -> std::optional<std::string> {
    _error = std::move(why);
    _auth_message.clear();
    return std::nullopt;
  };
  if (_client_first_bare.empty()) return fail("first_message() was not called");
  if (!known_algorithm(_alg)) return fail("unknown SCRAM algorithm");
  if (!is_clean_message(server_first)) return fail("SCRAM server-first too long or with control characters");
  auto attrs = split_attributes(server_first);
  if (!attrs || attrs->size() < 3 || (*attrs)[0].key != "r" || (*attrs)[1].key != "s" ||
      (*attrs)[2].key != "i") {
    return fail("malformed SCRAM server-first message");
  }
  const std::string_view nonce = (*attrs)[0].value;
  if (!is_valid_nonce(nonce) || !nonce.starts_with(_client_nonce) || nonce.size() == _client_nonce.size()) {
    return fail("SCRAM server nonce does not extend the client nonce");
  }
  const auto salt = b64_decode((*attrs)[1].value);
  if (!salt || salt->empty()) return fail("malformed SCRAM salt");
  const auto iterations = parse_iterations((*attrs)[2].value);
  if (!iterations || *iterations < min_scram_iterations || *iterations > max_scram_iterations) {
    return fail("SCRAM iteration count missing or out of range");
  }

  std::string salted = salted_password_of(_alg, _password, *salt, *iterations);
  if (salted.empty()) return fail("SCRAM key derivation failed");
  const std::string without_proof = "c=" + b64_encode("n,,") + ",r=" + std::string(nonce);
  std::string auth_message = _client_first_bare + "," + std::string(server_first) + "," + without_proof;
  std::string client_key = hmac(_alg, salted, "Client Key");
  const std::string client_signature = hmac(_alg, hash(_alg, client_key), auth_message);
  const std::string proof = xor_bytes(client_key, client_signature);
  OPENSSL_cleanse(client_key.data(), client_key.size());
  if (client_signature.empty() || proof.size() != digest_size(_alg))
    return fail("SCRAM proof computation failed");
  _salted_password = std::move(salted);
  _auth_message = std::move(auth_message);
  _error.clear();
  return without_proof + ",p=" + b64_encode(proof);
}

bool scram_client::verify_server_final(std::string_view server_final) {
  if (_auth_message.empty()) {
    _error = "no SCRAM client-final message was produced";
    return false;
  }
  if (!is_clean_message(server_final)) {
    _error = "SCRAM server-final too long or with control characters";
    return false;
  }
  const std::string_view first = server_final.substr(0, server_final.find(','));
  if (first.starts_with("e=")) {
    _error = "SCRAM server error: " + std::string(first.substr(2));
    return false;
  }
  const auto signature = first.starts_with("v=") ? b64_decode(first.substr(2)) : std::nullopt;
  if (!signature) {
    _error = "malformed SCRAM server-final message";
    return false;
  }
  const std::string expected = hmac(_alg, hmac(_alg, _salted_password, "Server Key"), _auth_message);
  if (!secure_equal(expected, *signature)) {
    _error = "SCRAM server signature mismatch";
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// PLAIN

std::optional<plain_credentials> parse_plain(std::string_view token) {
  const auto first_nul = token.find('\0');
  if (first_nul == std::string_view::npos) return std::nullopt;
  const auto second_nul = token.find('\0', first_nul + 1);
  if (second_nul == std::string_view::npos) return std::nullopt;
  const std::string_view authzid = token.substr(0, first_nul);
  const std::string_view authcid = token.substr(first_nul + 1, second_nul - first_nul - 1);
  const std::string_view password = token.substr(second_nul + 1);
  // RFC 4616: authcid and passwd are 1*SAFE, and SAFE excludes NUL (so no third NUL).
  if (authcid.empty() || password.empty() || password.find('\0') != std::string_view::npos)
    return std::nullopt;
  if (!authzid.empty() && authzid != authcid) return std::nullopt;
  return plain_credentials{std::string(authcid), std::string(password)};
}

std::string salted_password(scram_algorithm a, std::string_view password, std::string_view salt,
                            std::int32_t iterations) {
  if (!known_algorithm(a)) return {};
  return salted_password_of(a, password, salt, iterations);
}

std::string random_salt(std::size_t n) { return random_bytes(n); }

}  // namespace sd::security
