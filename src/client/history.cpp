#include "nectar/client/history.hpp"

#include <fmt/format.h>

#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace nectar::client {

std::vector<TradeSummary> summarize_fills(const std::vector<storage::StoredFill>& fills) {
  std::vector<TradeSummary> out;
  for (const auto& f : fills) {
    TradeSummary* s = nullptr;
    for (auto& x : out)
      if (x.exchange == f.connector && x.pair == f.pair) s = &x;
    if (!s) {
      out.emplace_back();
      s = &out.back();
      s->exchange = f.connector;
      s->pair = f.pair;
    }
    ++s->trades;
    const Decimal quote = f.price.mul(f.amount);
    if (f.trade_type == TradeType::kBuy) {
      ++s->buys;
      s->base_bought += f.amount;
      s->quote_spent += quote;
    } else {
      ++s->sells;
      s->base_sold += f.amount;
      s->quote_received += quote;
    }
    for (const auto& fee : f.fees) {
      s->fees[fee.token] += fee.amount;
      if (fee.token == f.pair.quote)
        s->fees_in_quote += fee.amount;
      else if (fee.token == f.pair.base)
        s->fees_in_quote += fee.amount.mul(f.price);
    }
  }
  for (auto& s : out) {
    if (s.base_bought.is_positive()) s.avg_buy_price = s.quote_spent.div(s.base_bought);
    if (s.base_sold.is_positive()) s.avg_sell_price = s.quote_received.div(s.base_sold);
    if (s.avg_buy_price && s.avg_sell_price) {
      const Decimal matched = Decimal::min(s.base_bought, s.base_sold);
      s.realized_pnl = matched.mul(*s.avg_sell_price - *s.avg_buy_price);
    }
    s.realized_pnl_net = s.realized_pnl - s.fees_in_quote;
  }
  return out;
}

Decimal unrealized_pnl(const TradeSummary& s, Decimal mid) {
  const Decimal open = s.open_base();
  if (open.is_positive() && s.avg_buy_price) return open.mul(mid - *s.avg_buy_price);
  if (open.is_negative() && s.avg_sell_price) return open.abs().mul(*s.avg_sell_price - mid);
  return Decimal{};
}

namespace {

std::string iso_time(int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buf, static_cast<int>(ms % 1000));
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string fees_text(const std::vector<TokenAmount>& fees) {
  std::string out;
  for (const auto& f : fees) out += (out.empty() ? "" : " ") + f.amount.to_string() + " " + f.token;
  return out;
}

}  // namespace

std::string format_history(const std::vector<storage::StoredFill>& all_fills, const std::string& config_name,
                           const HistoryOptions& options) {
  std::vector<storage::StoredFill> fills;
  for (const auto& f : all_fills)
    if (f.timestamp_ms >= options.since_ms) fills.push_back(f);
  if (fills.empty()) {
    if (options.since_ms > 0 && !all_fills.empty())
      return "  No trades for " + config_name + " since " + iso_time(options.since_ms) + " (" +
             std::to_string(all_fills.size()) + " before).\n";
    return "  No trades yet for " + config_name + ".\n";
  }
  std::ostringstream o;
  if (options.since_ms > 0) o << "  Since " << iso_time(options.since_ms) << "\n";
  for (const auto& s : summarize_fills(fills)) {
    const std::string& b = s.pair.base;
    const std::string& q = s.pair.quote;
    o << "  " << s.exchange << " " << s.pair.str() << " (" << config_name << ")\n";
    o << fmt::format("    {:<22}{} ({} buy, {} sell)\n", "Trades", s.trades, s.buys, s.sells);
    o << fmt::format("    {:<22}{} {} for {} {}{}\n", "Bought", s.base_bought.to_string(), b,
                     s.quote_spent.to_string(), q,
                     s.avg_buy_price ? " (avg price " + s.avg_buy_price->to_string_fixed(8) + ")" : "");
    o << fmt::format("    {:<22}{} {} for {} {}{}\n", "Sold", s.base_sold.to_string(), b,
                     s.quote_received.to_string(), q,
                     s.avg_sell_price ? " (avg price " + s.avg_sell_price->to_string_fixed(8) + ")" : "");
    std::string fees;
    for (const auto& [token, amount] : s.fees)
      fees += (fees.empty() ? "" : ", ") + amount.to_string() + " " + token;
    o << fmt::format("    {:<22}{}\n", "Fees", fees.empty() ? "0" : fees);
    o << fmt::format("    {:<22}{} {}\n", "Fees in " + q, s.fees_in_quote.to_string_fixed(8), q);
    o << fmt::format("    {:<22}{} {} on {} {} matched (before fees)\n", "Realized P&L",
                     s.realized_pnl.to_string_fixed(8), q,
                     Decimal::min(s.base_bought, s.base_sold).to_string(), b);
    o << fmt::format("    {:<22}{} {}\n", "Realized P&L - fees", s.realized_pnl_net.to_string_fixed(8), q);
    const auto mid = options.mids.find(s.exchange + " " + s.pair.str());
    if (mid == options.mids.end()) {
      o << fmt::format("    {:<22}n/a (no live price; connect {} to value the open {} {})\n",
                       "Unrealized P&L", s.exchange, s.open_base().to_string(), b);
    } else {
      const Decimal unrealized = unrealized_pnl(s, mid->second);
      o << fmt::format("    {:<22}{} {} on {} {} open at mid {}\n", "Unrealized P&L",
                       unrealized.to_string_fixed(8), q, s.open_base().to_string(), b,
                       mid->second.to_string());
      o << fmt::format("    {:<22}{} {}\n", "Total P&L - fees",
                       (s.realized_pnl_net + unrealized).to_string_fixed(8), q);
    }
  }
  if (!options.verbose) {
    o << "  (`history -v` lists every trade)\n";
    return o.str();
  }
  o << "  Trades:\n";
  for (const auto& f : fills) {
    o << fmt::format("    {}  {:<4} {} {} @ {}  fee {}  {}\n", iso_time(f.timestamp_ms),
                     f.trade_type == TradeType::kBuy ? "buy" : "sell", f.amount.to_string(), f.pair.base,
                     f.price.to_string(), fees_text(f.fees).empty() ? "0" : fees_text(f.fees),
                     f.is_maker ? "maker" : "taker");
  }
  return o.str();
}

void write_trades_csv(const std::vector<storage::StoredFill>& fills, const std::filesystem::path& file) {
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error(file.string() + ": cannot be written");
  out << "trade_id,timestamp,exchange,market,side,price,amount,quote_amount,fees,is_maker,client_order_id,"
         "exchange_order_id\n";
  for (const auto& f : fills) {
    out << csv_field(f.trade_id) << "," << iso_time(f.timestamp_ms) << "," << csv_field(f.connector) << ","
        << f.pair.str() << "," << (f.trade_type == TradeType::kBuy ? "buy" : "sell") << ","
        << f.price.to_string() << "," << f.amount.to_string() << "," << f.price.mul(f.amount).to_string()
        << "," << csv_field(fees_text(f.fees)) << "," << (f.is_maker ? "true" : "false") << ","
        << csv_field(f.client_order_id) << "," << csv_field(f.exchange_order_id) << "\n";
  }
  out.flush();
  if (!out) throw std::runtime_error(file.string() + ": cannot be written");
}

}  // namespace nectar::client
