#pragma once
// tls_context_holder: the server-side TLS context of one listener (OpenSSL 3 through Asio), built from PEM
// files with librdkafka's key names (ssl.certificate.location, ssl.key.location, ssl.ca.location) and Kafka's
// ssl.client.auth. TLS 1.2 is the minimum. The context can be rebuilt from the files at run time (SIGHUP, or
// when a file's modification time or size changes): new connections get the new context, open connections
// keep the session they have. A reload that fails keeps the previous context and reports why.
//
// Thread-safety: current() may be called from any thread (atomic shared_ptr); reload() and files_changed()
// from one thread at a time (the broker's reload thread).

#include <memory>
#include <string>
#include <vector>

#include "net/asio.h"

#include <boost/asio/ssl.hpp>

namespace sd::net {

namespace ssl = asio::ssl;

enum class client_auth { none, requested, required };

struct tls_settings {
  std::string certificate_file;  // PEM certificate chain (leaf first)
  std::string key_file;          // PEM private key (unencrypted, or encrypted with key_password)
  std::string key_password;
  std::string ca_file;           // PEM CA bundle that client certificates must chain to
  client_auth auth = client_auth::none;
};

class tls_context_holder {
 public:
  /// Builds the first context; throws std::runtime_error naming the file and OpenSSL's reason (start-up).
  explicit tls_context_holder(tls_settings settings);

  std::shared_ptr<ssl::context> current() const { return std::atomic_load(&_ctx); }
  /// Rebuilds the context from the files. Returns an empty string on success, else why (the old one stays).
  std::string reload();
  /// Whether any of the files changed (mtime, size or inode) since the context in use was built.
  bool files_changed() const;
  const tls_settings& settings() const noexcept { return _settings; }
  std::uint64_t reloads() const noexcept { return _reloads; }

 private:
  std::shared_ptr<ssl::context> build() const;  // throws
  std::vector<std::string> stamps() const;

  tls_settings _settings;
  std::shared_ptr<ssl::context> _ctx;
  std::vector<std::string> _stamps;  // of the files the current context was built from
  std::uint64_t _reloads = 0;
};

/// The RFC 2253 subject of the peer's verified certificate ("CN=app,O=Acme"), or empty when the peer sent
/// none or it did not verify.
std::string verified_peer_subject(SSL* ssl);

}  // namespace sd::net
