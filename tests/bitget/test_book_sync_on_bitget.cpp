// Book synchronisation of the `bitget` connector against the simulator: a book whose sequence broke is not
// served until it is good again; a resync whose snapshot never comes is retried with back-off and served
// from REST meanwhile; a public stream that stays down is bridged by REST snapshots.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "nectar/connectors/bitget/bitget_exchange.hpp"
#include "sim_connector_fixture.hpp"

using namespace nectar;
using namespace std::chrono_literals;

namespace {

const TradingPair kBtc{"BTC", "USDT"};
constexpr std::string_view kSnapshotMarker = R"("action":"snapshot")";

class BookSyncOnBitget : public testing_support::SimConnectorFixture<bitget::BitgetExchange> {
 protected:
  void tune_timings(ExchangeTimings& t) override {
    t.book_resync_timeout = 600ms;
    t.book_resync_backoff_max = 1200ms;
    t.book_rest_fallback = 500ms;
  }
  // The connector's book equals the simulator's top 25 levels.
  bool book_matches_sim() {
    const sim::L2Book truth = on_sim([&] { return sim->engine().book("BTCUSDT", 25); });
    return eventually(
        [&] {
          const OrderBook* b = conn->order_book(kBtc);
          if (!b || b->bid_count() < truth.bids.size() || b->ask_count() < truth.asks.size()) return false;
          for (std::size_t i = 0; i < truth.bids.size(); ++i)
            if (b->bid(i).price != truth.bids[i].price || b->bid(i).size != truth.bids[i].qty) return false;
          for (std::size_t i = 0; i < truth.asks.size(); ++i)
            if (b->ask(i).price != truth.asks[i].price || b->ask(i).size != truth.asks[i].qty) return false;
          return true;
        },
        5s);
  }
};

}  // namespace

TEST_F(BookSyncOnBitget, ABrokenBookIsNotServedAndAMissingSnapshotIsRetriedThenTakenFromRest) {
  start_ready(config({kBtc}, "bitget"));
  sim->faults().drop_websocket_messages_containing(std::string(kSnapshotMarker));
  sim->set_activity_paused(false);
  sim->faults().skip_next_sequence(1);
  ASSERT_TRUE(eventually([&] { return conn->order_book(kBtc) == nullptr; }, 5s)) << "gap not detected";
  EXPECT_FALSE(on_client([&] { return conn->ready(); }));
  EXPECT_FALSE(on_client([&] { return conn->status().order_books; }));
  EXPECT_EQ(on_client([&] { return conn->book_resyncs(); }), 1u);
  // No snapshot comes: after the timeout the book is served from REST, and the connector keeps asking.
  ASSERT_TRUE(eventually([&] { return conn->order_book(kBtc) != nullptr; }, 5s)) << "no REST snapshot served";
  EXPECT_TRUE(eventually([&] { return conn->ready(); }, 2s));
  EXPECT_TRUE(eventually([&] { return sim->faults().websocket_messages_dropped() >= 3; }, 6s))
      << "the resync was not asked again (" << sim->faults().websocket_messages_dropped()
      << " snapshots sent)";
  // Once snapshots flow again the stream takes over and the book follows the simulator.
  sim->faults().drop_websocket_messages_containing("");
  std::this_thread::sleep_for(2500ms);  // the next attempt's snapshot, at most the back-off cap away
  sim->set_activity_paused(true);
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(book_matches_sim()) << "book not back in sync";
  EXPECT_EQ(on_client([&] { return conn->book_resyncs(); }), 1u) << "one resync, retried, not several";
}

TEST_F(BookSyncOnBitget, APublicStreamThatStaysDownIsBridgedByRestSnapshots) {
  start_ready(config({kBtc}, "bitget"));
  // Dead public stream: nothing arrives, and reconnects are refused until unmuted.
  sim->faults().mute_websockets(true);
  sim->faults().drop_all_websockets();
  ASSERT_TRUE(eventually([&] { return conn->order_book(kBtc) == nullptr; }, 3s))
      << "a book whose stream is down is still served as live";
  ASSERT_TRUE(eventually([&] { return conn->order_book(kBtc) != nullptr; }, 5s)) << "no REST fallback";
  // The REST snapshot is the simulator's book.
  EXPECT_TRUE(book_matches_sim());
  sim->faults().mute_websockets(false);
}
