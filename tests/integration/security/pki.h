#pragma once
// A throwaway PKI for the security tests, made with the `openssl` command line tool (run_command) in a private
// temp directory: a CA, a server certificate for 127.0.0.1/localhost, client certificates (CN=alice,O=Acme and
// CN=admin,O=Acme), an expired client certificate and a client certificate signed by another CA. Keys are EC
// P-256 (fast to make). Subjects are written so that their RFC 2253 form (what the broker maps) starts with CN:
// "CN=alice,O=Acme".
//
// Every openssl call is bounded (30 s); a failure throws harness_error with openssl's stderr.

#include <string>
#include <vector>

#include "support/test_env.h"

namespace sd::itest::sec {

/// Absolute path of `name` found on $PATH (empty when absent).
std::string find_on_path(const std::string& name);
/// The openssl binary: env STREAMDOWN_OPENSSL, else `openssl` on $PATH. Throws harness_error when missing.
std::string openssl_binary();

struct cert_files {
  std::string cert;  // PEM certificate
  std::string key;   // PEM private key (unencrypted)
};

class pki {
 public:
  /// Makes the CA, the other CA and every certificate below.
  pki();
  pki(const pki&) = delete;
  pki& operator=(const pki&) = delete;

  /// The trusted CA (brokers' ssl.ca.location and clients' ssl.ca.location).
  const std::string& ca() const { return _ca.cert; }
  /// A CA nobody trusts.
  const std::string& other_ca() const { return _other_ca.cert; }

  const cert_files& server() const { return _server; }        // CN=streamdown-server-a, SAN IP:127.0.0.1,DNS:localhost
  const cert_files& alice() const { return _alice; }          // CN=alice,O=Acme
  const cert_files& admin() const { return _admin; }          // CN=admin,O=Acme
  const cert_files& expired() const { return _expired; }      // CN=expired,O=Acme, notAfter in the past
  const cert_files& foreign() const { return _foreign; }      // CN=alice,O=Acme signed by other_ca()

  enum class usage { server, client };
  /// Issues another certificate from the trusted CA (or, with `by_other_ca`, the other one). `subject` is in
  /// openssl's /A=b/C=d form; `days` may be -1 (then notAfter is a day before notBefore: expired).
  cert_files issue(const std::string& name, const std::string& subject, usage u, long serial, int days = 30,
                   bool by_other_ca = false);

  /// `openssl x509 -noout -serial` of a certificate: "serial=0A1B..." without the prefix, upper-case hex.
  std::string serial_of(const std::string& cert_path);
  const std::string& dir() const { return _dir.path(); }
  std::string file(const std::string& name) const { return _dir.file(name); }

  /// Runs openssl with `args`; returns stdout. Throws harness_error with stderr on a non-zero exit.
  std::string openssl(const std::vector<std::string>& args, const std::string& stdin_path = "");

 private:
  cert_files make_ca(const std::string& name, const std::string& subject);
  std::string new_key(const std::string& name);

  temp_dir _dir{"sd-pki"};
  std::string _openssl;
  std::string _config;  // openssl config with the extension sections
  cert_files _ca, _other_ca, _server, _alice, _admin, _expired, _foreign;
};

}  // namespace sd::itest::sec
