// Typed errors of the connector layer: callers branch on the kind, users read the message.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace nectar {

enum class ErrorKind : uint8_t {
  kInsufficientBalance,
  kOrderNotFound,
  kOrderAlreadyDone,  ///< a cancel of an order already filled or cancelled (BitMart 50031, BitMEX "state:
                      ///< Filled")
  kBadApiKey,         ///< key unknown or invalid
  kBadSignature,      ///< secret wrong (signature does not verify)
  kBadPassphrase,     ///< passphrase / memo wrong
  kTimestamp,         ///< request timestamp outside the exchange's window (clock drift)
  kPermission,        ///< key lacks the permission, or IP not whitelisted
  kRateLimit,
  kInvalidPrice,
  kInvalidAmount,  ///< size below minimum, wrong step, notional too small
  kInvalidOrder,   ///< other rejections (post-only would cross, wrong position mode, ...)
  kUnknownSymbol,
  kNetwork,      ///< transport failure, timeout, 5xx
  kBadResponse,  ///< malformed or unexpected reply
  kOther,
};

std::string_view to_string(ErrorKind kind);

/// An error reported by (or while talking to) an exchange. `code` is the exchange's own code when it gave
/// one. The message is safe to show: it never carries keys, secrets or signatures.
class ExchangeError : public std::runtime_error {
 public:
  ExchangeError(ErrorKind kind, std::string code, const std::string& message)
      : std::runtime_error(message), kind_(kind), code_(std::move(code)) {}
  ErrorKind kind() const { return kind_; }
  const std::string& code() const { return code_; }
  /// True when retrying the same request later may succeed.
  bool retryable() const { return kind_ == ErrorKind::kNetwork || kind_ == ErrorKind::kRateLimit; }

 private:
  ErrorKind kind_;
  std::string code_;
};

}  // namespace nectar
