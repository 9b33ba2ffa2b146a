// Typed transport errors shared by the HTTP and WebSocket clients.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace nectar::net {

/// What part of a network exchange failed. Callers branch on this instead of parsing messages.
enum class NetErrorKind {
  kConnect,     ///< DNS resolution or TCP connect failed
  kTls,         ///< TLS handshake or certificate/hostname verification failed
  kTimeout,     ///< the operation did not finish within its deadline
  kClosed,      ///< the peer (or we) closed the connection
  kProtocol,    ///< malformed URL, HTTP or WebSocket data
  kHttpStatus,  ///< an HTTP response had an unexpected status (raised by callers, not by HttpClient)
};

/// "connect", "tls", "timeout", "closed", "protocol", "http_status".
std::string_view to_string(NetErrorKind kind);

/// A transport failure. what() names the host and the step that failed, never header values.
class NetError : public std::runtime_error {
 public:
  NetError(NetErrorKind kind, const std::string& message, int http_status = 0)
      : std::runtime_error(message), kind_(kind), http_status_(http_status) {}

  NetErrorKind kind() const noexcept { return kind_; }
  /// The HTTP status for kHttpStatus errors; 0 otherwise.
  int http_status() const noexcept { return http_status_; }

 private:
  NetErrorKind kind_;
  int http_status_;
};

}  // namespace nectar::net
