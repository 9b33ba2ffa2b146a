#include <gtest/gtest.h>

#include <array>

#include "nectar/connectors/error_table.hpp"

using namespace nectar;

namespace {

// A made-up exchange's table exercising every kind of rule: plain codes, a code whose message decides the
// kind, and message-only rules (as BitMEX reports errors by text).
constexpr std::array kRules = std::to_array<ErrorRule>({
    {"1001", ErrorKind::kBadApiKey},
    {"2002", ErrorKind::kInvalidPrice, "price", "quantity"},
    {"2002", ErrorKind::kInvalidAmount},
    {kAnyErrorCode, ErrorKind::kInsufficientBalance, "insufficient"},
    {kAnyErrorCode, ErrorKind::kRateLimit, "rate limit"},
});
constexpr std::array kWords = std::to_array<ErrorWords>({
    {ErrorKind::kBadApiKey, "the API key is not recognised"},
    {ErrorKind::kInvalidPrice, "invalid price"},
});
constexpr ErrorTable kTable{"testex", kRules, kWords, "request failed"};

}  // namespace

TEST(ErrorTable, FirstMatchingRuleNamesTheKind) {
  EXPECT_EQ(match_error(kTable, "1001", ""), ErrorKind::kBadApiKey);
  EXPECT_EQ(match_error(kTable, "2002", "Price is below the minimum"), ErrorKind::kInvalidPrice);
  // "price" appears, but so does "quantity": the message is about the size.
  EXPECT_EQ(match_error(kTable, "2002", "quantity times price below minimum"), ErrorKind::kInvalidAmount);
  EXPECT_EQ(match_error(kTable, "2002", "bad step"), ErrorKind::kInvalidAmount);
  EXPECT_EQ(match_error(kTable, "", "Account has INSUFFICIENT Available Balance"),
            ErrorKind::kInsufficientBalance);
  EXPECT_EQ(match_error(kTable, "77", "Rate limit exceeded, retry in 1 seconds."), ErrorKind::kRateLimit);
  EXPECT_EQ(match_error(kTable, "9999", "something else"), ErrorKind::kOther);
}

TEST(ErrorTable, MessageSaysTheProblemFirstThenTheExchangesOwnWords) {
  EXPECT_EQ(
      format_error_message(kTable, ErrorKind::kBadApiKey, "1001", "Invalid ACCESS_KEY", 401, "placing order"),
      "testex: placing order: the API key is not recognised (code 1001: Invalid ACCESS_KEY, HTTP 401)");
  EXPECT_EQ(format_error_message(kTable, ErrorKind::kOther, "", "", 0, ""),
            "testex: request failed (code none)");
  const ExchangeError e = make_exchange_error(kTable, "2002", "price too high", 400, "");
  EXPECT_EQ(e.kind(), ErrorKind::kInvalidPrice);
  EXPECT_EQ(e.code(), "2002");
  EXPECT_STREQ(e.what(), "testex: invalid price (code 2002: price too high, HTTP 400)");
}

TEST(ErrorTable, CaseInsensitiveContains) {
  EXPECT_TRUE(contains_icase("Order Not Found", "not found"));
  EXPECT_TRUE(contains_icase("abc", ""));
  EXPECT_FALSE(contains_icase("ab", "abc"));
  EXPECT_FALSE(contains_icase("order found", "not found"));
}
