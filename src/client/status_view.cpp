#include "nectar/client/status_view.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "nectar/client/history.hpp"
#include "nectar/core/clock.hpp"
#include "text.hpp"

namespace nectar::client {

namespace {

std::string opt(const std::optional<Decimal>& d) {
  return d ? d->to_string() : "-";
}

std::string age_text(int64_t s) {
  if (s < 0) s = 0;
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return fmt::format("{}m{:02d}s", s / 60, s % 60);
  return fmt::format("{}h{:02d}m", s / 3600, (s / 60) % 60);
}

}  // namespace

StatusSnapshot take_status_snapshot(const Connector& connector, const TradingPair& pair,
                                    const std::vector<std::string>& order_ids) {
  StatusSnapshot s;
  s.exchange = connector.name();
  s.pair = pair;
  s.now_ms = wall_clock_ms();
  if (const OrderBook* book = connector.order_book(pair)) {
    s.best_bid = book->best_bid();
    s.best_ask = book->best_ask();
    s.mid = book->mid_price();
  }
  s.last_trade = connector.last_trade_price(pair);
  for (const auto& b : connector.balances())
    if (b.asset == pair.base || b.asset == pair.quote) s.balances.push_back(b);
  if (const auto* perp = dynamic_cast<const PerpetualConnector*>(&connector)) {
    for (const auto& p : perp->positions())
      if (p.pair == pair) s.positions.push_back(p);
  }
  for (const auto& id : order_ids) {
    const InFlightOrder* o = connector.order(id);
    if (!o || o->is_done()) continue;
    s.orders.push_back({o->trade_type(), o->price(), o->amount(), o->executed_base(),
                        std::string(to_string(o->state())), id,
                        (s.now_ms - o->creation_timestamp_ms()) / 1000});
  }
  std::sort(s.orders.begin(), s.orders.end(), [](const auto& a, const auto& b) {
    if (a.side != b.side) return a.side == TradeType::kSell;  // asks above bids, like a book
    return a.price > b.price;
  });
  return s;
}

std::string render_status(const StatusSnapshot& s) {
  std::ostringstream o;
  const std::optional<Decimal>& mid = s.mid;
  std::string spread = "-";
  if (mid && mid->is_positive())
    spread = ((*s.best_ask - *s.best_bid).div(*mid).mul(Decimal::from_int(100))).to_string_fixed(4) + " %";
  o << fmt::format("  Market     {} {}   bid {}   ask {}   mid {}   spread {}   last trade {}\n", s.exchange,
                   s.pair.str(), opt(s.best_bid), opt(s.best_ask), opt(mid), spread, opt(s.last_trade));

  std::vector<std::vector<std::string>> rows;
  for (const auto& b : s.balances) rows.push_back({b.asset, b.total.to_string(), b.available.to_string()});
  if (rows.empty())
    o << "  Balances   none\n";
  else
    o << "  Balances\n" << table({"Asset", "Total", "Available"}, rows);

  if (!s.positions.empty()) {
    rows.clear();
    for (const auto& p : s.positions)
      rows.push_back({p.side == PositionSide::kShort ? "short" : "long", p.amount.to_string(),
                      p.entry_price.to_string(), p.unrealized_pnl.to_string(),
                      std::to_string(p.leverage) + "x",
                      p.liquidation_price.is_positive() ? p.liquidation_price.to_string() : "-"});
    o << "  Positions\n"
      << table({"Side", "Amount", "Entry price", "Unrealized P&L", "Leverage", "Liquidation price"}, rows);
  }

  if (s.orders.empty()) {
    o << "  Orders     none active\n";
  } else {
    rows.clear();
    for (const auto& r : s.orders)
      rows.push_back({r.side == TradeType::kBuy ? "buy" : "sell", r.price.to_string(), r.amount.to_string(),
                      r.filled.to_string(), r.state, age_text(r.age_s), r.client_order_id});
    o << "  Orders\n" << table({"Side", "Price", "Amount", "Filled", "State", "Age", "Order id"}, rows);
  }

  const auto summaries = summarize_fills(s.fills);
  if (summaries.empty()) {
    o << "  P&L        no trades yet\n";
  } else {
    for (const auto& t : summaries) {
      if (t.pair != s.pair) continue;
      const std::string& q = t.pair.quote;
      std::string unrealized = "n/a";
      std::string total = "n/a";
      if (mid) {
        const Decimal u = unrealized_pnl(t, *mid);
        unrealized = u.to_string_fixed(4) + " " + q;
        total = (t.realized_pnl_net + u).to_string_fixed(4) + " " + q;
      }
      o << fmt::format(
          "  P&L        {} trades ({} buy, {} sell)   realized {} {}   unrealized {}   fees {} {}   total "
          "{}\n",
          t.trades, t.buys, t.sells, t.realized_pnl.to_string_fixed(4), q, unrealized,
          t.fees_in_quote.to_string_fixed(4), q, total);
    }
  }
  if (!s.strategy_line.empty()) o << "  Strategy   " << s.strategy_line << "\n";
  return o.str();
}

}  // namespace nectar::client
