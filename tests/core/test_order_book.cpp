#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "nectar/core/order_book.hpp"

using nectar::Decimal;
using nectar::LevelUpdate;
using nectar::OrderBook;
using nectar::TradeType;
using nectar::operator""_d;

namespace {

LevelUpdate lv(std::string_view price, std::string_view size) {
  return {Decimal::parse(price), Decimal::parse(size), price, size};
}

OrderBook sample_book() {
  OrderBook b;
  b.apply_snapshot({lv("100", "1"), lv("99.5", "2"), lv("99", "3")}, {lv("101", "1.5"), lv("102", "2.5")}, 7);
  return b;
}

}  // namespace

TEST(OrderBook, SnapshotSortsAndReportsBestLevels) {
  OrderBook b;
  // Any input order; duplicates keep the later entry.
  b.apply_snapshot({lv("99", "3"), lv("100", "1"), lv("99.5", "2"), lv("99", "4")},
                   {lv("102", "2.5"), lv("101", "1.5")}, 42);
  EXPECT_EQ(b.last_update_id(), 42u);
  ASSERT_EQ(b.bid_count(), 3u);
  ASSERT_EQ(b.ask_count(), 2u);
  EXPECT_EQ(*b.best_bid(), "100"_d);
  EXPECT_EQ(*b.best_ask(), "101"_d);
  EXPECT_EQ(b.bid(1).price, "99.5"_d);
  EXPECT_EQ(b.bid(2).size, "4"_d);
  EXPECT_EQ(*b.mid_price(), "100.5"_d);
  EXPECT_FALSE(b.is_crossed());
}

TEST(OrderBook, DiffInsertsReplacesAndRemoves) {
  OrderBook b = sample_book();
  b.apply_diff({lv("100", "0"), lv("99.75", "0.5"), lv("99", "3.25")}, {lv("100.5", "1"), lv("102", "0")}, 8);
  EXPECT_EQ(b.last_update_id(), 8u);
  EXPECT_EQ(*b.best_bid(), "99.75"_d);
  EXPECT_EQ(b.bid_count(), 3u);
  EXPECT_EQ(b.bid(2).size, "3.25"_d);
  EXPECT_EQ(*b.best_ask(), "100.5"_d);
  EXPECT_EQ(b.ask_count(), 2u);
  EXPECT_EQ(b.ask(1).price, "101"_d);
}

TEST(OrderBook, RemovingAnAbsentLevelIsHarmless) {
  OrderBook b = sample_book();
  b.set_level(OrderBook::Side::kBid, lv("50", "0"));
  EXPECT_EQ(b.bid_count(), 3u);
}

TEST(OrderBook, ZeroWrittenWithDecimalsRemovesTheLevel) {
  OrderBook b = sample_book();
  b.set_level(OrderBook::Side::kAsk, lv("101", "0.0000"));
  EXPECT_EQ(*b.best_ask(), "102"_d);
}

TEST(OrderBook, KeepsTheExchangesOriginalStrings) {
  OrderBook b;
  b.apply_snapshot({lv("64999.5", "0.120"), lv("64999.0", "1.5000")}, {lv("65000.0", "0.350")}, 1);
  EXPECT_EQ(b.bid(0).price_text.view(), "64999.5");
  EXPECT_EQ(b.bid(0).size_text.view(), "0.120");
  EXPECT_EQ(b.bid(1).size_text.view(), "1.5000");
  EXPECT_EQ(b.ask(0).price_text.view(), "65000.0");
  b.set_level(OrderBook::Side::kBid, lv("64999.0", "1.2000"));
  EXPECT_EQ(b.bid(1).size_text.view(), "1.2000");
  std::vector<std::string> top;
  b.for_each_top(OrderBook::Side::kBid, 25,
                 [&](const nectar::BookLevel& l) { top.emplace_back(l.price_text.view()); });
  EXPECT_EQ(top, (std::vector<std::string>{"64999.5", "64999.0"}));
}

TEST(OrderBook, DetectsACrossedBook) {
  OrderBook b = sample_book();
  b.set_level(OrderBook::Side::kBid, lv("101", "1"));
  EXPECT_TRUE(b.is_crossed());
}

TEST(OrderBook, WalksVolumeForTakersOnBothSides) {
  OrderBook b = sample_book();
  auto buy = b.walk_volume(TradeType::kBuy, "2"_d);
  EXPECT_EQ(buy.filled_volume, "2"_d);
  EXPECT_EQ(buy.quote_volume, "202.5"_d);  // 1.5×101 + 0.5×102
  EXPECT_EQ(buy.last_price, "102"_d);
  EXPECT_EQ(buy.vwap, "101.25"_d);
  auto sell = b.walk_volume(TradeType::kSell, "10"_d);  // more than the book holds
  EXPECT_EQ(sell.filled_volume, "6"_d);
  EXPECT_EQ(sell.quote_volume, "596"_d);  // 100 + 199 + 297
  EXPECT_EQ(sell.last_price, "99"_d);
}

TEST(OrderBook, WalksQuoteVolume) {
  OrderBook b = sample_book();
  auto w = b.walk_quote_volume(TradeType::kBuy, "202"_d);  // 151.5 at 101, then 50.5 at 102
  EXPECT_EQ(w.quote_volume, "202"_d);
  EXPECT_EQ(w.filled_volume, "1.995098039215686274"_d);  // 1.5 + 50.5/102 truncated to 18 digits
}

TEST(OrderBook, VolumeForPrice) {
  OrderBook b = sample_book();
  EXPECT_EQ(b.volume_for_price(TradeType::kBuy, "101.5"_d), "1.5"_d);
  EXPECT_EQ(b.volume_for_price(TradeType::kBuy, "102"_d), "4"_d);
  EXPECT_EQ(b.volume_for_price(TradeType::kSell, "99.5"_d), "3"_d);
  EXPECT_EQ(b.volume_for_price(TradeType::kSell, "200"_d), "0"_d);
}

TEST(OrderBook, EmptyBookHasNoPrices) {
  OrderBook b;
  EXPECT_FALSE(b.best_bid());
  EXPECT_FALSE(b.mid_price());
  EXPECT_FALSE(b.is_crossed());
  auto w = b.walk_volume(TradeType::kBuy, "1"_d);
  EXPECT_TRUE(w.filled_volume.is_zero());
  EXPECT_TRUE(w.vwap.is_zero());
}

TEST(OrderBook, IncrementalSnapshot) {
  OrderBook b = sample_book();
  b.begin_snapshot();
  b.set_level(OrderBook::Side::kBid, lv("10", "1"));
  b.set_level(OrderBook::Side::kAsk, lv("11", "1"));
  b.finish_snapshot(99);
  EXPECT_EQ(b.bid_count(), 1u);
  EXPECT_EQ(b.ask_count(), 1u);
  EXPECT_EQ(b.last_update_id(), 99u);
}

TEST(OrderBook, ShortTextCopyToWritesTheTextAndASeparator) {
  for (std::size_t len : {0u, 1u, 7u, 15u, 16u, 17u, 30u, 31u, 40u}) {
    std::string text(len, 'x');
    for (std::size_t i = 0; i < len; ++i) text[i] = static_cast<char>('a' + i % 26);
    const nectar::ShortText t(text);
    const std::string_view expected = t.view();  // truncated to 31 when longer
    char buf[sizeof(nectar::ShortText)] = {};
    char* end = t.copy_to(buf, ':');
    ASSERT_EQ(static_cast<std::size_t>(end - buf), expected.size() + 1) << len;
    EXPECT_EQ(std::string_view(buf, expected.size()), expected) << len;
    EXPECT_EQ(buf[expected.size()], ':') << len;
  }
}

// Diffs anywhere in a deep book (the top-of-book linear scan and the binary search below it) against a
// std::map reference.
TEST(OrderBook, RandomDiffsMatchAReferenceMap) {
  std::mt19937_64 rng(11);
  OrderBook b;
  std::map<int, std::string> bids, asks;  // price in ticks of 0.01 -> size text
  auto price_text = [](int ticks) {
    return std::to_string(ticks / 100) + "." + std::to_string(100 + ticks % 100).substr(1);
  };
  std::vector<std::string> keep;  // LevelUpdate holds views
  keep.reserve(1 << 16);
  for (int step = 0; step < 20000; ++step) {
    const bool bid = rng() & 1;
    auto& ref = bid ? bids : asks;
    // Mostly near the top, sometimes far below it (past the linear scan window).
    const int depth = rng() % 4 == 0 ? static_cast<int>(rng() % 300) : static_cast<int>(rng() % 12);
    const int ticks = bid ? 500000 - depth : 500001 + depth;
    const bool remove = rng() % 10 < 3;
    keep.push_back(price_text(ticks));
    const std::string& p = keep.back();
    const std::string size = remove ? "0" : std::to_string(rng() % 7) + "." + std::to_string(1 + rng() % 999);
    keep.push_back(size);
    b.set_level(bid ? OrderBook::Side::kBid : OrderBook::Side::kAsk, lv(p, keep.back()));
    if (Decimal::parse(size).is_zero()) {
      ref.erase(ticks);
    } else {
      ref[ticks] = size;
    }
    if (keep.size() > (1 << 16) - 4) keep.clear();  // the book copied the texts
    if (step % 997 == 0 || step == 19999) {
      ASSERT_EQ(b.bid_count(), bids.size());
      ASSERT_EQ(b.ask_count(), asks.size());
      std::size_t i = 0;
      for (auto it = bids.rbegin(); it != bids.rend(); ++it, ++i) {
        ASSERT_EQ(b.bid(i).price_text.view(), price_text(it->first));
        ASSERT_EQ(b.bid(i).size_text.view(), it->second);
        ASSERT_EQ(b.bid(i).size, Decimal::parse(it->second));
      }
      i = 0;
      for (auto it = asks.begin(); it != asks.end(); ++it, ++i) {
        ASSERT_EQ(b.ask(i).price_text.view(), price_text(it->first));
        ASSERT_EQ(b.ask(i).size_text.view(), it->second);
      }
    }
  }
}
