#pragma once
// Errors of the security module (user store, ACL store, SCRAM). Only broker/ maps them to Kafka codes.

#include <system_error>

namespace sd::security {

enum class errc {
  io_error = 1,          // the store's file could not be read, written or synced
  corrupt_store,         // the store's file does not parse
  invalid_argument,      // a malformed user name, credential, ACL binding or filter
  not_found,             // no such user / credential
};

const std::error_category& error_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

}  // namespace sd::security

template <>
struct std::is_error_code_enum<sd::security::errc> : std::true_type {};
