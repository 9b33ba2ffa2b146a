#include <gtest/gtest.h>

#include <map>

#include "nectar/connectors/bitget/book_parser.hpp"

using namespace nectar;
using namespace nectar::bitget;

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
