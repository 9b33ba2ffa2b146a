// Signing primitives every exchange uses (HMAC-SHA256/512, base64, hex), on OpenSSL.
#pragma once

#include <string>
#include <string_view>

namespace nectar {

std::string hmac_sha256(std::string_view key, std::string_view message);  ///< raw 32 bytes
std::string hmac_sha512(std::string_view key, std::string_view message);  ///< raw 64 bytes
std::string sha256(std::string_view message);                             ///< raw 32 bytes
std::string base64_encode(std::string_view bytes);
std::string hex_encode(std::string_view bytes);  ///< lower case
/// Percent-encodes a query component (RFC 3986 unreserved characters kept).
std::string url_encode(std::string_view text);

}  // namespace nectar
