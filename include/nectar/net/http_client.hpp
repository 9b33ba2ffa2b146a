// Asynchronous HTTP/1.1 client (http and https) with per-origin keep-alive connection pools.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "nectar/net/error.hpp"

namespace nectar::net {

/// TLS settings shared by the HTTP and WebSocket clients.
struct TlsConfig {
  /// Extra PEM file of trusted CA certificates, added to the system store (tests use a private CA).
  std::string extra_ca_file;
};

/// One HTTP request.
struct HttpRequest {
  std::string method = "GET";  ///< any token; "GET", "POST", "DELETE", ...
  /// Full URL http(s)://host[:port]/path?query. The target (path and query) is sent byte-for-byte as given,
  /// since exchange signatures hash the raw query.
  std::string url;
  /// Extra headers, sent as given; a "Host" or "User-Agent" here replaces the default.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// Deadline for the whole request: resolve, connect, TLS, write and read, including a stale-connection
  /// retry.
  std::chrono::milliseconds timeout{10000};
};

/// A complete response. Any status is returned as-is (HttpClient never throws for 4xx/5xx).
struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  /// Value of the first header named `name`, compared case-insensitively.
  std::optional<std::string> header(std::string_view name) const;
  /// 2xx.
  bool ok() const noexcept { return status >= 200 && status < 300; }
};

/// Sends HTTP/1.1 requests over pooled keep-alive connections, one pool per scheme/host/port.
/// An idle connection is reused; when all are busy another is opened. A reused connection that fails before
/// any byte of the response arrived (the server closed it while idle) is dropped and the request is retried
/// once on a fresh connection. HTTPS verifies the certificate chain against the system store, sends SNI and
/// checks the host name. Sends Host, User-Agent "nectar/0.1" and Content-Length (whenever there is a body or
/// the method is not GET/HEAD). Logs method, host and path at debug level, never header values or bodies.
///
/// Thread affinity: all calls on the executor given at construction (one io_context thread); concurrent
/// request() coroutines on that thread are fine. Errors: NetError (kConnect, kTls, kTimeout, kClosed,
/// kProtocol); UrlError for a malformed URL.
class HttpClient {
 public:
  explicit HttpClient(boost::asio::any_io_executor ex, TlsConfig tls = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// Performs one request and returns the full response.
  boost::asio::awaitable<HttpResponse> request(HttpRequest req);

  /// Closes every idle pooled connection (busy ones are closed when their request finishes).
  void close_idle();
  /// Connections opened so far (tests use it to observe keep-alive reuse).
  std::size_t connections_opened() const noexcept;
  /// Idle connections currently pooled, over all origins.
  std::size_t idle_connections() const noexcept;

  /// Maximum idle connections kept per origin (default 8); extra ones are closed on release.
  void set_max_idle_per_origin(std::size_t n) noexcept;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace nectar::net
