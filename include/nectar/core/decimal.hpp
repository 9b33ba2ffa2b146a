// Exact decimal arithmetic for money: prices, sizes, balances and fees never touch binary floating point.
#pragma once

#include <compare>
#include <iosfwd>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace nectar {

/// Thrown for malformed decimal text, overflow, or division by zero. The message names the input.
class DecimalError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// How a result that cannot be represented exactly is brought back to a representable value.
enum class Rounding {
  kDown,      ///< toward zero (truncate)
  kFloor,     ///< toward negative infinity
  kCeil,      ///< toward positive infinity
  kHalfUp,    ///< nearest, ties away from zero
  kHalfEven,  ///< nearest, ties to even (banker's)
};

/// Fixed-point decimal: a signed 128-bit integer counting units of 10^-18.
/// Range about ±1.7e20 with exactly 18 fractional digits. Addition, subtraction and comparison are exact;
/// multiplication and division take an explicit Rounding (there are no * and / operators on purpose).
/// Overflow is never silent: it throws DecimalError.
class Decimal {
 public:
  using Raw = __int128;
  static constexpr int kScale = 18;
  static constexpr int64_t kOne = 1'000'000'000'000'000'000;  // 10^18

  constexpr Decimal() = default;

  /// From the raw count of 10^-18 units.
  static constexpr Decimal from_raw(Raw raw) {
    Decimal d;
    d.raw_ = raw;
    return d;
  }
  static constexpr Decimal from_int(int64_t v) { return from_raw(static_cast<Raw>(v) * kOne); }
  /// value × 10^-exponent, e.g. from_scaled(12345, 2) == 123.45. exponent in [0, 18].
  static Decimal from_scaled(int64_t mantissa, int exponent);

  /// Parses exchange text exactly: "0.00000001", "-65000.5", "+1", "1e-05", "1.5E+3", ".5", "5.".
  /// Returns nullopt for malformed text, more than 18 fractional digits that are not zeros, or out of range.
  static std::optional<Decimal> try_parse(std::string_view text) noexcept;
  /// As try_parse, but throws DecimalError("invalid decimal '<text>'") instead of returning nullopt.
  static Decimal parse(std::string_view text);

  /// Canonical text: no exponent, no trailing fractional zeros, "0" for zero, "-" only for negatives.
  std::string to_string() const;
  /// Exactly `decimals` fractional digits (0..18), rounded with `rounding` when digits are dropped.
  std::string to_string_fixed(int decimals, Rounding rounding = Rounding::kHalfEven) const;

  constexpr Raw raw() const { return raw_; }
  constexpr bool is_zero() const { return raw_ == 0; }
  constexpr bool is_negative() const { return raw_ < 0; }
  constexpr bool is_positive() const { return raw_ > 0; }
  Decimal abs() const;

  Decimal operator-() const;
  Decimal operator+(Decimal other) const;
  Decimal operator-(Decimal other) const;
  Decimal& operator+=(Decimal other);
  Decimal& operator-=(Decimal other);

  /// this × other, rounded to 18 fractional digits.
  Decimal mul(Decimal other, Rounding rounding = Rounding::kHalfEven) const;
  /// this ÷ other, rounded to 18 fractional digits. Throws DecimalError on division by zero.
  Decimal div(Decimal other, Rounding rounding = Rounding::kHalfEven) const;
  /// this × integer (exact; throws on overflow).
  Decimal mul_int(int64_t k) const;

  /// Nearest multiple of `step` (step > 0) in the given direction: a price to its tick, an amount to its lot.
  Decimal quantize(Decimal step, Rounding rounding) const;
  /// Rounds to `decimals` fractional digits.
  Decimal round_to(int decimals, Rounding rounding) const;
  /// Number of whole steps in this value (floor); step > 0. Used for integer tick/lot representations.
  int64_t steps_of(Decimal step) const;

  friend constexpr bool operator==(Decimal a, Decimal b) { return a.raw_ == b.raw_; }
  friend constexpr std::strong_ordering operator<=>(Decimal a, Decimal b) { return a.raw_ <=> b.raw_; }

  static constexpr Decimal zero() { return Decimal{}; }
  static constexpr Decimal one() { return from_raw(kOne); }
  static Decimal min(Decimal a, Decimal b) { return a < b ? a : b; }
  static Decimal max(Decimal a, Decimal b) { return a < b ? b : a; }

 private:
  Raw raw_ = 0;
};

/// Prints the canonical text (also makes test failures readable).
std::ostream& operator<<(std::ostream& os, Decimal d);

/// Shorthand for literals in code and tests: "0.01"_d. Throws on malformed text.
inline Decimal operator""_d(const char* text, std::size_t len) { return Decimal::parse({text, len}); }

}  // namespace nectar
