#include "nectar/connectors/bitget/errors.hpp"

#include <array>

#include "nectar/connectors/error_table.hpp"

namespace nectar::bitget {

namespace {

using K = ErrorKind;

// Bitget's codes (shared/protocols/bitget.md §6), spot and futures, tried in order.
constexpr std::array kRules = std::to_array<ErrorRule>({
    // "no such order"
    {"43001", K::kOrderNotFound},
    {"40768", K::kOrderNotFound},
    {"40109", K::kOrderNotFound},
    {"80011", K::kOrderNotFound},
    {"40819", K::kOrderNotFound},
    {"43020", K::kOrderNotFound},
    {"43025", K::kOrderNotFound},
    {"45057", K::kOrderNotFound},
    {"31007", K::kOrderNotFound},
    {"43033", K::kOrderNotFound},
    {"43004", K::kOrderNotFound},
    {"40006", K::kBadApiKey},
    {"40001", K::kBadApiKey},
    {"30011", K::kBadApiKey},
    {"40009", K::kBadSignature},
    {"40002", K::kBadSignature},
    {"30015", K::kBadSignature},
    {"40012", K::kBadPassphrase},
    {"40011", K::kBadPassphrase},
    {"30012", K::kBadPassphrase},
    {"40008", K::kTimestamp},
    {"40005", K::kTimestamp},
    {"40003", K::kTimestamp},
    {"30013", K::kTimestamp},
    {"30014", K::kTimestamp},
    {"40014", K::kPermission},
    {"40018", K::kPermission},
    {"40037", K::kPermission},
    {"429", K::kRateLimit},
    {"30006", K::kRateLimit},
    {"30007", K::kRateLimit},
    {"40010", K::kRateLimit},
    {"43012", K::kInsufficientBalance},
    {"40762", K::kInsufficientBalance},
    {"40754", K::kInsufficientBalance},
    {"43013", K::kInsufficientBalance},
    {"13009", K::kInsufficientBalance},
    {"43011", K::kInvalidPrice},
    {"40815", K::kInvalidPrice},
    // Size-or-price codes: the message says which.
    {"45110", K::kInvalidPrice, "price", "quantity"},
    {"45110", K::kInvalidAmount},
    {"45111", K::kInvalidPrice, "price", "quantity"},
    {"45111", K::kInvalidAmount},
    {"43006", K::kInvalidPrice, "price", "quantity"},
    {"43006", K::kInvalidAmount},
    {"40808", K::kInvalidPrice, "price", "quantity"},
    {"40808", K::kInvalidAmount},
    {"43008", K::kInvalidPrice, "price", "quantity"},
    {"43008", K::kInvalidAmount},
    {"40034", K::kUnknownSymbol, "symbol"},
    // The login failure event names the field that failed.
    {"30005", K::kBadPassphrase, "passphrase"},
    {"30005", K::kBadSignature, "sign"},
    {"30005", K::kTimestamp, "timestamp"},
    {"30005", K::kBadApiKey, "key"},
    {"30005", K::kOther},
    {"40017", K::kInvalidOrder},
    {"40019", K::kInvalidOrder},
    {"40020", K::kInvalidOrder},
    {"40034", K::kInvalidOrder},
    {"40007", K::kInvalidOrder},
    {"40774", K::kInvalidOrder},
    {"30016", K::kInvalidOrder},
});

constexpr std::array kWords = std::to_array<ErrorWords>({
    {K::kBadApiKey,
     "Bitget does not recognise the API key (check it, and that it belongs to this environment: demo keys "
     "only "
     "work for demo trading)"},
    {K::kBadSignature, "Bitget rejected the request signature: the secret key is wrong"},
    {K::kBadPassphrase, "Bitget rejected the passphrase: use the one chosen when the API key was created"},
    {K::kTimestamp,
     "Bitget rejected the request time: this machine's clock is more than 30 s off (resyncing)"},
    {K::kPermission, "the API key lacks the permission for this call, or this IP address is not whitelisted"},
    {K::kInsufficientBalance, "insufficient balance"},
    {K::kOrderNotFound, "Bitget does not know this order"},
    {K::kRateLimit, "rate limited by Bitget"},
    {K::kInvalidPrice, "invalid price"},
    {K::kInvalidAmount, "invalid order size"},
    {K::kUnknownSymbol, "unknown symbol"},
    {K::kInvalidOrder, "order rejected"},
});

constexpr ErrorTable kTable{"bitget", kRules, kWords, "request failed"};

}  // namespace

ErrorKind error_kind(std::string_view code, std::string_view message) {
  return match_error(kTable, code, message);
}

ExchangeError rest_error(std::string_view code, std::string_view message, int http_status,
                         std::string_view context) {
  return make_exchange_error(kTable, code, message, http_status, context);
}

ExchangeError ws_error(std::string_view code, std::string_view message) {
  return rest_error(code, message, 0, "stream");
}

}  // namespace nectar::bitget
