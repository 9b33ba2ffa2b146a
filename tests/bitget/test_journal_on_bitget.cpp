// The order journal through its writer thread on a real connector: an order's row is committed before its
// placement request leaves, and a fill's row is committed before the strategy (a later listener) hears of
// it. Checked from a second SQLite connection, as a restarted process would read the file.
#include <gtest/gtest.h>

#include <filesystem>

#include "nectar/connectors/bitget/bitget_exchange.hpp"
#include "nectar/storage/journal_writer.hpp"
#include "sim_connector_fixture.hpp"

using namespace nectar;
using namespace std::chrono_literals;

namespace {

const TradingPair kBtc{"BTC", "USDT"};

class JournalOnBitget : public testing_support::SimConnectorFixture<bitget::BitgetExchange> {};

TEST_F(JournalOnBitget, OrdersAndFillsAreCommittedBeforeTheExchangeAndTheStrategyHearOfThem) {
  const std::string db =
      (std::filesystem::temp_directory_path() / ("nectar_writer_e2e_" + std::to_string(::getpid()) + ".db"))
          .string();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  start(config({kBtc}, "bitget"));
  ASSERT_TRUE(eventually([this] { return conn->ready(); }, 15s));

  auto writer = std::make_unique<storage::JournalWriter>(std::make_unique<storage::TradeStore>(db));
  std::unique_ptr<storage::OrderJournal> journal;
  EventBus::Subscription strategy;
  std::vector<std::string> problems;
  int created_seen = 0, fills_seen = 0;
  on_client([&] {
    journal = std::make_unique<storage::OrderJournal>(*conn, *writer);
    // The "strategy": subscribed after the journal, it looks at the file the moment it hears.
    strategy = conn->events().subscribe([&](const Event& e) {
      if (const auto* c = std::get_if<OrderCreatedEvent>(&e)) {
        ++created_seen;
        storage::TradeStore reader(db);
        bool found = false;
        for (const auto& o : reader.load_active_orders("bitget"))
          found |= o.client_order_id() == c->client_order_id;
        if (!found)
          problems.push_back("order " + c->client_order_id + " acknowledged but not in the journal");
      } else if (const auto* f = std::get_if<OrderFilledEvent>(&e)) {
        ++fills_seen;
        bool found = false;
        for (const auto& s : storage::TradeStore(db).fills("bitget")) found |= s.trade_id == f->trade_id;
        if (!found) problems.push_back("fill " + f->trade_id + " heard before it was committed");
      }
    });
    return 0;
  });
  const Decimal price = sim_best("BTCUSDT", true) + "0.01"_d;
  const std::string id = place(TradeType::kBuy, kBtc, "0.004"_d, OrderType::kLimit, price);
  ASSERT_TRUE(eventually([&] { return state_of(id) == OrderState::kOpen; }));
  taker("BTCUSDT", TradeType::kSell, "0.001"_d);
  taker("BTCUSDT", TradeType::kSell, "0.003"_d);
  ASSERT_TRUE(eventually([&] { return is_done(id); }));
  on_client([&] {
    strategy.reset();
    journal.reset();
    return 0;
  });
  writer.reset();
  EXPECT_EQ(created_seen, 1);
  EXPECT_EQ(fills_seen, 2);
  EXPECT_TRUE(problems.empty()) << problems.front();
  storage::TradeStore after(db);
  EXPECT_EQ(after.fills("bitget").size(), 2u);
  EXPECT_TRUE(after.load_active_orders("bitget").empty()) << "the filled order is terminal in the journal";
  EXPECT_GE(after.status_count("bitget", id), 3) << "submitted, open, filled";
}

}  // namespace
