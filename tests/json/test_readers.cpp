#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "nectar/json/readers.hpp"

using namespace nectar;
namespace nj = nectar::json;

namespace {

boost::json::object parse_object(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = nj::parse_exact(text, ec);
  EXPECT_FALSE(ec) << text;
  EXPECT_TRUE(v.is_object()) << text;
  return v.is_object() ? v.get_object() : boost::json::object{};
}

}  // namespace

// BitMEX sends prices and sizes as JSON numbers: their exact value must survive, digit for digit, where a
// double would have rounded (0.1 + 0.2 style, 17+ significant digits, tiny exponents).
TEST(JsonReaders, NumbersWithFractionsOrExponentsAreReadExactly) {
  const auto o = parse_object(
      R"({"price": 97910.5, "long": 12345678.123456789012, "tiny": 1e-8, "exp": 2.5E+3, "neg": -0.30000000000000004})");
  EXPECT_EQ(nj::decimal(o, "price"), Decimal::parse("97910.5"));
  EXPECT_EQ(nj::decimal(o, "long"), Decimal::parse("12345678.123456789012"));
  EXPECT_EQ(nj::decimal(o, "tiny"), Decimal::parse("0.00000001"));
  EXPECT_EQ(nj::decimal(o, "exp"), Decimal::parse("2500"));
  EXPECT_EQ(nj::decimal(o, "neg"), Decimal::parse("-0.30000000000000004"));
  // The number's own text is kept, so a checksum over exchange strings sees what was sent.
  EXPECT_EQ(nj::str_or(o, "price"), "97910.5");
}

TEST(JsonReaders, IntegersStayIntegersAndStringsStayStrings) {
  const auto o = parse_object(R"({"qty": 100, "big": 18446744073709551615, "s": "65000.10", "blank": "",
                                  "flag": true, "nothing": null, "list": [1, 2], "obj": {"a": 1}})");
  ASSERT_TRUE(nj::field(o, "qty")->is_int64());
  EXPECT_EQ(nj::decimal(o, "qty"), Decimal::from_int(100));
  EXPECT_EQ(nj::decimal(o, "s"), Decimal::parse("65000.10"));
  EXPECT_EQ(nj::decimal(o, "blank"), std::nullopt);
  EXPECT_EQ(nj::decimal(o, "nothing"), std::nullopt);
  EXPECT_EQ(nj::decimal(o, "missing"), std::nullopt);
  EXPECT_EQ(nj::decimal(o, "list"), std::nullopt);
  EXPECT_EQ(nj::decimal_or_zero(o, "missing"), Decimal{});
  EXPECT_EQ(nj::text_or_empty(o, "qty"), "100");
  EXPECT_EQ(nj::text_or_empty(o, "big"), "18446744073709551615");
  EXPECT_EQ(nj::text_or_empty(o, "flag"), "true");
  EXPECT_EQ(nj::text_or_empty(o, "obj"), "");
  EXPECT_EQ(nj::bool_of(*nj::field(o, "flag")), true);
  EXPECT_NE(nj::array_field(o, "list"), nullptr);
  EXPECT_EQ(nj::array_field(o, "obj"), nullptr);
  EXPECT_NE(nj::object_field(o, "obj"), nullptr);
  EXPECT_EQ(nj::str_or(o, "qty", "fallback"), "fallback");
}

// An integer that does not fit int64 is an error (nullopt / fallback), never undefined behaviour or a wrapped
// value.
TEST(JsonReaders, IntOfRejectsOverflowAndJunk) {
  const auto o = parse_object(R"({"max": 9223372036854775807, "over": 9223372036854775808,
                                  "huge": 123456789012345678901234567890, "text": "42", "neg": "-7",
                                  "over_text": "99999999999999999999", "junk": "12a", "frac": 1.5})");
  EXPECT_EQ(nj::int_of(*nj::field(o, "max")), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(nj::int_of(*nj::field(o, "over")), std::nullopt);
  EXPECT_EQ(nj::int_of(*nj::field(o, "huge")), std::nullopt);
  EXPECT_EQ(nj::int_of(*nj::field(o, "text")), 42);
  EXPECT_EQ(nj::int_of(*nj::field(o, "neg")), -7);
  EXPECT_EQ(nj::int_of(*nj::field(o, "over_text")), std::nullopt);
  EXPECT_EQ(nj::int_of(*nj::field(o, "junk")), std::nullopt);
  EXPECT_EQ(nj::int_of(*nj::field(o, "frac")), std::nullopt);
  EXPECT_EQ(nj::int_or(o, "over", -1), -1);
  EXPECT_EQ(nj::int_or(o, "missing", 5), 5);
  EXPECT_EQ(nj::parse_int("+12"), 12);
  EXPECT_EQ(nj::parse_int(""), std::nullopt);
  EXPECT_EQ(nj::parse_int("-"), std::nullopt);
}

TEST(JsonReaders, BadJsonIsAnErrorNotAnException) {
  for (std::string_view bad : {"", "{", "{\"a\":}", "[1,2", "{} trailing", "nul"}) {
    boost::system::error_code ec;
    const auto v = nj::parse_exact(bad, ec);
    EXPECT_TRUE(ec) << bad;
    EXPECT_TRUE(v.is_null()) << bad;
    EXPECT_EQ(nj::try_parse_exact(bad), std::nullopt) << bad;
  }
  EXPECT_TRUE(nj::try_parse_exact("  [1.25, \"x\"]  \n").has_value());
}

TEST(JsonReaders, DecimalFromARawSimdjsonToken) {
  EXPECT_EQ(nj::decimal_from_token(" 97910.5 "), Decimal::parse("97910.5"));
  EXPECT_EQ(nj::decimal_from_token("\"0.00012\""), Decimal::parse("0.00012"));
  EXPECT_EQ(nj::decimal_from_token("3e2"), Decimal::parse("300"));
  EXPECT_EQ(nj::decimal_from_token("\"1\\u0030\""), std::nullopt);  // escapes are not number text
  EXPECT_EQ(nj::decimal_from_token("\"\""), std::nullopt);
  EXPECT_EQ(nj::decimal_from_token("true"), std::nullopt);
}
