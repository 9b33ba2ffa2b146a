#include "nectar/net/url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace nectar::net {
namespace {

[[noreturn]] void fail(std::string_view text, std::string_view why) {
  throw UrlError("invalid URL '" + std::string(text) + "': " + std::string(why));
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string Url::host_header() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  std::string out = ipv6 ? "[" + host + "]" : host;
  const uint16_t default_port = secure() ? 443 : 80;
  if (port != default_port) out += ":" + std::to_string(port);
  return out;
}

std::string_view Url::path() const noexcept {
  std::string_view t = target;
  return t.substr(0, t.find('?'));
}

std::string_view Url::query() const noexcept {
  std::string_view t = target;
  const auto q = t.find('?');
  return q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
}

Url parse_url(std::string_view text) {
  const auto sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) fail(text, "expected scheme://host");
  Url url;
  url.scheme = lower(text.substr(0, sep));
  uint16_t default_port = 0;
  if (url.scheme == "http" || url.scheme == "ws") {
    default_port = 80;
  } else if (url.scheme == "https" || url.scheme == "wss") {
    default_port = 443;
  } else {
    fail(text, "unsupported scheme '" + url.scheme + "' (expected http, https, ws or wss)");
  }

  // Boost.URL validates scheme and authority; the target is kept raw because it may legitimately carry
  // characters (e.g. '[' or '"' in exchange queries) that a strict RFC 3986 parser rejects, and because the
  // exact bytes are what the exchange signs.
  const auto authority_end = text.find_first_of("/?#", sep + 3);
  const std::string_view prefix = text.substr(0, authority_end);
  auto parsed = boost::urls::parse_uri(prefix);
  if (!parsed) fail(text, parsed.error().message());
  const boost::urls::url_view& u = *parsed;
  if (!u.has_authority() || u.encoded_host().empty()) fail(text, "missing host");
  url.host = u.host_address();
  if (u.has_port()) {
    const std::string_view p = u.port();
    unsigned value = 0;
    const auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
    if (p.empty() || ec != std::errc{} || ptr != p.data() + p.size() || value == 0 || value > 65535) {
      fail(text, "bad port '" + std::string(p) + "'");
    }
    url.port = static_cast<uint16_t>(value);
  } else {
    url.port = default_port;
  }

  std::string_view rest =
      authority_end == std::string_view::npos ? std::string_view{} : text.substr(authority_end);
  rest = rest.substr(0, rest.find('#'));
  for (const char c : rest) {
    const auto uc = static_cast<unsigned char>(c);
    if (uc <= 0x20 || uc == 0x7f) fail(text, "whitespace or control character in path/query");
  }
  if (rest.empty() || rest.front() == '?') url.target = "/";
  url.target += rest;
  return url;
}

std::string percent_decode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_as_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::optional<std::string> find_query_param(std::string_view raw_query, std::string_view key) {
  while (!raw_query.empty()) {
    const auto amp = raw_query.find('&');
    const std::string_view pair = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view{} : raw_query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    const std::string_view k = pair.substr(0, eq);
    if (percent_decode(k) != key) continue;
    return eq == std::string_view::npos ? std::string{} : percent_decode(pair.substr(eq + 1));
  }
  return std::nullopt;
}

}  // namespace nectar::net
