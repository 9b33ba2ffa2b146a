#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nectar/connectors/level_scanner.hpp"

using namespace nectar;

namespace {

// The scanner reads up to 64 bytes past the array (simdjson padding): keep them in the buffer.
struct Padded {
  std::string buffer;
  std::string_view text;
  explicit Padded(std::string_view json) : buffer(std::string(json) + std::string(64, '\0')) {
    text = std::string_view(buffer.data(), json.size());
  }
};

}  // namespace

// Every exchange's level shape: Bitget/BitMart/HitBTC strings, BitMEX orderBook10 bare numbers, extra fields
// per level (BitMart perps send a third), and odd spacing.
TEST(LevelScanner, ReadsStringsNumbersAndExtraFields) {
  LevelScanner scanner;
  for (std::string_view json :
       {R"([["65000.5","0.25"],["64999","1.5"]])", R"([[65000.5, 0.25], [64999, 1.5]])",
        R"([ ["65000.5" , "0.25", "3"] , ["64999","1.5","1"] ])", R"([[65000.5,"0.25"],["64999",1.5]])"}) {
    Padded p(json);
    std::vector<LevelText> out;
    ASSERT_TRUE(scanner.scan(p.text, p.buffer.size(), out)) << json;
    ASSERT_EQ(out.size(), 2u) << json;
    OrderBook book;
    ASSERT_TRUE(apply_levels(out, book, OrderBook::Side::kBid)) << json;
    EXPECT_EQ(*book.best_bid(), Decimal::parse("65000.5")) << json;
    EXPECT_EQ(book.bid(0).size_text.view(), "0.25") << json;
    EXPECT_EQ(book.bid(1).price_text.view(), "64999") << json;
    EXPECT_EQ(book.bid(1).size, Decimal::parse("1.5")) << json;
  }
}

TEST(LevelScanner, ExponentsAndLongTextsKeepTheirExactValue) {
  LevelScanner scanner;
  Padded p(R"([["1.2345678901234567e3","1e-8"],[0.000000000000000001,"123456789012.123456"]])");
  std::vector<LevelText> out;
  ASSERT_TRUE(scanner.scan(p.text, p.buffer.size(), out));
  ASSERT_EQ(out.size(), 2u);
  OrderBook book;
  ASSERT_TRUE(apply_levels(out, book, OrderBook::Side::kAsk));
  EXPECT_EQ(book.ask(0).price, Decimal::parse("0.000000000000000001"));
  EXPECT_EQ(book.ask(1).price, Decimal::parse("1234.5678901234567"));
  EXPECT_EQ(book.ask(1).size, Decimal::parse("0.00000001"));
  EXPECT_EQ(book.ask(1).price_text.view(), "1.2345678901234567e3");
}

TEST(LevelScanner, EscapedStringsTakeTheGeneralPath) {
  LevelScanner scanner;
  Padded p(R"([["6500\u0030","1"]])");  // "65000" with an escaped digit
  std::vector<LevelText> out;
  ASSERT_TRUE(scanner.scan(p.text, p.buffer.size(), out));
  ASSERT_EQ(out.size(), 1u);
  OrderBook book;
  ASSERT_TRUE(apply_levels(out, book, OrderBook::Side::kBid));
  EXPECT_EQ(*book.best_bid(), Decimal::parse("65000"));
}

TEST(LevelScanner, SizeZeroRemovesALevel) {
  LevelScanner scanner;
  OrderBook book;
  std::vector<LevelText> out;
  Padded a(R"([["10","1"],["11","2"]])");
  ASSERT_TRUE(scanner.scan(a.text, a.buffer.size(), out));
  ASSERT_TRUE(apply_levels(out, book, OrderBook::Side::kAsk));
  Padded b(R"([["10","0"]])");
  ASSERT_TRUE(scanner.scan(b.text, b.buffer.size(), out));
  ASSERT_TRUE(apply_levels(out, book, OrderBook::Side::kAsk));
  ASSERT_EQ(book.ask_count(), 1u);
  EXPECT_EQ(*book.best_ask(), Decimal::parse("11"));
}

TEST(LevelScanner, MalformedInputIsRefusedOrNotApplied) {
  LevelScanner scanner;
  for (std::string_view json :
       {R"({"a":1})", R"([["1"]])", R"([["1","2")", R"(["1","2"])", R"([[{},"1"]])"}) {
    Padded p(json);
    std::vector<LevelText> out;
    EXPECT_FALSE(scanner.scan(p.text, p.buffer.size(), out)) << json;
  }
  // Readable JSON whose values are no amounts: scanned, then refused when applied.
  Padded p(R"([["abc","1"]])");
  std::vector<LevelText> out;
  ASSERT_TRUE(scanner.scan(p.text, p.buffer.size(), out));
  OrderBook book;
  EXPECT_FALSE(apply_levels(out, book, OrderBook::Side::kBid));
  EXPECT_EQ(book.bid_count(), 0u);
  Decimal d;
  EXPECT_FALSE(parse_level_amount("-1", d));
  EXPECT_TRUE(parse_level_amount("0.5", d));
  EXPECT_EQ(d, Decimal::parse("0.5"));
}
