// URL parsing for the transport clients, and query-string helpers shared with the simulator.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace nectar::net {

/// Thrown by parse_url for text that is not an absolute http/https/ws/wss URL. The message quotes the URL.
class UrlError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// An absolute URL split into what a client needs to connect and send a request line.
struct Url {
  std::string scheme;  ///< lower case: "http", "https", "ws" or "wss"
  std::string host;    ///< without brackets for IPv6 literals (e.g. "::1")
  uint16_t port = 0;   ///< explicit port, or the scheme default (80 for http/ws, 443 for https/wss)
  std::string
      target;  ///< path + "?" + query exactly as given (never re-encoded); "/" when empty; no fragment

  /// True for https and wss.
  bool secure() const noexcept { return scheme == "https" || scheme == "wss"; }
  /// The value for a Host header: the host (bracketed if IPv6) plus ":port" when not the default.
  std::string host_header() const;
  /// The target's path part (before '?').
  std::string_view path() const noexcept;
  /// The target's raw query (after '?', undecoded), or "" when absent.
  std::string_view query() const noexcept;
};

/// Parses an absolute http(s)/ws(s) URL. The scheme and authority are validated with Boost.URL; the target is
/// kept byte-for-byte (exchange signatures hash the raw query) and only rejected if it holds whitespace or
/// control characters. Throws UrlError naming the URL and the problem.
Url parse_url(std::string_view text);

/// Decodes %XX escapes and, when plus_as_space is true, '+' as a space. Malformed escapes are kept verbatim.
std::string percent_decode(std::string_view text, bool plus_as_space = true);

/// The decoded value of the first `key` in a raw query string ("a=1&b=x%20y"), or nullopt if absent.
/// Keys are compared after decoding. A key with no '=' has an empty value.
std::optional<std::string> find_query_param(std::string_view raw_query, std::string_view key);

}  // namespace nectar::net
