#include "nectar/net/http_client.hpp"

#include <algorithm>
#include <unordered_map>

#include <spdlog/spdlog.h>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "transport.hpp"

namespace nectar::net {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return std::nullopt;
}

namespace {

using namespace detail;
namespace http = beast::http;

/// One pooled keep-alive connection: exactly one of plain/tls is set.
struct Conn {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<TlsStream> tls;
  beast::flat_buffer buffer;  // bytes read past the previous response (must be empty between requests)

  beast::tcp_stream& lowest() { return plain ? *plain : beast::get_lowest_layer(*tls); }
  void close() noexcept { close_quietly(lowest()); }
};

template <class Stream>
asio::awaitable<error_code> write_request(Stream& stream, http::request<http::string_body>& req) {
  auto [ec, n] = co_await http::async_write(stream, req, use_nothrow);
  co_return ec;
}

template <class Stream>
asio::awaitable<error_code> read_response(Stream& stream, beast::flat_buffer& buffer,
                                          http::response_parser<http::string_body>& parser) {
  auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_nothrow);
  co_return ec;
}

}  // namespace

struct HttpClient::Impl {
  Impl(asio::any_io_executor e, TlsConfig t) : ex(std::move(e)), tls_config(std::move(t)) {}

  asio::any_io_executor ex;
  TlsConfig tls_config;
  std::shared_ptr<ssl::context> tls_ctx;  // created on the first https request
  std::unordered_map<std::string, std::vector<std::unique_ptr<Conn>>> idle;  // origin -> idle connections
  std::size_t opened = 0;
  std::size_t max_idle_per_origin = 8;
  bool shut_down = false;  // the HttpClient is gone: close connections instead of pooling them

  std::unique_ptr<Conn> take_idle(const std::string& origin) {
    auto it = idle.find(origin);
    if (it == idle.end() || it->second.empty()) return nullptr;
    auto conn = std::move(it->second.back());  // most recently used: least likely to have timed out
    it->second.pop_back();
    return conn;
  }

  void release(const std::string& origin, std::unique_ptr<Conn> conn) {
    auto& list = idle[origin];
    if (shut_down || list.size() >= max_idle_per_origin || conn->buffer.size() != 0) {
      conn->close();
      return;
    }
    list.push_back(std::move(conn));
  }

  static asio::awaitable<HttpResponse> request(std::shared_ptr<Impl> self, HttpRequest req);
};

asio::awaitable<HttpResponse> HttpClient::Impl::request(std::shared_ptr<Impl> self, HttpRequest req) {
  const Url url = parse_url(req.url);
  if (url.scheme != "http" && url.scheme != "https") {
    throw UrlError("invalid URL '" + req.url + "': HttpClient needs http:// or https://");
  }
  const std::string origin = url.scheme + "://" + url.host + ":" + std::to_string(url.port);
  // Names the request in errors and logs: method, host and path only (queries can carry signatures).
  const std::string what = "HTTP " + req.method + " " + url.host_header() + std::string(url.path());
  const auto started = std::chrono::steady_clock::now();

  http::request<http::string_body> msg;
  const http::verb verb = http::string_to_verb(req.method);
  if (verb == http::verb::unknown) {
    msg.method_string(req.method);
  } else {
    msg.method(verb);
  }
  msg.target(url.target);
  msg.version(11);
  msg.set(http::field::host, url.host_header());
  msg.set(http::field::user_agent, "nectar/0.1");
  for (const auto& [name, value] : req.headers) {
    if (iequals(name, "host") || iequals(name, "user-agent")) {
      msg.set(name, value);
    } else {
      msg.insert(name, value);
    }
  }
  msg.body() = std::move(req.body);
  msg.keep_alive(true);
  msg.prepare_payload();

  Conn* current = nullptr;
  tcp::resolver resolver(self->ex);
  Watchdog watchdog(self->ex, started + req.timeout, [&] {
    resolver.cancel();
    if (current) current->close();
  });
  auto timeout_error = [&] {
    return NetError(NetErrorKind::kTimeout,
                    what + ": timed out after " + std::to_string(req.timeout.count()) + " ms");
  };

  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<Conn> conn = self->take_idle(origin);
    const bool reused = conn != nullptr;
    if (!conn) {
      conn = std::make_unique<Conn>();
      if (url.secure()) {
        if (!self->tls_ctx) self->tls_ctx = make_tls_context(self->tls_config);
        conn->tls = std::make_unique<TlsStream>(self->ex, *self->tls_ctx);
      } else {
        conn->plain = std::make_unique<beast::tcp_stream>(self->ex);
      }
      current = conn.get();
      co_await connect_tcp(resolver, conn->lowest(), url, watchdog, what);
      if (conn->tls) co_await tls_handshake(*conn->tls, url, watchdog, what);
      ++self->opened;
    }
    current = conn.get();
    // Only a reused keep-alive connection can be stale, and only the first time round.
    const bool may_retry = reused && attempt == 0;

    error_code ec;
    if (conn->plain) {
      ec = co_await write_request(*conn->plain, msg);
    } else {
      ec = co_await write_request(*conn->tls, msg);
    }
    if (ec) {
      current = nullptr;
      conn->close();
      if (watchdog.expired()) throw timeout_error();
      if (may_retry) {
        spdlog::debug("{}: stale keep-alive connection ({}), retrying on a new one", what, ec.message());
        continue;
      }
      throw NetError(is_disconnect(ec) ? NetErrorKind::kClosed : NetErrorKind::kProtocol,
                     what + ": sending the request failed: " + ec.message());
    }

    http::response_parser<http::string_body> parser;
    parser.body_limit(std::uint64_t{64} * 1024 * 1024);  // order book snapshots can be several MB
    parser.header_limit(64 * 1024);
    if (verb == http::verb::head) parser.skip(true);
    if (conn->plain) {
      ec = co_await read_response(*conn->plain, conn->buffer, parser);
    } else {
      ec = co_await read_response(*conn->tls, conn->buffer, parser);
    }
    if (ec) {
      current = nullptr;
      const bool nothing_read = !parser.got_some() && conn->buffer.size() == 0;
      conn->close();
      if (watchdog.expired()) throw timeout_error();
      if (may_retry && nothing_read && is_disconnect(ec)) {
        spdlog::debug("{}: stale keep-alive connection ({}), retrying on a new one", what, ec.message());
        continue;
      }
      const bool closed = is_disconnect(ec);
      throw NetError(
          closed ? NetErrorKind::kClosed : NetErrorKind::kProtocol,
          what + (closed ? ": connection closed before the response completed: " : ": malformed response: ") +
              ec.message());
    }
    current = nullptr;

    auto res = parser.release();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    out.headers.reserve(std::distance(res.begin(), res.end()));
    for (const auto& field : res)
      out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    out.body = std::move(res.body());
    if (res.keep_alive()) {
      self->release(origin, std::move(conn));
    } else {
      conn->close();
    }
    spdlog::debug(
        "{} -> {} in {} ms{}", what, out.status,
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
            .count(),
        reused ? " (reused connection)" : "");
    co_return out;
  }
}

HttpClient::HttpClient(boost::asio::any_io_executor ex, TlsConfig tls)
    : impl_(std::make_shared<Impl>(std::move(ex), std::move(tls))) {}

HttpClient::~HttpClient() {
  impl_->shut_down = true;
  close_idle();
}

boost::asio::awaitable<HttpResponse> HttpClient::request(HttpRequest req) {
  // Not a coroutine itself: the returned coroutine holds the Impl, not `this`.
  return Impl::request(impl_, std::move(req));
}

void HttpClient::close_idle() {
  for (auto& [origin, list] : impl_->idle) {
    for (auto& c : list) c->close();
  }
  impl_->idle.clear();
}

std::size_t HttpClient::connections_opened() const noexcept {
  return impl_->opened;
}

std::size_t HttpClient::idle_connections() const noexcept {
  std::size_t n = 0;
  for (const auto& [origin, list] : impl_->idle) n += list.size();
  return n;
}

void HttpClient::set_max_idle_per_origin(std::size_t n) noexcept {
  impl_->max_idle_per_origin = n;
}

}  // namespace nectar::net
