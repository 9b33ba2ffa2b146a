// Internal to the Bitget connectors: reading Bitget's JSON (envelopes, decimal strings, fees) and building
// WebSocket frames. Included only by src/connectors/bitget/*.cpp (Boost.JSON stays out of public headers).
#pragma once

#include <algorithm>
#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nectar/connectors/bitget/errors.hpp"
#include "nectar/connectors/exchange_base.hpp"
#include "nectar/connectors/order_lifecycle.hpp"
#include "nectar/core/decimal.hpp"
#include "nectar/core/in_flight_order.hpp"
#include "nectar/json/readers.hpp"
#include "nectar/net/http_client.hpp"

namespace nectar::bitget {

namespace json = boost::json;

// Field readers are the shared ones (nectar/json/readers.hpp), under the names this folder uses.
/// Bitget sends `code` as a string in REST envelopes and as a number or string in WS events.
inline std::string code_of(const json::object& o) {
  return nectar::json::text_or_empty(o, "code");
}
using nectar::json::str_or;
inline std::optional<Decimal> dec(const json::object& o, std::string_view key) {
  return nectar::json::decimal(o, key);
}
inline Decimal dec_or_zero(const json::object& o, std::string_view key) {
  return nectar::json::decimal_or_zero(o, key);
}
/// 0 when missing, unreadable or out of range.
inline int64_t int_of(const json::object& o, std::string_view key) {
  return nectar::json::int_or(o, key, 0);
}

/// One element of the public `trade` channel ({"ts","price","size","side","tradeId"}, side = the taker's), or
/// nullopt when price, size or side is missing or unreadable.
inline std::optional<PublicTrade> public_trade_of(const json::object& t, const TradingPair& pair) {
  const auto price = dec(t, "price");
  const auto size = dec(t, "size");
  const std::string_view side = str_or(t, "side");
  if (!price || !size || !price->is_positive() || !size->is_positive() || (side != "buy" && side != "sell"))
    return std::nullopt;
  PublicTrade out;
  out.pair = pair;
  out.trade_id = std::string(str_or(t, "tradeId"));
  out.price = *price;
  out.amount = *size;
  out.taker_side = side == "buy" ? TradeType::kBuy : TradeType::kSell;
  out.timestamp_ms = int_of(t, "ts");
  return out;
}

inline const json::object& as_object(const json::value& v, std::string_view what) {
  if (!v.is_object())
    throw ExchangeError(ErrorKind::kBadResponse, "",
                        "bitget: " + std::string(what) + ": expected a JSON object");
  return v.get_object();
}

inline const json::array& as_array(const json::value& v, std::string_view what) {
  if (!v.is_array())
    throw ExchangeError(ErrorKind::kBadResponse, "",
                        "bitget: " + std::string(what) + ": expected a JSON list");
  return v.get_array();
}

/// Checks the envelope {"code":"00000","msg":...,"data":...} and returns `data`.
inline json::value unwrap(const net::HttpResponse& resp, std::string_view context) {
  boost::system::error_code ec;
  json::value doc = nectar::json::parse_exact(resp.body, ec);
  if (ec || !doc.is_object()) {
    throw ExchangeError(ErrorKind::kBadResponse, std::to_string(resp.status),
                        "bitget: " + std::string(context) + ": unreadable answer (HTTP " +
                            std::to_string(resp.status) + ", not a JSON envelope)");
  }
  const json::object& env = doc.get_object();
  const std::string code = code_of(env);
  if (code == "00000" && resp.ok()) {
    auto it = env.find("data");
    return it == env.end() ? json::value() : it->value();
  }
  throw rest_error(code, str_or(env, "msg"), resp.status, context);
}

inline OrderState state_of(std::string_view status) {
  if (status == "live" || status == "new" || status == "init") return OrderState::kOpen;
  if (status == "partially_filled") return OrderState::kPartiallyFilled;
  if (status == "filled") return OrderState::kFilled;
  if (status == "cancelled" || status == "canceled") return OrderState::kCanceled;
  throw ExchangeError(ErrorKind::kBadResponse, "",
                      "bitget: unknown order status '" + std::string(status) + "'");
}

/// Fee as charged, positive when paid: Bitget reports charges as negative numbers (rebates positive).
inline TradeFee fee_of(std::string_view coin, Decimal bitget_signed_fee) {
  TradeFee fee;
  const Decimal paid = -bitget_signed_fee;
  if (!coin.empty() && !paid.is_zero()) fee.flat_fees.push_back({std::string(coin), paid});
  return fee;
}

/// `feeDetail` of a fill (REST: object; `fill` channel: list of one object).
inline TradeFee fill_fee(const json::value* detail) {
  if (!detail) return {};
  const json::object* o = nullptr;
  if (detail->is_object())
    o = &detail->get_object();
  else if (detail->is_array() && !detail->get_array().empty() && detail->get_array()[0].is_object())
    o = &detail->get_array()[0].get_object();
  if (!o) return {};
  if (str_or(*o, "deduction") == "yes") {
    // Paid in BGB through the deduction programme.
    TradeFee fee;
    const Decimal paid = dec_or_zero(*o, "totalDeductionFee").abs();
    if (!paid.is_zero()) fee.flat_fees.push_back({"BGB", paid});
    return fee;
  }
  return fee_of(str_or(*o, "feeCoin"), dec_or_zero(*o, "totalFee"));
}

/// Field names of one fill as a Bitget endpoint writes them (spot REST and the `fill` channel: priceAvg /
/// size / amount; futures REST: price / baseVolume / quoteVolume).
struct FillKeys {
  std::string_view price = "priceAvg";
  std::string_view base = "size";
  std::string_view quote = "amount";
};
inline constexpr FillKeys kFuturesFillKeys{"price", "baseVolume", "quoteVolume"};

/// One fill object → TradeUpdate (ids, price, amounts, fee with Bitget's sign undone, time, maker flag).
/// Client order id and pair are the caller's to set.
inline TradeUpdate trade_of(const json::object& f, FillKeys keys = {}) {
  TradeUpdate t;
  t.trade_id = std::string(str_or(f, "tradeId"));
  t.exchange_order_id = std::string(str_or(f, "orderId"));
  t.fill_price = dec_or_zero(f, keys.price);
  t.fill_base_amount = dec_or_zero(f, keys.base);
  t.fill_quote_amount = dec(f, keys.quote).value_or(t.fill_price.mul(t.fill_base_amount));
  auto fd = f.find("feeDetail");
  t.fee = fill_fee(fd == f.end() ? nullptr : &fd->value());
  t.fill_timestamp_ms = int_of(f, "cTime");
  t.is_maker = str_or(f, "tradeScope") == "maker";
  return t;
}

/// Oldest first, so that fill events come in execution order.
inline void sort_by_time(std::vector<TradeUpdate>& fills) {
  std::sort(fills.begin(), fills.end(), [](const TradeUpdate& a, const TradeUpdate& b) {
    return a.fill_timestamp_ms < b.fill_timestamp_ms;
  });
}

inline std::string side_of(TradeType side) {
  return side == TradeType::kBuy ? "buy" : "sell";
}

inline std::string arg_json(std::string_view inst_type, std::string_view channel, std::string_view key,
                            std::string_view inst) {
  json::object a;
  a["instType"] = inst_type;
  a["channel"] = channel;
  a[key] = inst;
  return json::serialize(a);
}

inline std::string op_message(std::string_view op, const std::vector<std::string>& args) {
  std::string m = R"({"op":")";
  m.append(op).append(R"(","args":[)");
  for (std::size_t i = 0; i < args.size(); ++i) m.append(i ? "," : "").append(args[i]);
  m.append("]}");
  return m;
}

}  // namespace nectar::bitget
