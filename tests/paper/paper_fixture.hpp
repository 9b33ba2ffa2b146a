// Shared fixture of the paper trading suites: connectors built by a ConnectorRegistry (bitget and its paper
// connectors registered) against the in-process Bitget simulator as the live market, one market at a time.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <utility>

#include "bitget/sim_connector_fixture.hpp"
#include "nectar/connectors/bitget/bitget_exchange.hpp"
#include "nectar/paper/paper_trade.hpp"

namespace nectar::testing_support {

inline const TradingPair kBtcUsdt{"BTC", "USDT"};
inline const std::string kSymbol = "BTCUSDT";  // the simulator's spot symbol

inline Decimal dec(const char* s) {
  return Decimal::parse(s);
}

template <class Conn>
class PaperFixture : public SimConnectorFixture<Conn> {
 protected:
  /// The tests trade `pair`, `sim_symbol` in the simulator's engine.
  explicit PaperFixture(TradingPair pair = kBtcUsdt, std::string sim_symbol = kSymbol)
      : market(std::move(pair)), market_symbol(std::move(sim_symbol)) {
    bitget::register_connectors(registry);
    paper::register_paper_connectors(registry);
  }

  /// A config of the paper connector `id` on the market: no credentials, `balances`, matching every 20 ms.
  ConnectorConfig paper_config(const std::string& id, const std::string& balances) {
    ConnectorConfig c = this->config({market}, id);
    c.credentials.clear();
    c.options["paper_balances"] = balances;
    c.options["paper_match_interval_ms"] = "20";
    return c;
  }

  /// Builds the connector of `c` with the registry, records its events, lets `before_start` see it, starts it
  /// and waits until it is ready.
  void start_from_registry(const ConnectorConfig& c, const std::function<void(Conn&)>& before_start = {}) {
    this->on_client([&] {
      auto made = registry.create(this->cio.get_executor(), c);
      this->conn.reset(dynamic_cast<Conn*>(made.release()));
      EXPECT_NE(this->conn, nullptr) << "the registry did not build the expected connector for " << c.id;
      this->sub = this->conn->events().subscribe([this](const Event& e) { this->events.push_back(e); });
      if (before_start) before_start(*this->conn);
      this->conn->start();
      return 0;
    });
    ASSERT_TRUE(this->eventually([this] { return this->conn->ready(); }, 15s))
        << c.id << " connector never became ready";
  }

  /// Waits until the connector's book shows the simulator's current top of book.
  void await_book_mirrored() {
    ASSERT_TRUE(this->eventually([this] {
      const OrderBook* b = this->conn->order_book(market);
      return b && b->best_ask() == this->sim_best(market_symbol, false) &&
             b->best_bid() == this->sim_best(market_symbol, true);
    }));
  }

  sim::L2Book sim_book() {
    return this->on_sim([&] { return this->sim->engine().book(market_symbol, 50); });
  }
  sim::Instrument instrument() {
    return this->on_sim([&] { return *this->sim->engine().instrument(market_symbol); });
  }

  const TradingPair market;
  const std::string market_symbol;
  ConnectorRegistry registry;
};

}  // namespace nectar::testing_support
