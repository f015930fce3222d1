#include "net/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <stdexcept>

namespace sd::net {
namespace {

std::string openssl_reason(const boost::system::error_code& ec) {
  std::string why = ec.message();
  if (unsigned long e = ERR_get_error(); e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    why = buf;
  }
  ERR_clear_error();
  return why;
}

std::string stamp(const std::string& file) {
  if (file.empty()) return {};
  struct stat st{};
  if (::stat(file.c_str(), &st) != 0) return "missing";
  return std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) +
         "." + std::to_string(st.st_mtim.tv_nsec);
}

}  // namespace

tls_context_holder::tls_context_holder(tls_settings settings) : _settings(std::move(settings)) {
  _stamps = stamps();
  _ctx = build();
}

std::vector<std::string> tls_context_holder::stamps() const {
  return {stamp(_settings.certificate_file), stamp(_settings.key_file), stamp(_settings.ca_file)};
}

std::shared_ptr<ssl::context> tls_context_holder::build() const {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  auto step = [&](const char* what, const std::string& file, auto&& fn) {
    boost::system::error_code ec;
    fn(ec);
    if (ec) throw std::runtime_error(std::string(what) + " '" + file + "': " + openssl_reason(ec));
  };
  if (_settings.certificate_file.empty()) throw std::runtime_error("ssl.certificate.location is required for TLS");
  if (_settings.key_file.empty()) throw std::runtime_error("ssl.key.location is required for TLS");
  if (!_settings.key_password.empty()) {
    std::string pw = _settings.key_password;
    ctx->set_password_callback([pw](std::size_t, ssl::context::password_purpose) { return pw; });
  }
  step("cannot load certificate", _settings.certificate_file,
       [&](auto& ec) { ctx->use_certificate_chain_file(_settings.certificate_file, ec); });
  step("cannot load private key", _settings.key_file,
       [&](auto& ec) { ctx->use_private_key_file(_settings.key_file, ssl::context::pem, ec); });
  if (SSL_CTX_check_private_key(native) != 1)
    throw std::runtime_error("private key '" + _settings.key_file + "' does not match certificate '" +
                             _settings.certificate_file + "'");
  if (!_settings.ca_file.empty()) {
    step("cannot load CA file", _settings.ca_file, [&](auto& ec) { ctx->load_verify_file(_settings.ca_file, ec); });
    // Tell clients which CAs we accept (helps clients holding several certificates pick the right one).
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(_settings.ca_file.c_str()))
      SSL_CTX_set_client_CA_list(native, names);
  } else if (_settings.auth != client_auth::none) {
    throw std::runtime_error("ssl.client.auth requires ssl.ca.location");
  }
  switch (_settings.auth) {
    case client_auth::none: ctx->set_verify_mode(ssl::verify_none); break;
    case client_auth::requested: ctx->set_verify_mode(ssl::verify_peer); break;
    case client_auth::required: ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert); break;
  }
  // Session resumption with client certificates needs a session id context.
  static const unsigned char sid[] = "streamdown";
  SSL_CTX_set_session_id_context(native, sid, sizeof sid - 1);
  return ctx;
}

std::string tls_context_holder::reload() {
  auto st = stamps();
  try {
    auto ctx = build();
    std::atomic_store(&_ctx, std::move(ctx));
    _stamps = std::move(st);
    ++_reloads;
    return {};
  } catch (const std::exception& e) {
    _stamps = std::move(st);  // do not retry the same broken files every tick; a new change retries
    return e.what();
  }
}

bool tls_context_holder::files_changed() const { return stamps() != _stamps; }

std::string verified_peer_subject(SSL* ssl) {
  if (!ssl) return {};
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (!cert) return {};
  std::string out;
  if (SSL_get_verify_result(ssl) == X509_V_OK) {
    if (BIO* bio = BIO_new(BIO_s_mem())) {
      X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
      char* data = nullptr;
      long n = BIO_get_mem_data(bio, &data);
      if (n > 0) out.assign(data, static_cast<std::size_t>(n));
      BIO_free(bio);
    }
  }
  X509_free(cert);
  return out;
}

}  // namespace sd::net
