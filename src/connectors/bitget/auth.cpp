#include "nectar/connectors/bitget/auth.hpp"

#include <boost/json.hpp>

#include "nectar/connectors/signing.hpp"

namespace nectar::bitget {

std::string prehash(std::string_view timestamp, std::string_view method, std::string_view path,
                    std::string_view query, std::string_view body) {
  std::string s;
  s.reserve(timestamp.size() + method.size() + path.size() + query.size() + body.size() + 1);
  s.append(timestamp).append(method).append(path);
  if (!query.empty()) s.append("?").append(query);
  s.append(body);
  return s;
}

std::string sign(std::string_view secret, std::string_view timestamp_ms, std::string_view method,
                 std::string_view path, std::string_view query, std::string_view body) {
  return base64_encode(hmac_sha256(secret, prehash(timestamp_ms, method, path, query, body)));
}

std::vector<std::pair<std::string, std::string>> auth_headers(
    std::string_view api_key, std::string_view secret, std::string_view passphrase,
    std::string_view timestamp_ms, std::string_view method, std::string_view path, std::string_view query,
    std::string_view body, bool demo) {
  std::vector<std::pair<std::string, std::string>> h{
      {"ACCESS-KEY", std::string(api_key)},
      {"ACCESS-SIGN", sign(secret, timestamp_ms, method, path, query, body)},
      {"ACCESS-TIMESTAMP", std::string(timestamp_ms)},
      {"ACCESS-PASSPHRASE", std::string(passphrase)},
      {"Content-Type", "application/json"},
      {"locale", "en-US"},
  };
  if (demo) h.emplace_back("paptrading", "1");
  return h;
}

std::string ws_login_message(std::string_view api_key, std::string_view secret, std::string_view passphrase,
                             std::string_view timestamp_s) {
  boost::json::object arg{{"apiKey", api_key},
                          {"passphrase", passphrase},
                          {"timestamp", timestamp_s},
                          {"sign", sign(secret, timestamp_s, "GET", "/user/verify", "", "")}};
  boost::json::object msg{{"op", "login"}, {"args", boost::json::array{arg}}};
  return boost::json::serialize(msg);
}

}  // namespace nectar::bitget
