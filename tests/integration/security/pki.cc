#include "security/pki.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <sstream>

#include "support/process.h"

namespace sd::itest::sec {

using namespace std::chrono_literals;

std::string find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream in(path ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(in, dir, ':');) {
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

std::string openssl_binary() {
  if (const char* e = std::getenv("STREAMDOWN_OPENSSL"); e && *e) return e;
  std::string p = find_on_path("openssl");
  if (p.empty()) throw harness_error("the openssl command is not on PATH (apt-get install openssl)");
  return p;
}

namespace {

// Extension sections for `openssl req -x509` (the CAs) and `openssl x509 -req -extfile` (the leaves).
constexpr const char* config_text = R"([ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ server_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ client_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
)";

}  // namespace

std::string pki::openssl(const std::vector<std::string>& args, const std::string& stdin_path) {
  command cmd;
  cmd.argv = {_openssl};
  cmd.argv.insert(cmd.argv.end(), args.begin(), args.end());
  cmd.stdin_path = stdin_path;
  cmd.stdout_path = _dir.file("openssl.out");
  cmd.stderr_path = _dir.file("openssl.err");
  exit_info e = run_command(cmd, 30s);
  std::string out = read_file(cmd.stdout_path);
  if (!e.clean()) {
    throw harness_error(quote_argv(cmd.argv) + ": " + e.describe() + "\n" + read_file(cmd.stderr_path));
  }
  return out;
}

std::string pki::new_key(const std::string& name) {
  std::string key = _dir.file(name + ".key");
  openssl({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key});
  return key;
}

cert_files pki::make_ca(const std::string& name, const std::string& subject) {
  cert_files ca;
  ca.key = new_key(name);
  ca.cert = _dir.file(name + ".pem");
  openssl({"req", "-x509", "-new", "-key", ca.key, "-subj", subject, "-days", "3650", "-config", _config,
           "-extensions", "v3_ca", "-out", ca.cert});
  return ca;
}

cert_files pki::issue(const std::string& name, const std::string& subject, usage u, long serial, int days,
                      bool by_other_ca) {
  const cert_files& ca = by_other_ca ? _other_ca : _ca;
  cert_files c;
  c.key = new_key(name);
  c.cert = _dir.file(name + ".pem");
  std::string csr = _dir.file(name + ".csr");
  openssl({"req", "-new", "-key", c.key, "-subj", subject, "-config", _config, "-out", csr});
  // OpenSSL 3.0's `x509 -req` has no -not_before/-not_after; -days -1 gives notAfter = notBefore - 1 day,
  // which every verifier reports as "certificate has expired".
  openssl({"x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-set_serial", std::to_string(serial),
           "-days", std::to_string(days), "-extfile", _config, "-extensions",
           u == usage::server ? "server_ext" : "client_ext", "-out", c.cert});
  return c;
}

std::string pki::serial_of(const std::string& cert_path) {
  std::string out = openssl({"x509", "-in", cert_path, "-noout", "-serial"});
  auto eq = out.find('=');
  std::string s = eq == std::string::npos ? out : out.substr(eq + 1);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

pki::pki() : _openssl(openssl_binary()) {
  _config = _dir.file("openssl.cnf");
  write_file(_config, config_text);
  _ca = make_ca("ca", "/O=streamdown tests/CN=streamdown test CA");
  _other_ca = make_ca("other-ca", "/O=Elsewhere/CN=some other CA");
  _server = issue("server-a", "/O=streamdown tests/CN=streamdown-server-a", usage::server, 1001);
  _alice = issue("alice", "/O=Acme/CN=alice", usage::client, 2001);
  _admin = issue("admin", "/O=Acme/CN=admin", usage::client, 2002);
  _expired = issue("expired", "/O=Acme/CN=expired", usage::client, 2003, -1);
  _foreign = issue("foreign", "/O=Acme/CN=alice", usage::client, 3001, 30, true);
}

}  // namespace sd::itest::sec
