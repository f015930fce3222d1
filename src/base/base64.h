#pragma once
// Standard base64 with padding (RFC 4648), as SCRAM messages and the security stores use it. Decoding is
// strict: no whitespace, '=' only as the last one or two characters; anything else is nullopt.

#include <optional>
#include <string>
#include <string_view>

namespace sd {

std::string b64_encode(std::string_view in);
std::optional<std::string> b64_decode(std::string_view in);

}  // namespace sd
