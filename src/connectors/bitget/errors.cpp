#include "nectar/connectors/bitget/errors.hpp"

#include <array>
#include <cctype>
#include <string>

namespace nectar::bitget {

namespace {

bool contains(std::string_view text, std::string_view word) {
  if (word.size() > text.size()) return false;
  for (std::size_t i = 0; i + word.size() <= text.size(); ++i) {
    bool same = true;
    for (std::size_t j = 0; j < word.size() && same; ++j) {
      same = std::tolower(static_cast<unsigned char>(text[i + j])) ==
             std::tolower(static_cast<unsigned char>(word[j]));
    }
    if (same) return true;
  }
  return false;
}

// Codes Bitget uses for "no such order" across spot and futures (shared/protocols/bitget.md §6).
constexpr std::array<std::string_view, 11> kNotFound = {"43001", "40768", "40109", "80011", "40819", "43020",
                                                        "43025", "45057", "31007", "43033", "43004"};

std::string_view plain_words(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kBadApiKey:
      return "Bitget does not recognise the API key (check it, and that it belongs to this environment: demo "
             "keys only work for demo trading)";
    case ErrorKind::kBadSignature:
      return "Bitget rejected the request signature: the secret key is wrong";
    case ErrorKind::kBadPassphrase:
      return "Bitget rejected the passphrase: use the one chosen when the API key was created";
    case ErrorKind::kTimestamp:
      return "Bitget rejected the request time: this machine's clock is more than 30 s off (resyncing)";
    case ErrorKind::kPermission:
      return "the API key lacks the permission for this call, or this IP address is not whitelisted";
    case ErrorKind::kInsufficientBalance:
      return "insufficient balance";
    case ErrorKind::kOrderNotFound:
      return "Bitget does not know this order";
    case ErrorKind::kRateLimit:
      return "rate limited by Bitget";
    case ErrorKind::kInvalidPrice:
      return "invalid price";
    case ErrorKind::kInvalidAmount:
      return "invalid order size";
    case ErrorKind::kUnknownSymbol:
      return "unknown symbol";
    case ErrorKind::kInvalidOrder:
      return "order rejected";
    default:
      return "request failed";
  }
}

}  // namespace

ErrorKind error_kind(std::string_view code, std::string_view message) {
  for (auto c : kNotFound)
    if (code == c) return ErrorKind::kOrderNotFound;
  if (code == "40006" || code == "40001" || code == "30011") return ErrorKind::kBadApiKey;
  if (code == "40009" || code == "40002" || code == "30015") return ErrorKind::kBadSignature;
  if (code == "40012" || code == "40011" || code == "30012") return ErrorKind::kBadPassphrase;
  if (code == "40008" || code == "40005" || code == "40003" || code == "30013" || code == "30014")
    return ErrorKind::kTimestamp;
  if (code == "40014" || code == "40018" || code == "40037") return ErrorKind::kPermission;
  if (code == "429" || code == "30006" || code == "30007" || code == "40010") return ErrorKind::kRateLimit;
  if (code == "43012" || code == "40762" || code == "40754" || code == "43013" || code == "13009")
    return ErrorKind::kInsufficientBalance;
  if (code == "43011" || code == "40815") return ErrorKind::kInvalidPrice;
  if (code == "45110" || code == "45111" || code == "43006" || code == "40808" || code == "43008")
    return contains(message, "price") && !contains(message, "quantity") ? ErrorKind::kInvalidPrice
                                                                        : ErrorKind::kInvalidAmount;
  if (code == "40034" && contains(message, "symbol")) return ErrorKind::kUnknownSymbol;
  if (code == "30005") {
    // The login failure event names the field that failed.
    if (contains(message, "passphrase")) return ErrorKind::kBadPassphrase;
    if (contains(message, "sign")) return ErrorKind::kBadSignature;
    if (contains(message, "timestamp")) return ErrorKind::kTimestamp;
    if (contains(message, "key")) return ErrorKind::kBadApiKey;
    return ErrorKind::kOther;
  }
  if (code == "40017" || code == "40019" || code == "40020" || code == "40034" || code == "40007" ||
      code == "40774" || code == "30016")
    return ErrorKind::kInvalidOrder;
  return ErrorKind::kOther;
}

ExchangeError rest_error(std::string_view code, std::string_view message, int http_status,
                         std::string_view context) {
  const ErrorKind kind = error_kind(code, message);
  std::string text = "bitget: ";
  if (!context.empty()) text.append(context).append(": ");
  text.append(plain_words(kind));
  text.append(" (code ").append(code.empty() ? "none" : code);
  if (!message.empty()) text.append(": ").append(message);
  if (http_status != 0) text.append(", HTTP ").append(std::to_string(http_status));
  text.append(")");
  return ExchangeError(kind, std::string(code), text);
}

ExchangeError ws_error(std::string_view code, std::string_view message) {
  return rest_error(code, message, 0, "stream");
}

}  // namespace nectar::bitget
