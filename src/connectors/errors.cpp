#include "nectar/connectors/errors.hpp"

namespace nectar {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInsufficientBalance:
      return "insufficient balance";
    case ErrorKind::kOrderNotFound:
      return "order not found";
    case ErrorKind::kOrderAlreadyDone:
      return "order already filled or cancelled";
    case ErrorKind::kBadApiKey:
      return "invalid API key";
    case ErrorKind::kBadSignature:
      return "invalid signature (check the secret key)";
    case ErrorKind::kBadPassphrase:
      return "invalid passphrase";
    case ErrorKind::kTimestamp:
      return "request timestamp rejected (clock out of sync)";
    case ErrorKind::kPermission:
      return "permission denied";
    case ErrorKind::kRateLimit:
      return "rate limited";
    case ErrorKind::kInvalidPrice:
      return "invalid price";
    case ErrorKind::kInvalidAmount:
      return "invalid amount";
    case ErrorKind::kInvalidOrder:
      return "order rejected";
    case ErrorKind::kUnknownSymbol:
      return "unknown trading pair";
    case ErrorKind::kNetwork:
      return "network error";
    case ErrorKind::kBadResponse:
      return "unexpected response";
    case ErrorKind::kOther:
      return "exchange error";
  }
  return "exchange error";
}

}  // namespace nectar
