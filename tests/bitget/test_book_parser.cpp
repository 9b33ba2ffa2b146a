#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "nectar/connectors/bitget/book_parser.hpp"
#include "support/crc32_reference.hpp"

using namespace nectar;
using namespace nectar::bitget;
using nectar::testing_support::reference_crc32;

namespace {

struct Books : BookResolver {
  std::map<std::string, OrderBook, std::less<>> books;
  OrderBook* book(std::string_view id) override {
    auto it = books.find(id);
    return it == books.end() ? nullptr : &it->second;
  }
};

const std::string kSnapshot =
    R"({"action":"snapshot","arg":{"instType":"SPOT","channel":"books","instId":"BTCUSDT"},"data":[{"asks":[["65000.0","0.350"],["65000.5","2.0000"]],"bids":[["64999.5","0.120"],["64999.0","1.5000"],["64998.5","0.002"]],"checksum":578213308,"seq":1041,"ts":"1700000000100"}],"ts":1700000000100})";
const std::string kUpdate =
    R"({"action":"update","arg":{"instType":"SPOT","channel":"books","instId":"BTCUSDT"},"data":[{"asks":[["65000.0","0"],["65001.0","0.75"]],"bids":[["64999.0","1.2000"]],"checksum":-975544872,"seq":1042,"ts":"1700000000123"}],"ts":1700000000123})";

}  // namespace

// The worked example of ../shared/protocols/bitget.md §4.1.
TEST(BitgetBookParser, SpecWorkedExampleSnapshotThenUpdate) {
  Books b;
  b.books["BTCUSDT"];
  BookParser p;
  ASSERT_EQ(p.apply(kSnapshot, false, b), BookOutcome::kSnapshot) << p.last_error();
  std::string scratch;
  EXPECT_EQ(book_checksum(b.books["BTCUSDT"], scratch), 578213308);
  EXPECT_EQ(scratch, "64999.5:0.120:65000.0:0.350:64999.0:1.5000:65000.5:2.0000:64998.5:0.002");
  ASSERT_EQ(p.apply(kUpdate, false, b), BookOutcome::kUpdate) << p.last_error();
  const auto& book = b.books["BTCUSDT"];
  EXPECT_EQ(book.last_update_id(), 1042u);
  EXPECT_EQ(book.ask(0).price_text.view(), "65000.5");
  EXPECT_EQ(book.bid(1).size_text.view(), "1.2000");
  EXPECT_EQ(book_checksum(book, scratch), -975544872);
}

TEST(BitgetBookParser, DocSanityStrings) {
  // Checksum of the doc's own strings, built through a book.
  OrderBook book;
  auto lv = [](std::string_view p, std::string_view s) {
    return LevelUpdate{Decimal::parse(p), Decimal::parse(s), p, s};
  };
  book.apply_snapshot({lv("43231.1", "4"), lv("43231", "6")}, {lv("43232.8", "9"), lv("43232.9", "8")}, 1);
  std::string scratch;
  EXPECT_EQ(book_checksum(book, scratch), -1504501796);
}

TEST(BitgetBookParser, SeqGapIsReported) {
  Books b;
  b.books["BTCUSDT"];
  BookParser p;
  p.apply(kSnapshot, false, b);
  std::string gap = kUpdate;
  gap.replace(gap.find("1042"), 4, "1043");
  EXPECT_EQ(p.apply(gap, false, b), BookOutcome::kSeqGap);
  EXPECT_NE(p.last_error().find("expected 1042"), std::string::npos) << p.last_error();
}

// A diff that skipped a sequence number is detected before anything of it is applied: the book stays as the
// last good message left it (the caller then marks it unsynced and resyncs).
TEST(BitgetBookParser, SeqGapLeavesTheBookAsItWas) {
  Books b;
  b.books["BTCUSDT"];
  BookParser p;
  ASSERT_EQ(p.apply(kSnapshot, false, b), BookOutcome::kSnapshot);
  std::string gap = kUpdate;
  gap.replace(gap.find("1042"), 4, "1043");
  ASSERT_EQ(p.apply(gap, false, b), BookOutcome::kSeqGap);
  const auto& book = b.books["BTCUSDT"];
  EXPECT_EQ(book.last_update_id(), 1041u);
  ASSERT_EQ(book.ask_count(), 2u);
  EXPECT_EQ(book.ask(0).price_text.view(), "65000.0");  // the diff would have removed it
  EXPECT_EQ(book.bid(1).size_text.view(), "1.5000");    // and changed this one to 1.2000
  std::string scratch;
  EXPECT_EQ(book_checksum(book, scratch), 578213308);
}

TEST(BitgetBookParser, BadChecksumIsReportedAndCanBeSkipped) {
  Books b;
  b.books["BTCUSDT"];
  BookParser p;
  p.apply(kSnapshot, false, b);
  std::string bad = kUpdate;
  bad.replace(bad.find("-975544872"), 10, "-975544871");
  EXPECT_EQ(p.apply(bad, false, b), BookOutcome::kChecksumMismatch);
  b.books["BTCUSDT"] = OrderBook{};
  p.apply(kSnapshot, false, b);
  EXPECT_EQ(p.apply(bad, false, b, /*verify_checksum=*/false), BookOutcome::kUpdate);
}

TEST(BitgetBookParser, OtherMessagesAndGarbage) {
  Books b;
  b.books["BTCUSDT"];
  BookParser p;
  EXPECT_EQ(p.apply("pong", false, b), BookOutcome::kMalformed);
  EXPECT_EQ(p.apply(R"({"event":"subscribe","arg":{"channel":"books"}})", false, b), BookOutcome::kNotBooks);
  EXPECT_EQ(
      p.apply(R"({"action":"update","arg":{"channel":"trade","instId":"BTCUSDT"},"data":[]})", false, b),
      BookOutcome::kNotBooks);
  EXPECT_EQ(
      p.apply(R"({"action":"snapshot","arg":{"channel":"books","instId":"ETHUSDT"},"data":[]})", false, b),
      BookOutcome::kUnknownBook);
  EXPECT_EQ(
      p.apply(
          R"({"action":"snapshot","arg":{"channel":"books","instId":"BTCUSDT"},"data":[{"asks":[["x","1"]]}]})",
          false, b),
      BookOutcome::kMalformed);
  EXPECT_EQ(
      p.apply(R"({"action":"snapshot","arg":{"channel":"books","instId":"BTCUSDT"},"data":[{"asks":[["1")",
              false, b),
      BookOutcome::kMalformed);
}

TEST(BitgetBookParser, AcceptsNumericLevels) {
  Books b;
  b.books["BTCUSDT"];
  BookParser p;
  ASSERT_EQ(
      p.apply(
          R"({"action":"snapshot","arg":{"channel":"books","instId":"BTCUSDT"},"data":[{"asks":[[65001,0.3]],"bids":[[65000,0.8]],"seq":5}]})",
          false, b),
      BookOutcome::kSnapshot)
      << p.last_error();
  EXPECT_EQ(*b.books["BTCUSDT"].best_ask(), "65001"_d);
  EXPECT_EQ(b.books["BTCUSDT"].bid(0).size_text.view(), "0.8");
}

namespace {

std::string books_message(std::string_view action, std::string_view data) {
  return std::string(R"({"action":")") + std::string(action) +
         R"(","arg":{"instType":"SPOT","channel":"books","instId":"BTCUSDT"},"data":[)" + std::string(data) +
         R"(],"ts":1700000000100})";
}

}  // namespace

// The level scanner's fast path and its fallbacks must read the same values and keep the same texts.
TEST(BitgetBookParser, LevelTextsInEveryFormKeepTheirValueAndText) {
  // Short plain (converted in the scanner), long plain, exponent, integer, leading-dot and trailing-dot
  // forms.
  const std::vector<std::string> prices = {"1",
                                           "12",
                                           "123.4",
                                           "0.00000001",
                                           "1234567.1234567",
                                           "123456789012345",
                                           "12345678.1234567",
                                           "99999999.99999999",
                                           "0.000000000000000001",
                                           "1234567890123456789",
                                           "5e-3",
                                           "2.5E+1",
                                           ".75",
                                           "3.",
                                           "00042.10"};
  const std::vector<std::string> sizes = {"0.5", "1.0000", "12345678.12345678", "7", "1e2"};
  std::string levels;
  for (std::size_t i = 0; i < prices.size(); ++i)
    levels += (i ? "," : "") + std::string("[\"") + prices[i] + "\",\"" + sizes[i % sizes.size()] + "\"]";
  Books b;
  b.books["BTCUSDT"];
  BookParser p;
  ASSERT_EQ(p.apply(books_message("snapshot", R"({"bids":[)" + levels + R"(],"seq":7})"), false, b),
            BookOutcome::kSnapshot)
      << p.last_error();
  const OrderBook& book = b.books["BTCUSDT"];
  ASSERT_EQ(book.bid_count(), prices.size());
  std::size_t found = 0;
  for (std::size_t i = 0; i < book.bid_count(); ++i) {
    const auto& l = book.bid(i);
    for (std::size_t k = 0; k < prices.size(); ++k) {
      if (l.price_text.view() != prices[k]) continue;
      ++found;
      EXPECT_EQ(l.price, Decimal::parse(prices[k])) << prices[k];
      EXPECT_EQ(l.size_text.view(), sizes[k % sizes.size()]);
      EXPECT_EQ(l.size, Decimal::parse(sizes[k % sizes.size()])) << sizes[k % sizes.size()];
    }
  }
  EXPECT_EQ(found, prices.size());
  for (std::size_t i = 1; i < book.bid_count(); ++i) EXPECT_LT(book.bid(i).price, book.bid(i - 1).price);
}

TEST(BitgetBookParser, OddlyFormattedLevelsTakeTheGeneralPath) {
  Books b;
  b.books["BTCUSDT"];
  BookParser p;
  // Whitespace everywhere, an escaped digit, extra fields per level, a quoted seq.
  const std::string snapshot = R"({ "action" : "snapshot" , "arg" : { "instType":"SPOT", "channel" : "books" ,
      "instId" : "BTCUSDT" } , "data" : [ { "asks" : [ [ "65000.0" , "0.350" ] ,
      [ "65000.5","2.0000", "3" ] ] , "bids" : [ [ "6499\u0039.5" , "0.120" ] , [ "64999.0" , "1.5000" ],
      ["64998.5","0.002"] ] , "checksum" : 578213308 , "seq" : "1041" } ] })";
  ASSERT_EQ(p.apply(snapshot, false, b), BookOutcome::kSnapshot) << p.last_error();
  const OrderBook& book = b.books["BTCUSDT"];
  EXPECT_EQ(book.last_update_id(), 1041u);
  EXPECT_EQ(book.bid(0).price_text.view(), "64999.5");  // unescaped by the general path
  EXPECT_EQ(book.ask(1).size_text.view(), "2.0000");
  ASSERT_EQ(p.apply(kUpdate, false, b), BookOutcome::kUpdate) << p.last_error();
  std::string scratch;
  EXPECT_EQ(book_checksum(book, scratch), -975544872);
  // A level holding something that is not a number is rejected by either path.
  EXPECT_EQ(p.apply(books_message("update", R"({"asks":[["65002.0",["x"]]],"seq":1043})"), false, b),
            BookOutcome::kMalformed);
  EXPECT_EQ(p.apply(books_message("update", R"({"asks":[["-65002.0","1"]],"seq":1043})"), false, b),
            BookOutcome::kMalformed);
  EXPECT_EQ(p.apply(books_message("update", R"({"asks":[["65002.0","1"]})"), false, b),
            BookOutcome::kMalformed);
}

// A long random stream like the exchange's (and like the replay benchmark's): inserts, replacements and
// deletions at every depth, sizes written with trailing zeros, a checksum on every message. Every message
// must verify, and the book must end equal to the reference.
TEST(BitgetBookParser, RandomStreamVerifiesEveryChecksum) {
  std::mt19937_64 rng(9);
  std::map<int64_t, std::string> bids, asks;  // ticks of 0.01 -> size text
  auto price_text = [](int64_t ticks) {
    return std::to_string(ticks / 100) + "." + std::to_string(100 + ticks % 100).substr(1);
  };
  auto size_text = [&rng] {
    return std::to_string(rng() % 5) + "." + std::to_string(10000 + rng() % 10000).substr(1);
  };
  auto reference_checksum = [&] {
    std::string text;
    auto b = bids.rbegin();
    auto a = asks.begin();
    for (int i = 0; i < 25; ++i) {
      if (b != bids.rend()) text += price_text(b->first) + ":" + b->second + ":", ++b;
      if (a != asks.end()) text += price_text(a->first) + ":" + a->second + ":", ++a;
    }
    if (!text.empty()) text.pop_back();
    return static_cast<int32_t>(reference_crc32(text));
  };
  auto side_json = [&](const std::vector<std::pair<int64_t, std::string>>& levels) {
    std::string out = "[";
    for (const auto& [t, s] : levels)
      out += (out.size() > 1 ? "," : "") + ("[\"" + price_text(t) + "\",\"" + s + "\"]");
    return out + "]";
  };
  std::vector<std::pair<int64_t, std::string>> ub, ua;
  for (int i = 0; i < 200; ++i) {
    ub.emplace_back(2999999 - i, size_text());
    ua.emplace_back(3000001 + i, size_text());
    bids[ub.back().first] = ub.back().second;
    asks[ua.back().first] = ua.back().second;
  }
  Books books;
  books.books["BTCUSDT"];
  BookParser p;
  uint64_t seq = 5000;
  auto data = [&] {
    return R"({"asks":)" + side_json(ua) + R"(,"bids":)" + side_json(ub) + R"(,"checksum":)" +
           std::to_string(reference_checksum()) + R"(,"ts":"1700000000003","seq":)" + std::to_string(seq) +
           "}";
  };
  ASSERT_EQ(p.apply(books_message("snapshot", data()), false, books), BookOutcome::kSnapshot)
      << p.last_error();
  for (int m = 0; m < 3000; ++m) {
    ub.clear();
    ua.clear();
    for (int k = 1 + static_cast<int>(rng() % 6); k > 0; --k) {
      const bool is_bid = rng() & 1;
      auto& ref = is_bid ? bids : asks;
      const int64_t top = is_bid ? bids.rbegin()->first : asks.begin()->first;
      const int64_t depth =
          rng() % 5 == 0 ? static_cast<int64_t>(rng() % 120) : static_cast<int64_t>(rng() % 10);
      int64_t t = is_bid ? top - depth : top + depth;
      if (rng() % 8 == 0) t = is_bid ? top + 1 : top - 1;  // improve the best price (may cross: clamp)
      if (is_bid && t >= asks.begin()->first) t = asks.begin()->first - 1;
      if (!is_bid && t <= bids.rbegin()->first) t = bids.rbegin()->first + 1;
      std::string s;
      if (rng() % 10 < 3 && ref.count(t) && ref.size() > 30) {
        ref.erase(t);
        s = rng() & 1 ? "0" : "0.0000";
      } else {
        s = size_text();
        if (Decimal::parse(s).is_zero()) s = "1.0000";
        ref[t] = s;
      }
      (is_bid ? ub : ua).emplace_back(t, s);
    }
    ++seq;
    // Alternately as a caller with simdjson padding after the message and as one without.
    const std::string msg = books_message("update", data());
    const std::string padded = msg + std::string(64, '\0');
    const bool use_padded = m % 2 == 0;
    ASSERT_EQ(p.apply(std::string_view(use_padded ? padded : msg).substr(0, msg.size()), use_padded, books),
              BookOutcome::kUpdate)
        << "message " << m << ": " << p.last_error();
  }
  const OrderBook& book = books.books["BTCUSDT"];
  ASSERT_EQ(book.bid_count(), bids.size());
  ASSERT_EQ(book.ask_count(), asks.size());
  std::size_t i = 0;
  for (auto it = bids.rbegin(); it != bids.rend(); ++it, ++i) {
    ASSERT_EQ(book.bid(i).price_text.view(), price_text(it->first));
    ASSERT_EQ(book.bid(i).size_text.view(), it->second);
  }
  EXPECT_EQ(book.last_update_id(), seq);
}
