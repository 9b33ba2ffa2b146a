#include "nectar/core/decimal.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace nectar {

namespace {

using u128 = unsigned __int128;
using Raw = Decimal::Raw;

constexpr Raw kRawMax = static_cast<Raw>((u128{1} << 127) - 1);
constexpr Raw kRawMin = -kRawMax - 1;
const Decimal kMax = Decimal::from_raw(kRawMax);
const Decimal kMin = Decimal::from_raw(kRawMin);
const Decimal kTiny = Decimal::from_raw(1);  // 10^-18

constexpr std::array kModes = {Rounding::kDown, Rounding::kFloor, Rounding::kCeil, Rounding::kHalfUp,
                               Rounding::kHalfEven};

Raw pow10(int n) {
  Raw r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

std::string raw_str(Raw v) {
  if (v == 0) return "0";
  const bool neg = v < 0;
  u128 m = neg ? u128{0} - static_cast<u128>(v) : static_cast<u128>(v);
  std::string s;
  while (m != 0) {
    s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
    m /= 10;
  }
  return neg ? "-" + s : s;
}

// Message of the DecimalError thrown by f, or a marker when it does not throw.
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const DecimalError& e) {
    return e.what();
  }
  return "<no exception>";
}

const char* mode_name(Rounding m) {
  switch (m) {
    case Rounding::kDown:
      return "kDown";
    case Rounding::kFloor:
      return "kFloor";
    case Rounding::kCeil:
      return "kCeil";
    case Rounding::kHalfUp:
      return "kHalfUp";
    case Rounding::kHalfEven:
      return "kHalfEven";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------------------
// Parsing

TEST(DecimalParse, AcceptsExchangeForms) {
  struct Case {
    const char* text;
    Raw raw;
  };
  const Case cases[] = {
      {"0", 0},
      {"-0", 0},
      {"+0", 0},
      {"0.0", 0},
      {"-0.000", 0},
      {"1", pow10(18)},
      {"+1", pow10(18)},
      {"-1", -pow10(18)},
      {"65000.5", 65000 * pow10(18) + 5 * pow10(17)},
      {"-65000.5", -(65000 * pow10(18) + 5 * pow10(17))},
      {"0.00000001", pow10(10)},
      {"0.00012345", 12345 * pow10(10)},
      {"1e-05", pow10(13)},
      {"1E-5", pow10(13)},
      {"1.5E+3", 1500 * pow10(18)},
      {"1.5e3", 1500 * pow10(18)},
      {"-2.5e-1", -25 * pow10(16)},
      {".5", 5 * pow10(17)},
      {"-.5", -5 * pow10(17)},
      {"5.", 5 * pow10(18)},
      {"5.e2", 500 * pow10(18)},
      {".5e1", 5 * pow10(18)},
      {"007.50", 75 * pow10(17)},
      {"123456789012.123456789", 123456789012 * pow10(18) + 123456789 * pow10(9)},
      {"0.000000000000000001", 1},
      {"1e-18", 1},
      {"10e-19", 1},
      {"0.0000000000000000010000", 1},
      {"1.000000000000000000000000000000000000000000000000", pow10(18)},
      {"100", 100 * pow10(18)},
      {"1000000000000000000000000000000000000000e-30", pow10(9) * pow10(18)},
      {"0e999999999999999999999", 0},
      {"0.000e-99999", 0},
      {"1e0", pow10(18)},
      {"1e+0", pow10(18)},
      {"1e-0", pow10(18)},
      {"12345678901234567890", static_cast<Raw>(12345678901234567890ULL) * pow10(18)},
      {"1.23456789012345678", 123456789012345678 * pow10(1)},
      {"12345678901234567890.123456789012345678",
       static_cast<Raw>(12345678901234567890ULL) * pow10(18) + 123456789012345678},
      {"-0.000000000000000000000000000001e12", -1 * pow10(0)},
  };
  static_assert(noexcept(Decimal::try_parse("")));
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto d = Decimal::try_parse(c.text);
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(raw_str(d->raw()), raw_str(c.raw));
    EXPECT_EQ(Decimal::parse(c.text), *d);
  }
}

TEST(DecimalParse, RejectsMalformedText) {
  const char* bad[] = {"",     "-",     "+",    ".",       "-.",   "+.",    "e5",   ".e5",      "1e",
                       "1e+",  "1e-",   "1e5.", "1.2.3",   "1..2", "--1",   "+-1",  "1-",       " 1",
                       "1 ",   "1 000", "1,5",  "nan",     "NaN",  "inf",   "-inf", "Infinity", "0x1A",
                       "0x10", "1e5e",  "1ee5", "1.5x",    "abc",  "1_000", "１",   "1e 5",     "\t1",
                       "1\n",  "e",     "E",    "1.5e+-3", "++1",  "1d",    ".-5"};
  for (const char* text : bad) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(Decimal::try_parse(text).has_value());
    EXPECT_EQ(error_of([&] { Decimal::parse(text); }), std::string("invalid decimal '") + text + "'");
  }
  // Embedded NUL is garbage too.
  EXPECT_FALSE(Decimal::try_parse(std::string_view("1\0", 2)).has_value());
}

TEST(DecimalParse, FractionBeyondEighteenDigitsOnlyIfZeros) {
  EXPECT_TRUE(Decimal::try_parse("0.1234567890123456780000").has_value());
  EXPECT_FALSE(Decimal::try_parse("0.1234567890123456789").has_value());
  EXPECT_FALSE(Decimal::try_parse("0.0000000000000000001").has_value());
  EXPECT_FALSE(Decimal::try_parse("1.0000000000000000001").has_value());
  EXPECT_FALSE(Decimal::try_parse("1e-19").has_value());
  EXPECT_FALSE(Decimal::try_parse("0.5e-18").has_value());
  EXPECT_FALSE(Decimal::try_parse("123.456e-16").has_value());
  EXPECT_EQ(Decimal::parse("123.456e-15"), Decimal::from_raw(123456));
}

TEST(DecimalParse, RangeLimits) {
  EXPECT_EQ(Decimal::parse("170141183460469231731.687303715884105727"), kMax);
  EXPECT_EQ(Decimal::parse("-170141183460469231731.687303715884105728"), kMin);
  EXPECT_FALSE(Decimal::try_parse("170141183460469231731.687303715884105728").has_value());
  EXPECT_FALSE(Decimal::try_parse("-170141183460469231731.687303715884105729").has_value());
  EXPECT_FALSE(Decimal::try_parse("170141183460469231732").has_value());
  EXPECT_FALSE(Decimal::try_parse("1e21").has_value());
  EXPECT_FALSE(Decimal::try_parse("-1e21").has_value());
  EXPECT_FALSE(Decimal::try_parse("1e1000000000000").has_value());
  EXPECT_FALSE(Decimal::try_parse("1e-1000000000000").has_value());
  EXPECT_FALSE(Decimal::try_parse("99999999999999999999999999999999999999999999").has_value());
  EXPECT_FALSE(Decimal::try_parse("340282366920938463463374607431768211456").has_value());  // 2^128

  // ±1e20 with all 18 fractional digits.
  const auto big = Decimal::parse("100000000000000000000.000000000000000001");
  EXPECT_EQ(raw_str(big.raw()), "100000000000000000000000000000000000001");
  EXPECT_EQ(big.to_string(), "100000000000000000000.000000000000000001");
  const auto nbig = Decimal::parse("-99999999999999999999.999999999999999999");
  EXPECT_EQ(nbig.to_string(), "-99999999999999999999.999999999999999999");
  EXPECT_EQ(Decimal::parse("1e20").to_string(), "100000000000000000000");
  EXPECT_EQ(Decimal::parse("-1.7e20").to_string(), "-170000000000000000000");
}

TEST(DecimalParse, ErrorMessageTruncatesLongText) {
  const std::string long_text(100, '7');
  const std::string garbage = long_text + "x";
  EXPECT_EQ(error_of([&] { Decimal::parse(garbage); }), "invalid decimal '" + std::string(64, '7') + "'");
  EXPECT_EQ(error_of([] { Decimal::parse("12abc"); }), "invalid decimal '12abc'");
  EXPECT_EQ(error_of([] { Decimal::parse("1e30"); }), "invalid decimal '1e30'");
  // DecimalError is an invalid_argument.
  EXPECT_THROW(Decimal::parse("x"), std::invalid_argument);
}

TEST(DecimalParse, Literal) {
  EXPECT_EQ("0.01"_d, Decimal::from_scaled(1, 2));
  EXPECT_EQ("-3"_d, Decimal::from_int(-3));
  EXPECT_THROW("1.2.3"_d, DecimalError);
}

TEST(DecimalParse, RoundTripsRandomValues) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 20000; ++i) {
    const int bits = static_cast<int>(rng() % 128);
    u128 m = (static_cast<u128>(rng()) << 64) | rng();
    m = bits == 0 ? 0 : (m >> (128 - bits));
    Raw raw = static_cast<Raw>(m);
    if (rng() & 1) raw = -raw;
    const Decimal d = Decimal::from_raw(raw);
    const std::string s = d.to_string();
    SCOPED_TRACE(s);
    ASSERT_EQ(Decimal::parse(s), d);
    ASSERT_EQ(Decimal::parse(d.to_string_fixed(18)), d);

    // Same value written as <digits>e<exp>, with padding zeros moved into the exponent.
    std::string digits;
    int frac = 0;
    bool seen_dot = false;
    for (char c : s) {
      if (c == '.') {
        seen_dot = true;
      } else if (c != '-') {
        digits += c;
        frac += seen_dot;
      }
    }
    const int pad = static_cast<int>(rng() % 5);
    const std::string sci =
        (d.is_negative() ? "-" : "") + digits + std::string(pad, '0') + "e-" + std::to_string(frac + pad);
    SCOPED_TRACE(sci);
    ASSERT_EQ(Decimal::parse(sci), d);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Printing

TEST(DecimalToString, Canonical) {
  EXPECT_EQ(Decimal().to_string(), "0");
  EXPECT_EQ("-0"_d.to_string(), "0");
  EXPECT_EQ("-0.0000"_d.to_string(), "0");
  EXPECT_EQ("1.500"_d.to_string(), "1.5");
  EXPECT_EQ("100"_d.to_string(), "100");
  EXPECT_EQ("100.000"_d.to_string(), "100");
  EXPECT_EQ("-0.5"_d.to_string(), "-0.5");
  EXPECT_EQ("0.00000001"_d.to_string(), "0.00000001");
  EXPECT_EQ("1e-05"_d.to_string(), "0.00001");
  EXPECT_EQ("1.5E+3"_d.to_string(), "1500");
  EXPECT_EQ(kTiny.to_string(), "0.000000000000000001");
  EXPECT_EQ((-kTiny).to_string(), "-0.000000000000000001");
  EXPECT_EQ("123456789012.123456789"_d.to_string(), "123456789012.123456789");
  EXPECT_EQ(kMax.to_string(), "170141183460469231731.687303715884105727");
  EXPECT_EQ(kMin.to_string(), "-170141183460469231731.687303715884105728");
  EXPECT_EQ(Decimal::from_int(INT64_MAX).to_string(), "9223372036854775807");
  EXPECT_EQ(Decimal::from_int(INT64_MIN).to_string(), "-9223372036854775808");
  EXPECT_EQ("18446744073709551616"_d.to_string(), "18446744073709551616");  // 2^64
  EXPECT_EQ("10000000000000000000.1"_d.to_string(), "10000000000000000000.1");
}

TEST(DecimalToString, FixedPadsAndRounds) {
  EXPECT_EQ("1.5"_d.to_string_fixed(2), "1.50");
  EXPECT_EQ("1.5"_d.to_string_fixed(0), "2");
  EXPECT_EQ("2.5"_d.to_string_fixed(0), "2");
  EXPECT_EQ("0"_d.to_string_fixed(3), "0.000");
  EXPECT_EQ("0"_d.to_string_fixed(0), "0");
  EXPECT_EQ("-0.001"_d.to_string_fixed(2), "0.00");  // no "-0.00"
  EXPECT_EQ("-0.001"_d.to_string_fixed(2, Rounding::kFloor), "-0.01");
  EXPECT_EQ("-0.4"_d.to_string_fixed(0), "0");
  EXPECT_EQ("0.125"_d.to_string_fixed(2), "0.12");
  EXPECT_EQ("0.135"_d.to_string_fixed(2), "0.14");
  EXPECT_EQ("-0.125"_d.to_string_fixed(2), "-0.12");
  EXPECT_EQ("-0.125"_d.to_string_fixed(2, Rounding::kHalfUp), "-0.13");
  EXPECT_EQ("0.125"_d.to_string_fixed(2, Rounding::kHalfUp), "0.13");
  EXPECT_EQ("-0.121"_d.to_string_fixed(2, Rounding::kFloor), "-0.13");
  EXPECT_EQ("-0.129"_d.to_string_fixed(2, Rounding::kCeil), "-0.12");
  EXPECT_EQ("0.121"_d.to_string_fixed(2, Rounding::kCeil), "0.13");
  EXPECT_EQ("-0.129"_d.to_string_fixed(2, Rounding::kDown), "-0.12");
  EXPECT_EQ("9.999"_d.to_string_fixed(2), "10.00");
  EXPECT_EQ("-9.999"_d.to_string_fixed(2), "-10.00");
  EXPECT_EQ("65000.5"_d.to_string_fixed(8), "65000.50000000");
  EXPECT_EQ(kTiny.to_string_fixed(18), "0.000000000000000001");
  EXPECT_EQ(kTiny.to_string_fixed(17), "0.00000000000000000");
  EXPECT_EQ(kTiny.to_string_fixed(17, Rounding::kCeil), "0.00000000000000001");
  EXPECT_EQ(kMax.to_string_fixed(0, Rounding::kCeil), "170141183460469231732");  // printing never overflows
  EXPECT_EQ(kMin.to_string_fixed(2), "-170141183460469231731.69");
  EXPECT_EQ(kMax.to_string_fixed(18), kMax.to_string());
  EXPECT_THROW("1"_d.to_string_fixed(-1), DecimalError);
  EXPECT_THROW("1"_d.to_string_fixed(19), DecimalError);
}

// ---------------------------------------------------------------------------------------------------------
// Rounding: one table (values in tenths) checked through every operation that rounds.

struct RoundRow {
  int tenths;
  int down, floor, ceil, half_up, half_even;
  int expect(Rounding m) const {
    switch (m) {
      case Rounding::kDown:
        return down;
      case Rounding::kFloor:
        return floor;
      case Rounding::kCeil:
        return ceil;
      case Rounding::kHalfUp:
        return half_up;
      case Rounding::kHalfEven:
        return half_even;
    }
    return 0;
  }
};

constexpr RoundRow kRoundTable[] = {
    // value   down floor ceil half_up half_even
    {25, 2, 2, 3, 3, 2},       {35, 3, 3, 4, 4, 4},       {-25, -2, -3, -2, -3, -2},
    {-35, -3, -4, -3, -4, -4}, {24, 2, 2, 3, 2, 2},       {26, 2, 2, 3, 3, 3},
    {-24, -2, -3, -2, -2, -2}, {-26, -2, -3, -2, -3, -3}, {5, 0, 0, 1, 1, 0},
    {-5, 0, -1, 0, -1, 0},     {15, 1, 1, 2, 2, 2},       {-15, -1, -2, -1, -2, -2},
    {1, 0, 0, 1, 0, 0},        {-1, 0, -1, 0, 0, 0},      {9, 0, 0, 1, 1, 1},
    {-9, 0, -1, 0, -1, -1},    {10, 1, 1, 1, 1, 1},       {-10, -1, -1, -1, -1, -1},
    {0, 0, 0, 0, 0, 0},        {115, 11, 11, 12, 12, 12}, {-125, -12, -13, -12, -13, -12},
};

TEST(DecimalRounding, TableThroughEveryOperation) {
  for (const auto& row : kRoundTable) {
    for (Rounding m : kModes) {
      SCOPED_TRACE(std::to_string(row.tenths) + " tenths, " + mode_name(m));
      const int want = row.expect(m);
      // round_to / quantize on whole units.
      EXPECT_EQ(Decimal::from_scaled(row.tenths, 1).round_to(0, m), Decimal::from_int(want));
      EXPECT_EQ(Decimal::from_scaled(row.tenths, 1).quantize("1"_d, m), Decimal::from_int(want));
      // The same at the finest scale: raw units of 10^-18.
      EXPECT_EQ(Decimal::from_raw(row.tenths).quantize(Decimal::from_raw(10), m),
                Decimal::from_raw(want * 10));
      // Printing.
      EXPECT_EQ(Decimal::from_scaled(row.tenths, 1).to_string_fixed(0, m), std::to_string(want));
      // mul: raw × 0.1 leaves a tenth of a raw unit to round.
      EXPECT_EQ(Decimal::from_raw(row.tenths).mul("0.1"_d, m), Decimal::from_raw(want));
      EXPECT_EQ(Decimal::from_raw(-row.tenths).mul("-0.1"_d, m), Decimal::from_raw(want));
      // div with a 64-bit divisor and with a divisor wider than 64 bits.
      EXPECT_EQ(Decimal::from_raw(row.tenths).div("10"_d, m), Decimal::from_raw(want));
      EXPECT_EQ(Decimal::from_raw(row.tenths * 10).div("100"_d, m), Decimal::from_raw(want));
      EXPECT_EQ(Decimal::from_raw(-row.tenths * 10).div("-100"_d, m), Decimal::from_raw(want));
    }
    EXPECT_EQ(Decimal::from_scaled(row.tenths, 1).steps_of("1"_d), row.floor);
  }
}

TEST(DecimalRounding, RoundToDecimals) {
  EXPECT_EQ("1.23456"_d.round_to(2, Rounding::kHalfEven), "1.23"_d);
  EXPECT_EQ("1.235"_d.round_to(2, Rounding::kHalfEven), "1.24"_d);
  EXPECT_EQ("1.245"_d.round_to(2, Rounding::kHalfEven), "1.24"_d);
  EXPECT_EQ("-1.245"_d.round_to(2, Rounding::kHalfUp), "-1.25"_d);
  EXPECT_EQ("-1.241"_d.round_to(2, Rounding::kFloor), "-1.25"_d);
  EXPECT_EQ("1.241"_d.round_to(2, Rounding::kCeil), "1.25"_d);
  EXPECT_EQ("1.249"_d.round_to(2, Rounding::kDown), "1.24"_d);
  EXPECT_EQ("1.5"_d.round_to(18, Rounding::kCeil), "1.5"_d);
  EXPECT_EQ("1.5"_d.round_to(30, Rounding::kCeil), "1.5"_d);
  EXPECT_EQ("1250"_d.round_to(-2, Rounding::kHalfEven), "1200"_d);
  EXPECT_EQ("1251"_d.round_to(-2, Rounding::kHalfEven), "1300"_d);
  EXPECT_EQ(kTiny.round_to(17, Rounding::kCeil), "0.00000000000000001"_d);
  EXPECT_THROW("1"_d.round_to(-21, Rounding::kDown), DecimalError);
  EXPECT_THROW(kMax.round_to(0, Rounding::kCeil), DecimalError);
  EXPECT_EQ(kMax.round_to(0, Rounding::kDown), "170141183460469231731"_d);
}

// ---------------------------------------------------------------------------------------------------------
// Arithmetic

TEST(DecimalArithmetic, AddSubExact) {
  EXPECT_EQ("0.1"_d + "0.2"_d, "0.3"_d);
  EXPECT_EQ(("0.1"_d + "0.2"_d).to_string(), "0.3");
  EXPECT_EQ("0.3"_d - "0.1"_d, "0.2"_d);
  EXPECT_EQ("1"_d - "1.000000000000000001"_d, -kTiny);
  EXPECT_EQ("-5.5"_d + "5.5"_d, Decimal::zero());
  Decimal acc;
  for (int i = 0; i < 10; ++i) acc += "0.1"_d;
  EXPECT_EQ(acc, Decimal::one());
  acc -= "0.25"_d;
  EXPECT_EQ(acc, "0.75"_d);
  EXPECT_EQ(-"1.5"_d, "-1.5"_d);
  EXPECT_EQ(-Decimal::zero(), Decimal::zero());
  EXPECT_EQ("-2.5"_d.abs(), "2.5"_d);
  EXPECT_EQ("2.5"_d.abs(), "2.5"_d);
  EXPECT_EQ((kMax - kMax), Decimal::zero());
  EXPECT_EQ(kMin + kMax, -kTiny);
}

TEST(DecimalArithmetic, AddSubOverflowThrows) {
  EXPECT_EQ(error_of([] { (void)(kMax + kTiny); }),
            "decimal overflow: 170141183460469231731.687303715884105727 + 0.000000000000000001");
  EXPECT_EQ(error_of([] { (void)(kMin - kTiny); }),
            "decimal overflow: -170141183460469231731.687303715884105728 - 0.000000000000000001");
  EXPECT_THROW(kMax - kMin, DecimalError);
  EXPECT_THROW(kMin + kMin, DecimalError);
  EXPECT_THROW(-kMin, DecimalError);
  EXPECT_THROW(kMin.abs(), DecimalError);
  Decimal d = kMax;
  EXPECT_THROW(d += kTiny, DecimalError);
  EXPECT_EQ(d, kMax);  // unchanged after a failed +=
  EXPECT_EQ(-kMax, kMin + kTiny);
  EXPECT_TRUE(error_of([] { (void)(-kMin); }).starts_with("decimal overflow"));
}

TEST(DecimalArithmetic, MulExact) {
  EXPECT_EQ("1.5"_d.mul("2"_d), "3"_d);
  EXPECT_EQ("-1.5"_d.mul("2"_d), "-3"_d);
  EXPECT_EQ("-1.5"_d.mul("-2"_d), "3"_d);
  EXPECT_EQ("0.1"_d.mul("0.1"_d), "0.01"_d);
  EXPECT_EQ("65000.5"_d.mul("0.00012345"_d), "8.024311725"_d);
  EXPECT_EQ("0.000000001"_d.mul("0.000000001"_d), kTiny);
  EXPECT_EQ("0"_d.mul(kMax), Decimal::zero());
  EXPECT_EQ(kMax.mul("1"_d), kMax);
  EXPECT_EQ(kMin.mul("1"_d), kMin);
  EXPECT_EQ(kMax.mul("-1"_d), -kMax);
  // large × small, both through the 256-bit path.
  EXPECT_EQ("100000000000000000000"_d.mul("0.000000000000000001"_d), "100"_d);
  EXPECT_EQ("123456789012.123456789"_d.mul("1000000"_d), "123456789012123456.789"_d);
  EXPECT_EQ("99999999999.999999999"_d.mul("99999999.99"_d), "9999999998999999999.90000000001"_d);
  EXPECT_EQ("12345678901234567890.123456789012345678"_d.mul("0.5"_d),
            "6172839450617283945.061728394506172839"_d);
  EXPECT_EQ("12345678901234567890.123456789012345679"_d.mul("0.5"_d, Rounding::kHalfEven),
            "6172839450617283945.06172839450617284"_d);
  EXPECT_EQ("12345678901234567890.123456789012345679"_d.mul("0.5"_d, Rounding::kDown),
            "6172839450617283945.061728394506172839"_d);
  EXPECT_EQ("-12345678901234567890.123456789012345679"_d.mul("0.5"_d, Rounding::kFloor),
            "-6172839450617283945.06172839450617284"_d);
  EXPECT_EQ("1.000000000000000001"_d.mul("1.000000000000000001"_d, Rounding::kDown),
            "1.000000000000000002"_d);
  EXPECT_EQ("1.000000000000000001"_d.mul("1.000000000000000001"_d, Rounding::kCeil),
            "1.000000000000000003"_d);
}

TEST(DecimalArithmetic, MulOverflowThrows) {
  EXPECT_EQ(error_of([] { (void)"100000000000"_d.mul("10000000000"_d); }),
            "decimal overflow: 100000000000 * 10000000000");
  EXPECT_THROW(kMax.mul("1.000000000000000001"_d), DecimalError);
  EXPECT_THROW(kMin.mul("-1"_d), DecimalError);
  EXPECT_THROW(kMax.mul(kMax), DecimalError);
  EXPECT_EQ(kMax.mul("0.5"_d, Rounding::kDown).mul("2"_d), kMax - kTiny);
  // (2^127 - 1) / 2 rounds half-even up to 2^126, which doubled no longer fits.
  EXPECT_THROW(kMax.mul("0.5"_d, Rounding::kHalfEven).mul("2"_d), DecimalError);
}

TEST(DecimalArithmetic, MulInt) {
  EXPECT_EQ("0.1"_d.mul_int(3), "0.3"_d);
  EXPECT_EQ("-2.5"_d.mul_int(-4), "10"_d);
  EXPECT_EQ("1"_d.mul_int(INT64_MIN), Decimal::from_int(INT64_MIN));
  EXPECT_EQ("1000"_d.mul_int(100000000000000000), "100000000000000000000"_d);
  EXPECT_EQ(error_of([] { (void)"1000"_d.mul_int(1000000000000000000); }),
            "decimal overflow: 1000 * 1000000000000000000");
  EXPECT_THROW(kMin.mul_int(-1), DecimalError);
}

TEST(DecimalArithmetic, DivRounding) {
  EXPECT_EQ("1"_d.div("3"_d), "0.333333333333333333"_d);
  EXPECT_EQ("1"_d.div("3"_d, Rounding::kCeil), "0.333333333333333334"_d);
  EXPECT_EQ("-1"_d.div("3"_d, Rounding::kCeil), "-0.333333333333333333"_d);
  EXPECT_EQ("-1"_d.div("3"_d, Rounding::kFloor), "-0.333333333333333334"_d);
  EXPECT_EQ("-1"_d.div("3"_d), "-0.333333333333333333"_d);
  EXPECT_EQ("2"_d.div("3"_d), "0.666666666666666667"_d);
  EXPECT_EQ("2"_d.div("3"_d, Rounding::kDown), "0.666666666666666666"_d);
  EXPECT_EQ("-2"_d.div("3"_d, Rounding::kDown), "-0.666666666666666666"_d);
  EXPECT_EQ("2"_d.div("-3"_d, Rounding::kHalfUp), "-0.666666666666666667"_d);
  EXPECT_EQ("1"_d.div("8"_d), "0.125"_d);
  EXPECT_EQ("10"_d.div("4"_d), "2.5"_d);
  EXPECT_EQ("-7.5"_d.div("-2.5"_d), "3"_d);
  EXPECT_EQ("1"_d.div("3"_d).mul("3"_d), "0.999999999999999999"_d);
  // ties at the 18th digit
  EXPECT_EQ(Decimal::from_raw(1).div("2"_d, Rounding::kHalfEven), Decimal::zero());
  EXPECT_EQ(Decimal::from_raw(3).div("2"_d, Rounding::kHalfEven), Decimal::from_raw(2));
  EXPECT_EQ(Decimal::from_raw(1).div("2"_d, Rounding::kHalfUp), Decimal::from_raw(1));
  EXPECT_EQ(Decimal::from_raw(-1).div("2"_d, Rounding::kHalfUp), Decimal::from_raw(-1));
}

TEST(DecimalArithmetic, DivLargeAndSmall) {
  EXPECT_EQ("80000000000000000000"_d.div("0.5"_d, Rounding::kDown), "160000000000000000000"_d);
  EXPECT_EQ("1"_d.div("100000000000000000000"_d), Decimal::zero());
  EXPECT_EQ("1"_d.div("100000000000000000000"_d, Rounding::kCeil), kTiny);
  EXPECT_EQ("50"_d.div("100000000000000000000"_d), Decimal::zero());  // 0.5e-18 tie → even 0
  EXPECT_EQ("150"_d.div("100000000000000000000"_d), Decimal::from_raw(2));
  EXPECT_EQ(kMax.div(kMax), Decimal::one());
  EXPECT_EQ(kMin.div(kMin), Decimal::one());
  EXPECT_EQ(kMin.div(kMax, Rounding::kDown), "-1"_d);
  EXPECT_EQ(kMax.div("1"_d), kMax);
  EXPECT_EQ(kMin.div("1"_d), kMin);
  EXPECT_EQ(kMax.div("-1"_d), -kMax);
  EXPECT_EQ("123456789012.123456789"_d.div("0.000001"_d), "123456789012123456.789"_d);
  EXPECT_EQ("12345678901234567890.5"_d.div("12345678901234567890.5"_d), "1"_d);
  EXPECT_EQ("0.000000000000000001"_d.div("0.000000000000000001"_d), "1"_d);
}

TEST(DecimalArithmetic, DivErrors) {
  EXPECT_EQ(error_of([] { (void)"1"_d.div(Decimal::zero()); }), "division by zero");
  EXPECT_EQ(error_of([] { (void)Decimal::zero().div(Decimal::zero()); }), "division by zero");
  EXPECT_TRUE(error_of([] { (void)"1000"_d.div(kTiny); }).starts_with("decimal overflow"));
  EXPECT_THROW(kMin.div("-1"_d), DecimalError);
  EXPECT_THROW(kMax.div("0.999999999999999999"_d), DecimalError);
}

// ---------------------------------------------------------------------------------------------------------
// Quantize / steps

TEST(DecimalQuantize, Ticks) {
  const auto c = "0.01"_d;
  EXPECT_EQ("65000.456"_d.quantize(c, Rounding::kFloor), "65000.45"_d);
  EXPECT_EQ("65000.456"_d.quantize(c, Rounding::kCeil), "65000.46"_d);
  EXPECT_EQ("65000.456"_d.quantize(c, Rounding::kHalfEven), "65000.46"_d);
  EXPECT_EQ("65000.455"_d.quantize(c, Rounding::kHalfEven), "65000.46"_d);
  EXPECT_EQ("65000.445"_d.quantize(c, Rounding::kHalfEven), "65000.44"_d);
  EXPECT_EQ("65000.445"_d.quantize(c, Rounding::kHalfUp), "65000.45"_d);
  EXPECT_EQ("65000.45"_d.quantize(c, Rounding::kCeil), "65000.45"_d);  // exact multiples unchanged
  EXPECT_EQ("-1.234"_d.quantize(c, Rounding::kFloor), "-1.24"_d);
  EXPECT_EQ("-1.234"_d.quantize(c, Rounding::kCeil), "-1.23"_d);
  EXPECT_EQ("-1.234"_d.quantize(c, Rounding::kDown), "-1.23"_d);
  EXPECT_EQ("-1.235"_d.quantize(c, Rounding::kHalfUp), "-1.24"_d);
  EXPECT_EQ("-1.235"_d.quantize(c, Rounding::kHalfEven), "-1.24"_d);
  EXPECT_EQ("-1.225"_d.quantize(c, Rounding::kHalfEven), "-1.22"_d);

  const auto half = "0.5"_d;
  EXPECT_EQ("1.74"_d.quantize(half, Rounding::kFloor), "1.5"_d);
  EXPECT_EQ("1.74"_d.quantize(half, Rounding::kCeil), "2"_d);
  EXPECT_EQ("1.74"_d.quantize(half, Rounding::kHalfEven), "1.5"_d);
  EXPECT_EQ("1.76"_d.quantize(half, Rounding::kHalfEven), "2"_d);
  EXPECT_EQ("0.25"_d.quantize(half, Rounding::kHalfEven), "0"_d);  // 0.5 steps → 0
  EXPECT_EQ("0.75"_d.quantize(half, Rounding::kHalfEven), "1"_d);  // 1.5 steps → 2
  EXPECT_EQ("1.25"_d.quantize(half, Rounding::kHalfEven), "1"_d);  // 2.5 steps → 2
  EXPECT_EQ("1.25"_d.quantize(half, Rounding::kHalfUp), "1.5"_d);
  EXPECT_EQ("-1.25"_d.quantize(half, Rounding::kHalfUp), "-1.5"_d);
  EXPECT_EQ("-1.25"_d.quantize(half, Rounding::kHalfEven), "-1"_d);
  EXPECT_EQ("-0.1"_d.quantize(half, Rounding::kFloor), "-0.5"_d);
  EXPECT_EQ("-0.1"_d.quantize(half, Rounding::kCeil), "0"_d);
  EXPECT_FALSE("-0.1"_d.quantize(half, Rounding::kCeil).is_negative());

  const auto five = "5"_d;
  EXPECT_EQ("12.3"_d.quantize(five, Rounding::kFloor), "10"_d);
  EXPECT_EQ("12.3"_d.quantize(five, Rounding::kCeil), "15"_d);
  EXPECT_EQ("12.3"_d.quantize(five, Rounding::kHalfEven), "10"_d);
  EXPECT_EQ("12.5"_d.quantize(five, Rounding::kHalfEven), "10"_d);  // 2.5 steps → 2
  EXPECT_EQ("7.5"_d.quantize(five, Rounding::kHalfEven), "10"_d);   // 1.5 steps → 2
  EXPECT_EQ("12.5"_d.quantize(five, Rounding::kHalfUp), "15"_d);
  EXPECT_EQ("-12.3"_d.quantize(five, Rounding::kFloor), "-15"_d);
  EXPECT_EQ("-12.3"_d.quantize(five, Rounding::kCeil), "-10"_d);
  EXPECT_EQ("-12.5"_d.quantize(five, Rounding::kHalfUp), "-15"_d);
  EXPECT_EQ("0.0001"_d.quantize(five, Rounding::kCeil), "5"_d);

  // A step that is not a power of ten and needs more than 64 bits of raw units.
  EXPECT_EQ("100"_d.quantize("30"_d, Rounding::kHalfEven), "90"_d);
  EXPECT_EQ("105"_d.quantize("30"_d, Rounding::kHalfEven), "120"_d);  // 3.5 steps → 4
}

TEST(DecimalQuantize, Errors) {
  EXPECT_EQ(error_of([] { (void)"1"_d.quantize(Decimal::zero(), Rounding::kFloor); }),
            "quantize: step must be positive, got 0");
  EXPECT_THROW("1"_d.quantize("-0.01"_d, Rounding::kFloor), DecimalError);
  EXPECT_TRUE(error_of([] { (void)kMax.quantize("1"_d, Rounding::kCeil); }).starts_with("decimal overflow"));
  EXPECT_THROW(kMin.quantize("1"_d, Rounding::kFloor), DecimalError);
  EXPECT_EQ(kMax.quantize(kTiny, Rounding::kCeil), kMax);
  EXPECT_EQ(kMin.quantize(kTiny, Rounding::kFloor), kMin);
}

TEST(DecimalQuantize, StepsOf) {
  EXPECT_EQ("65000.45"_d.steps_of("0.01"_d), 6500045);
  EXPECT_EQ("65000.459"_d.steps_of("0.01"_d), 6500045);
  EXPECT_EQ("-0.001"_d.steps_of("0.01"_d), -1);
  EXPECT_EQ("-0.01"_d.steps_of("0.01"_d), -1);
  EXPECT_EQ("0"_d.steps_of("0.01"_d), 0);
  EXPECT_EQ("12.3"_d.steps_of("5"_d), 2);
  EXPECT_EQ("-12.3"_d.steps_of("5"_d), -3);
  EXPECT_EQ(Decimal::from_raw(INT64_MAX).steps_of(kTiny), INT64_MAX);
  EXPECT_EQ(Decimal::from_raw(INT64_MIN).steps_of(kTiny), INT64_MIN);
  EXPECT_THROW(Decimal::from_raw(static_cast<Raw>(INT64_MAX) + 1).steps_of(kTiny), DecimalError);
  EXPECT_THROW((Decimal::from_raw(INT64_MIN) - kTiny).steps_of(kTiny), DecimalError);
  EXPECT_THROW("1"_d.steps_of(Decimal::zero()), DecimalError);
  EXPECT_THROW("1"_d.steps_of("-1"_d), DecimalError);
}

// ---------------------------------------------------------------------------------------------------------
// Construction and comparison

TEST(DecimalConstruct, FromScaledAndInt) {
  EXPECT_EQ(Decimal::from_scaled(12345, 2), "123.45"_d);
  EXPECT_EQ(Decimal::from_scaled(-12345, 2), "-123.45"_d);
  EXPECT_EQ(Decimal::from_scaled(7, 0), "7"_d);
  EXPECT_EQ(Decimal::from_scaled(1, 18), kTiny);
  EXPECT_EQ(Decimal::from_scaled(INT64_MAX, 0), Decimal::from_int(INT64_MAX));
  EXPECT_EQ(Decimal::from_scaled(INT64_MIN, 18), Decimal::from_raw(INT64_MIN));
  EXPECT_THROW(Decimal::from_scaled(1, -1), DecimalError);
  EXPECT_THROW(Decimal::from_scaled(1, 19), DecimalError);
  EXPECT_EQ(Decimal::from_int(-42).to_string(), "-42");
  EXPECT_EQ(Decimal::one().raw(), Decimal::kOne);
  static_assert(Decimal::from_int(3).raw() == 3 * Decimal::kOne);
  static_assert(Decimal::zero().is_zero());
}

TEST(DecimalCompare, Ordering) {
  EXPECT_LT("0.1"_d, "0.2"_d);
  EXPECT_LT("-0.2"_d, "-0.1"_d);
  EXPECT_LT(kMin, kMax);
  EXPECT_GT("1.000000000000000001"_d, "1"_d);
  EXPECT_EQ("1.50"_d, "1.5"_d);
  EXPECT_NE("1.5"_d, "-1.5"_d);
  EXPECT_LE("1"_d, "1"_d);
  EXPECT_GE("1"_d, "0.999999999999999999"_d);
  EXPECT_EQ("-0"_d, "0"_d);
  EXPECT_EQ(("2"_d <=> "3"_d), std::strong_ordering::less);
  EXPECT_EQ(Decimal::min("2"_d, "-3"_d), "-3"_d);
  EXPECT_EQ(Decimal::max("2"_d, "-3"_d), "2"_d);
  EXPECT_TRUE("-1"_d.is_negative());
  EXPECT_FALSE("-1"_d.is_positive());
  EXPECT_TRUE(kTiny.is_positive());
  EXPECT_FALSE(Decimal().is_negative());
  EXPECT_FALSE(Decimal().is_positive());
  EXPECT_TRUE(Decimal().is_zero());
  std::vector<Decimal> v = {"3"_d, "-1"_d, "0.5"_d, "2e-18"_d, "-0.5"_d};
  std::sort(v.begin(), v.end());
  EXPECT_EQ(v, (std::vector<Decimal>{"-1"_d, "-0.5"_d, "2e-18"_d, "0.5"_d, "3"_d}));
}

// ---------------------------------------------------------------------------------------------------------
// Randomised mul/div against a slow, obviously-correct bit-serial reference.

struct RefU {  // 320-bit little-endian, 32-bit limbs
  std::array<uint32_t, 10> d{};

  static RefU from(u128 v) {
    RefU r;
    for (int i = 0; i < 4; ++i) r.d[i] = static_cast<uint32_t>(v >> (32 * i));
    return r;
  }
  static RefU mul(u128 a, u128 b) {
    const RefU x = from(a), y = from(b);
    RefU r;
    for (int i = 0; i < 4; ++i) {
      uint64_t carry = 0;
      for (int j = 0; j < 6 && i + j < 10; ++j) {
        const uint64_t cur = static_cast<uint64_t>(x.d[i]) * (j < 4 ? y.d[j] : 0) + r.d[i + j] + carry;
        r.d[i + j] = static_cast<uint32_t>(cur);
        carry = cur >> 32;
      }
    }
    return r;
  }
  bool bit(int i) const { return (d[i / 32] >> (i % 32)) & 1; }
  void set_bit(int i) { d[i / 32] |= 1u << (i % 32); }
  // Quotient and remainder by a divisor below 2^127, one bit at a time.
  RefU divmod(u128 divisor, u128& rem) const {
    RefU q;
    u128 r = 0;
    for (int i = 319; i >= 0; --i) {
      r = (r << 1) | (bit(i) ? 1 : 0);
      if (r >= divisor) {
        r -= divisor;
        q.set_bit(i);
      }
    }
    rem = r;
    return q;
  }
  bool fits_u128() const {
    for (int i = 4; i < 10; ++i)
      if (d[i] != 0) return false;
    return true;
  }
  u128 low() const {
    u128 v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 32) | d[i];
    return v;
  }
};

u128 mag(Raw r) {
  return r < 0 ? u128{0} - static_cast<u128>(r) : static_cast<u128>(r);
}

// Expected rounded result, or nullopt when it must overflow.
std::optional<Raw> reference(const RefU& num, u128 divisor, bool neg, Rounding m) {
  u128 r;
  const RefU q = num.divmod(divisor, r);
  if (!q.fits_u128()) return std::nullopt;
  u128 qm = q.low();
  bool up = false;
  if (r != 0) {
    const u128 twice = r * 2;  // r < divisor <= 2^127
    switch (m) {
      case Rounding::kDown:
        break;
      case Rounding::kFloor:
        up = neg;
        break;
      case Rounding::kCeil:
        up = !neg;
        break;
      case Rounding::kHalfUp:
        up = twice >= divisor;
        break;
      case Rounding::kHalfEven:
        up = twice > divisor || (twice == divisor && (qm & 1));
        break;
    }
  }
  if (up) {
    if (qm == ~u128{0}) return std::nullopt;
    ++qm;
  }
  const u128 limit = neg ? (u128{1} << 127) : (u128{1} << 127) - 1;
  if (qm > limit) return std::nullopt;
  return neg ? static_cast<Raw>(u128{0} - qm) : static_cast<Raw>(qm);
}

Raw random_raw(std::mt19937_64& rng) {
  static const Raw specials[] = {0,
                                 1,
                                 2,
                                 5,
                                 9,
                                 10,
                                 Decimal::kOne,
                                 Decimal::kOne / 2,
                                 3 * Decimal::kOne,
                                 static_cast<Raw>(UINT64_MAX),
                                 static_cast<Raw>(UINT64_MAX) + 1,
                                 kRawMax,
                                 kRawMax - 1,
                                 pow10(20),
                                 pow10(36),
                                 pow10(38)};
  Raw v;
  if (rng() % 8 == 0) {
    v = specials[rng() % std::size(specials)];
  } else {
    const int bits = 1 + static_cast<int>(rng() % 127);
    const u128 m = ((static_cast<u128>(rng()) << 64) | rng()) >> (128 - bits);
    v = static_cast<Raw>(m);
  }
  if (rng() % 16 == 0) return kRawMin;
  return (rng() & 1) ? -v : v;
}

TEST(DecimalRandomised, MulMatchesReference) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    const Raw a = random_raw(rng), b = random_raw(rng);
    const Rounding m = kModes[rng() % kModes.size()];
    const bool neg = (a < 0) != (b < 0);
    const auto want = reference(RefU::mul(mag(a), mag(b)), static_cast<u128>(Decimal::kOne), neg, m);
    SCOPED_TRACE(raw_str(a) + " * " + raw_str(b) + " " + mode_name(m));
    if (want) {
      ASSERT_EQ(raw_str(Decimal::from_raw(a).mul(Decimal::from_raw(b), m).raw()), raw_str(*want));
    } else {
      ASSERT_THROW(Decimal::from_raw(a).mul(Decimal::from_raw(b), m), DecimalError);
    }
  }
}

TEST(DecimalRandomised, DivMatchesReference) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 20000; ++i) {
    const Raw a = random_raw(rng);
    Raw b = random_raw(rng);
    if (b == 0) b = 3;
    if (b == kRawMin) b = kRawMax;  // the bit-serial reference needs |b| < 2^127
    // Keep some quotients small enough to fit: shrink a relative to b.
    const Raw a2 =
        (i % 2 == 0 && mag(b) > 1000) ? a / static_cast<Raw>(pow10(static_cast<int>(rng() % 19))) : a;
    const Rounding m = kModes[rng() % kModes.size()];
    const bool neg = (a2 < 0) != (b < 0);
    const auto want = reference(RefU::mul(mag(a2), static_cast<u128>(Decimal::kOne)), mag(b), neg, m);
    SCOPED_TRACE(raw_str(a2) + " / " + raw_str(b) + " " + mode_name(m));
    if (want) {
      ASSERT_EQ(raw_str(Decimal::from_raw(a2).div(Decimal::from_raw(b), m).raw()), raw_str(*want));
    } else {
      ASSERT_THROW(Decimal::from_raw(a2).div(Decimal::from_raw(b), m), DecimalError);
    }
  }
}

TEST(DecimalRandomised, QuantizeMatchesReference) {
  std::mt19937_64 rng(13);
  for (int i = 0; i < 20000; ++i) {
    const Raw a = random_raw(rng);
    Raw step = random_raw(rng);
    if (step < 0) step = step == kRawMin ? kRawMax : -step;
    if (step == 0) step = 1;
    if (i % 2 == 0) step = pow10(static_cast<int>(rng() % 21)) * (1 + static_cast<Raw>(rng() % 9));
    const Rounding m = kModes[rng() % kModes.size()];
    const auto steps = reference(RefU::from(mag(a)), static_cast<u128>(step), a < 0, m);
    SCOPED_TRACE(raw_str(a) + " q " + raw_str(step) + " " + mode_name(m));
    ASSERT_TRUE(steps.has_value());
    const u128 want_mag = mag(*steps) * static_cast<u128>(step);
    if (want_mag > (a < 0 ? (u128{1} << 127) : (u128{1} << 127) - 1)) {
      ASSERT_THROW(Decimal::from_raw(a).quantize(Decimal::from_raw(step), m), DecimalError);
    } else {
      const Raw want = a < 0 ? static_cast<Raw>(u128{0} - want_mag) : static_cast<Raw>(want_mag);
      ASSERT_EQ(raw_str(Decimal::from_raw(a).quantize(Decimal::from_raw(step), m).raw()), raw_str(want));
    }
  }
}

}  // namespace
}  // namespace nectar
