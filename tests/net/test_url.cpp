#include <gtest/gtest.h>

#include "nectar/net/url.hpp"

using namespace nectar::net;

TEST(Url, DefaultsPortsPerScheme) {
  EXPECT_EQ(parse_url("http://example.com/a").port, 80);
  EXPECT_EQ(parse_url("ws://example.com/a").port, 80);
  EXPECT_EQ(parse_url("https://example.com/a").port, 443);
  EXPECT_EQ(parse_url("wss://example.com/a").port, 443);
  EXPECT_TRUE(parse_url("wss://example.com").secure());
  EXPECT_FALSE(parse_url("http://example.com").secure());
}

TEST(Url, SplitsHostPortTarget) {
  const Url u =
      parse_url("HTTPS://api.bitget.com:8443/api/v2/spot/market/orderbook?symbol=BTCUSDT&limit=5#frag");
  EXPECT_EQ(u.scheme, "https");
  EXPECT_EQ(u.host, "api.bitget.com");
  EXPECT_EQ(u.port, 8443);
  EXPECT_EQ(u.target, "/api/v2/spot/market/orderbook?symbol=BTCUSDT&limit=5");
  EXPECT_EQ(u.path(), "/api/v2/spot/market/orderbook");
  EXPECT_EQ(u.query(), "symbol=BTCUSDT&limit=5");
  EXPECT_EQ(u.host_header(), "api.bitget.com:8443");
}

TEST(Url, EmptyPathBecomesSlash) {
  EXPECT_EQ(parse_url("http://127.0.0.1:8080").target, "/");
  EXPECT_EQ(parse_url("http://127.0.0.1:8080?x=1").target, "/?x=1");
  EXPECT_EQ(parse_url("http://127.0.0.1").host_header(), "127.0.0.1");
}

TEST(Url, KeepsQueryBytesVerbatim) {
  // Signatures hash the raw query: no re-encoding, even of characters RFC 3986 does not allow.
  const std::string q = "symbols=[\"BTCUSDT\",\"ETHUSDT\"]&t=%2F%20x&sig=ab+cd|ef";
  const Url u = parse_url("https://api.example.com/v1/ticker?" + q);
  EXPECT_EQ(u.query(), q);
  EXPECT_EQ(u.target, "/v1/ticker?" + q);
}

TEST(Url, Ipv6Literal) {
  const Url u = parse_url("http://[::1]:9000/x");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 9000);
  EXPECT_EQ(u.host_header(), "[::1]:9000");
}

TEST(Url, RejectsBadUrlsWithClearMessages) {
  auto message = [](const std::string& text) {
    try {
      parse_url(text);
    } catch (const UrlError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("ftp://example.com/").find("unsupported scheme 'ftp'"), std::string::npos);
  EXPECT_NE(message("example.com/path").find("expected scheme://host"), std::string::npos);
  EXPECT_NE(message("http:///path").find("invalid URL 'http:///path'"), std::string::npos);
  EXPECT_NE(message("http://host:99999/").find("bad port"), std::string::npos);
  EXPECT_NE(message("http://host:0/").find("bad port"), std::string::npos);
  EXPECT_NE(message("http://host:abc/").find("invalid URL"), std::string::npos);
  EXPECT_NE(message("http://host/a b").find("whitespace"), std::string::npos);
  EXPECT_NE(message("http://ho st/").find("invalid URL"), std::string::npos);
  EXPECT_THROW(parse_url(""), UrlError);
}

TEST(Url, PercentDecode) {
  EXPECT_EQ(percent_decode("a%20b+c"), "a b c");
  EXPECT_EQ(percent_decode("a%20b+c", false), "a b+c");
  EXPECT_EQ(percent_decode("%2f%2F"), "//");
  EXPECT_EQ(percent_decode("100%"), "100%");  // malformed escapes stay as they are
  EXPECT_EQ(percent_decode("%zz%4"), "%zz%4");
}

TEST(Url, FindQueryParam) {
  const std::string q = "symbol=BTC%2DUSDT&limit=&flag&name=a+b&symbol=second";
  EXPECT_EQ(find_query_param(q, "symbol"), "BTC-USDT");  // first occurrence wins
  EXPECT_EQ(find_query_param(q, "limit"), "");
  EXPECT_EQ(find_query_param(q, "flag"), "");
  EXPECT_EQ(find_query_param(q, "name"), "a b");
  EXPECT_EQ(find_query_param(q, "missing"), std::nullopt);
  EXPECT_EQ(find_query_param("", "x"), std::nullopt);
}
