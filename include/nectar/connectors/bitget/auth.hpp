// Bitget V2 request signing (REST headers and WebSocket login), exactly as the exchange verifies it.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nectar::bitget {

/// base64(HMAC-SHA256(secret, timestamp + METHOD + path + ("?" + query if any) + body)).
/// `query` is the raw query text as sent on the wire; the secret is used as given (ASCII).
std::string sign(std::string_view secret, std::string_view timestamp_ms, std::string_view method,
                 std::string_view path, std::string_view query, std::string_view body);

/// The prehash string signed by sign() (exposed for tests and for the simulator's verification).
std::string prehash(std::string_view timestamp, std::string_view method, std::string_view path,
                    std::string_view query, std::string_view body);

/// Headers for a private REST call: ACCESS-KEY, ACCESS-SIGN, ACCESS-TIMESTAMP, ACCESS-PASSPHRASE,
/// Content-Type, locale, plus `paptrading: 1` for demo trading.
std::vector<std::pair<std::string, std::string>> auth_headers(
    std::string_view api_key, std::string_view secret, std::string_view passphrase,
    std::string_view timestamp_ms, std::string_view method, std::string_view path, std::string_view query,
    std::string_view body, bool demo);

/// The WebSocket login frame: sign over timestamp + "GET" + "/user/verify", timestamp in seconds.
std::string ws_login_message(std::string_view api_key, std::string_view secret, std::string_view passphrase,
                             std::string_view timestamp_s);

}  // namespace nectar::bitget
