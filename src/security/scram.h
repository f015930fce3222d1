#pragma once
// SCRAM (RFC 5802, RFC 7677) for SCRAM-SHA-256 and SCRAM-SHA-512, as Kafka uses it over SaslAuthenticate.
// Credentials are stored salted and hashed only (salt, iterations, StoredKey, ServerKey): the password is never
// kept. PLAIN logins are checked against the same credentials (verify_password re-derives the StoredKey).
//
// Exchange (server side, two steps):
//   client-first  "n,,n=<user>,r=<cnonce>[,ext...]"     -> server-first "r=<cnonce><snonce>,s=<b64 salt>,i=<iter>"
//   client-final  "c=biws,r=<nonce>,p=<b64 proof>"        -> server-final "v=<b64 server signature>"
// The nonce in client-final must equal cnonce+snonce. librdkafka 2.0.2 repeats the client nonce before the whole
// combined nonce (librdkafka #4895): a final nonce that starts with the client nonce and ends with the whole
// combined nonce (cnonce+snonce) is accepted, as Kafka 3.8.1 does. Anything else (including a nonce replayed
// from another exchange, whose server part differs) fails. The server nonce is 32 random bytes, base64.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace sd::security {

enum class scram_algorithm : std::int8_t { sha256 = 1, sha512 = 2 };  // values as Kafka's ScramMechanism

/// Bytes of the algorithm's digest (StoredKey, ServerKey and proofs have this size): 32 or 64.
constexpr std::size_t digest_size(scram_algorithm a) noexcept { return a == scram_algorithm::sha512 ? 64 : 32; }
/// Whether `a` is one of the enumerators (a value read from a file or the wire may be anything).
constexpr bool known_algorithm(scram_algorithm a) noexcept {
  return a == scram_algorithm::sha256 || a == scram_algorithm::sha512;
}

/// "SCRAM-SHA-256" / "SCRAM-SHA-512".
std::string_view mechanism_name(scram_algorithm a) noexcept;
/// The algorithm of a SASL mechanism name (exact, upper case), or nullopt.
std::optional<scram_algorithm> scram_from_mechanism(std::string_view mechanism) noexcept;

/// Minimum iteration count accepted anywhere (kafkajs refuses fewer; RFC 7677 recommends 4096).
inline constexpr std::int32_t min_scram_iterations = 4096;
/// Kafka's upper bound for AlterUserScramCredentials.
inline constexpr std::int32_t max_scram_iterations = 16384;

struct scram_credential {
  scram_algorithm algorithm = scram_algorithm::sha256;
  std::string salt;        // raw bytes
  std::int32_t iterations = 0;
  std::string stored_key;  // raw H(ClientKey)
  std::string server_key;  // raw HMAC(SaltedPassword, "Server Key")
  bool operator==(const scram_credential&) const = default;
};

/// Derives a credential from a password. An empty `salt` means 32 fresh random bytes.
scram_credential make_scram_credential(scram_algorithm a, std::string_view password, std::int32_t iterations,
                                       std::string salt = {});
/// Derives a credential from the SaltedPassword Kafka's AlterUserScramCredentials carries (the client
/// computed Hi(password, salt, iterations)).
scram_credential credential_from_salted_password(scram_algorithm a, std::string_view salted_password,
                                                 std::string salt, std::int32_t iterations);
/// Hi(password, salt, iterations) of RFC 5802 (PBKDF2-HMAC), the "salted password" that
/// AlterUserScramCredentials carries; empty when the derivation is impossible (iterations < 1).
std::string salted_password(scram_algorithm a, std::string_view password, std::string_view salt,
                            std::int32_t iterations);
/// `n` cryptographically random bytes (a fresh salt).
std::string random_salt(std::size_t n = 32);
/// Whether `password` is the one `cred` was made from. Constant-time comparison of the derived key.
bool verify_password(const scram_credential& cred, std::string_view password);

/// The server side of one SCRAM exchange. Not thread-safe; one per authentication attempt.
class scram_server {
 public:
  /// Returns the user's credential for this algorithm, or nullopt when there is none.
  using credential_lookup = std::function<std::optional<scram_credential>(std::string_view user)>;
  /// `test_server_nonce` is a test seam only (RFC 7677 vectors): when non-empty it replaces the random server
  /// nonce part; it must be printable ASCII without ','. Production code never passes it.
  scram_server(scram_algorithm a, credential_lookup lookup, std::string test_server_nonce = {});

  enum class status { need_more, done, failed };
  struct step_result {
    status st = status::failed;
    std::string reply;  // bytes to send back (empty when failed)
    std::string error;  // when failed: why, for logs (never contains secrets)
  };
  /// Feeds the next client message. First call: client-first; second: client-final. Any further call fails.
  step_result step(std::string_view client_message);
  /// The authenticated user name (valid after status::done), with "=2C" and "=3D" decoded.
  const std::string& user() const noexcept { return _user; }

 private:
  scram_algorithm _alg;
  credential_lookup _lookup;
  int _stage = 0;  // 0: expect client-first, 1: expect client-final, 2: finished or failed
  std::string _user;
  std::string _gs2_header;  // as the client sent it ("n,," / "y,," / "n,a=<user>,"): c= must be its base64
  std::string _client_nonce;
  std::string _server_nonce;
  std::string _client_first_bare;
  std::string _server_first;
  std::optional<scram_credential> _cred;
};

/// The client side (the `user` tool, tests). Not thread-safe.
class scram_client {
 public:
  /// `test_client_nonce` is a test seam only (RFC 7677 vectors): when non-empty it replaces the random client
  /// nonce (24 random bytes, base64). Production code never passes it.
  scram_client(scram_algorithm a, std::string user, std::string password, std::string test_client_nonce = {});
  /// client-first message (empty, reason in error(), if the random generator fails).
  std::string first_message();
  /// client-final message for the server-first reply, or nullopt if the reply is malformed (the reason in
  /// error()), its nonce does not extend ours, or its iteration count is outside min..max_scram_iterations.
  std::optional<std::string> final_message(std::string_view server_first);
  /// Whether the server-final reply proves the server knows the credential.
  bool verify_server_final(std::string_view server_final);
  const std::string& error() const noexcept { return _error; }

 private:
  scram_algorithm _alg;
  std::string _user, _password, _client_nonce, _client_first_bare, _auth_message, _salted_password;
  std::string _error;
};

/// PLAIN (RFC 4616): "[authzid] NUL authcid NUL passwd". Returns {authcid, password} or nullopt when
/// malformed; an authzid that is neither empty nor equal to authcid is refused (as Kafka does).
struct plain_credentials {
  std::string user;
  std::string password;
};
std::optional<plain_credentials> parse_plain(std::string_view token);

}  // namespace sd::security
