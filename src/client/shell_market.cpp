#include "client/shell_market.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>

#include "client/shell_connect.hpp"
#include "client/shell_live_view.hpp"
#include "client/shell_session.hpp"
#include "client/text.hpp"

namespace nectar::client {

namespace {

/// Waits for the connector's trading rules and the pair's book; false (after saying why) when they do not
/// come within the data timeout or the exchange has no such pair.
bool wait_for_book(ShellSession& shell, Connection& s, const TradingPair& pair) {
  Connector* c = s.connector.get();
  if (!shell.wait_until([c] { return c->status().trading_rules; }, shell.options.data_timeout)) {
    shell.say("Error: " + s.config.id + " has not loaded its trading rules yet; try again shortly.");
    return false;
  }
  if (!shell.on_io([c, &pair] { return c->trading_rule(pair) != nullptr; })) {
    shell.say("Error: " + s.config.id + " has no trading pair " + pair.str() + ".");
    // Drop it again so the connector does not wait for a book that never comes.
    auto& pairs = s.config.trading_pairs;
    pairs.erase(std::remove(pairs.begin(), pairs.end(), pair), pairs.end());
    return false;
  }
  if (!shell.wait_until(
          [c, &pair] {
            const OrderBook* b = c->order_book(pair);
            return b && (b->bid_count() > 0 || b->ask_count() > 0);
          },
          shell.options.data_timeout)) {
    shell.say("Error: the " + pair.str() + " order book of " + s.config.id +
              " is not synced yet; try again shortly.");
    return false;
  }
  return true;
}

/// The options of `order_book` and `ticker`.
struct MarketArgs {
  std::optional<TradingPair> pair;
  std::string exchange;
  std::size_t depth = 10;
  bool live = false;
  int seconds = -1;  ///< --seconds N (-1: the default of live_view)
};

/// Parses `<pair> [--depth N] [--exchange id] [--live [--seconds N]]` (--depth only `with_depth`); nullopt
/// after saying what is wrong.
std::optional<MarketArgs> parse_market_args(ShellSession& shell, const std::vector<std::string>& args,
                                            bool with_depth) {
  MarketArgs m;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if ((a == "--exchange" || a == "--market") && i + 1 < args.size()) {
      if (a == "--exchange")
        m.exchange = args[++i];
      else
        m.pair = TradingPair::try_parse(upper(args[++i]));
    } else if (with_depth && (a == "--depth" || a == "--lines") && i + 1 < args.size()) {
      try {
        const long n = std::stol(args[++i]);
        if (n < 1 || n > 200) throw std::out_of_range("depth");
        m.depth = static_cast<std::size_t>(n);
      } catch (const std::exception&) {
        shell.say("Error: --depth takes a number from 1 to 200.");
        return std::nullopt;
      }
    } else if (a == "--live") {
      m.live = true;
    } else if (a == "--seconds" && i + 1 < args.size()) {
      if (auto n = parse_seconds(shell, args[++i])) {
        m.seconds = *n;
      } else {
        return std::nullopt;
      }
    } else if (!m.pair && a.rfind("--", 0) != 0) {
      m.pair = TradingPair::try_parse(upper(a));
      if (!m.pair) {
        shell.say("Error: '" + a + "' is not a trading pair like BTC-USDT.");
        return std::nullopt;
      }
    } else {
      shell.say("Error: unexpected '" + a + "'. Type `help " + args[0] + "`.");
      return std::nullopt;
    }
  }
  if (!m.pair) {
    shell.say("Error: which trading pair? e.g. `" + args[0] + " BTC-USDT`.");
    return std::nullopt;
  }
  return m;
}

/// The connection of the market `m` names, following its pair with the book synced; nullptr after saying
/// why not.
Connection* open_market(ShellSession& shell, const MarketArgs& m) {
  Connection* s = pick_connection(shell, m.exchange);
  if (!s || !ensure_pair(shell, *s, *m.pair) || !wait_for_book(shell, *s, *m.pair)) return nullptr;
  return s;
}

}  // namespace

void cmd_order_book(ShellSession& shell, const std::vector<std::string>& args) {
  auto m = parse_market_args(shell, args, true);
  Connection* s = m ? open_market(shell, *m) : nullptr;
  if (!s) return;
  Connector* c = s->connector.get();
  const TradingPair pair = *m->pair;
  const std::size_t depth = m->depth;
  const std::string title = "  market: " + s->config.id + " " + pair.str() + "\n";
  auto render = [&shell, c, pair, depth, title] {
    auto rows = shell.on_io([c, pair, depth] {
      std::vector<std::vector<std::string>> r;
      const OrderBook* b = c->order_book(pair);
      if (!b) return r;
      for (std::size_t i = 0; i < depth && (i < b->bid_count() || i < b->ask_count()); ++i) {
        std::vector<std::string> row(4);
        if (i < b->bid_count()) {
          row[0] = b->bid(i).price.to_string();
          row[1] = b->bid(i).size.to_string();
        }
        if (i < b->ask_count()) {
          row[2] = b->ask(i).price.to_string();
          row[3] = b->ask(i).size.to_string();
        }
        r.push_back(std::move(row));
      }
      return r;
    });
    return title + table({"bid_price", "bid_volume", "ask_price", "ask_volume"}, rows);
  };
  if (m->live) return live_view(shell, "Order book", m->seconds, render);
  shell.print() << render() << std::flush;
}

void cmd_ticker(ShellSession& shell, const std::vector<std::string>& args) {
  auto m = parse_market_args(shell, args, false);
  Connection* s = m ? open_market(shell, *m) : nullptr;
  if (!s) return;
  Connector* c = s->connector.get();
  const TradingPair pair = *m->pair;
  const std::string title = "  market: " + s->config.id + " " + pair.str() + "\n";
  auto render = [&shell, c, pair, title] {
    auto row = shell.on_io([c, pair] {
      std::vector<std::string> r(4, "-");
      if (const OrderBook* b = c->order_book(pair)) {
        if (auto v = b->best_bid()) r[0] = v->to_string();
        if (auto v = b->best_ask()) r[1] = v->to_string();
        if (auto v = b->mid_price()) r[2] = v->to_string();
      }
      if (auto v = c->last_trade_price(pair)) r[3] = v->to_string();
      return r;
    });
    return title + table({"Best Bid", "Best Ask", "Mid Price", "Last Trade"}, {row});
  };
  if (m->live) return live_view(shell, "Ticker", m->seconds, render);
  shell.print() << render() << std::flush;
}

}  // namespace nectar::client
