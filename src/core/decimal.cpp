#include "nectar/core/decimal.hpp"

#include <array>
#include <cstddef>

namespace nectar {
namespace {

using u64 = uint64_t;
using u128 = unsigned __int128;
using Raw = Decimal::Raw;

constexpr u128 kMaxPosMag = (u128{1} << 127) - 1;  // |INT128_MAX|
constexpr u128 kMaxNegMag = u128{1} << 127;        // |INT128_MIN|
constexpr u64 kOneU = static_cast<u64>(Decimal::kOne);

constexpr auto kPow10 = [] {
  std::array<u128, 39> t{};
  t[0] = 1;
  for (std::size_t i = 1; i < t.size(); ++i) t[i] = t[i - 1] * 10;
  return t;
}();

constexpr bool is_digit(char c) {
  return static_cast<unsigned char>(c - '0') < 10;
}

constexpr u128 magnitude(Raw r) {
  return r < 0 ? u128{0} - static_cast<u128>(r) : static_cast<u128>(r);
}
constexpr u128 mag_limit(bool negative) {
  return negative ? kMaxNegMag : kMaxPosMag;
}
// Caller guarantees mag <= mag_limit(negative); C++20 defines the modular conversion.
constexpr Raw with_sign(u128 mag, bool negative) {
  return negative ? static_cast<Raw>(u128{0} - mag) : static_cast<Raw>(mag);
}

[[noreturn, gnu::cold]] void throw_overflow(Decimal a, const char* op, Decimal b) {
  throw DecimalError("decimal overflow: " + a.to_string() + " " + op + " " + b.to_string());
}
[[noreturn, gnu::cold]] void throw_overflow(Decimal a, const char* op, int64_t b) {
  throw DecimalError("decimal overflow: " + a.to_string() + " " + op + " " + std::to_string(b));
}
[[noreturn, gnu::cold]] void throw_invalid(std::string_view text) {
  throw DecimalError("invalid decimal '" + std::string(text.substr(0, 64)) + "'");
}
[[noreturn, gnu::cold]] void throw_arg(const char* what) {
  throw DecimalError(what);
}

// (hi:lo) / d with hi < d, so the quotient fits 64 bits.
inline u64 div128by64(u64 hi, u64 lo, u64 d, u64& rem) {
#if defined(__x86_64__)
  u64 q;
  u64 r;
  __asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(d));
  rem = r;
  return q;
#else
  const u128 n = (static_cast<u128>(hi) << 64) | lo;
  const u64 q = static_cast<u64>(n / d);
  rem = lo - q * d;
  return q;
#endif
}

// Avoids libgcc's generic 128-bit division: two hardware divisions when the divisor fits 64 bits.
inline u128 divmod(u128 n, u64 d, u64& rem) {
  const u64 hi = static_cast<u64>(n >> 64);
  const u64 lo = static_cast<u64>(n);
  if (hi == 0) {
    rem = lo % d;
    return lo / d;
  }
  const u64 qhi = hi / d;
  const u64 qlo = div128by64(hi % d, lo, d, rem);
  return (static_cast<u128>(qhi) << 64) | qlo;
}

// True when a truncated quotient q (remainder r, divisor d, sign of the exact result) must grow by one.
inline bool round_away(u128 q, u128 r, u128 d, bool negative, Rounding rounding) {
  if (r == 0) return false;
  switch (rounding) {
    case Rounding::kDown:
      return false;
    case Rounding::kFloor:
      return negative;
    case Rounding::kCeil:
      return !negative;
    case Rounding::kHalfUp:
      return r >= d - r;
    case Rounding::kHalfEven: {
      const u128 rest = d - r;
      return r > rest || (r == rest && (q & 1) != 0);
    }
  }
  return false;
}

// Minimal unsigned 256-bit integer (little-endian 64-bit limbs) for mul/div intermediates.
struct U256 {
  std::array<u64, 4> w{};

  u128 low128() const { return (static_cast<u128>(w[1]) << 64) | w[0]; }
  bool high_zero() const { return (w[2] | w[3]) == 0; }
};

U256 mul_128x128(u128 a, u128 b) {
  const u64 a0 = static_cast<u64>(a), a1 = static_cast<u64>(a >> 64);
  const u64 b0 = static_cast<u64>(b), b1 = static_cast<u64>(b >> 64);
  const u128 p00 = static_cast<u128>(a0) * b0;
  const u128 p01 = static_cast<u128>(a0) * b1;
  const u128 p10 = static_cast<u128>(a1) * b0;
  const u128 p11 = static_cast<u128>(a1) * b1;
  const u128 mid = (p00 >> 64) + static_cast<u64>(p01) + static_cast<u64>(p10);
  const u128 hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
  U256 r;
  r.w = {static_cast<u64>(p00), static_cast<u64>(mid), static_cast<u64>(hi), static_cast<u64>(hi >> 64)};
  return r;
}

U256 div_256_by_64(const U256& n, u64 d, u64& rem) {
  U256 q;
  u64 r = 0;
  for (int i = 3; i >= 0; --i) {
    if (r == 0 && n.w[i] < d) {  // quotient limb is zero; skip the division
      r = n.w[i];
      continue;
    }
    q.w[i] = div128by64(r, n.w[i], d, r);
  }
  rem = r;
  return q;
}

// Knuth algorithm D (Hacker's Delight divmnu64) with a two-limb divisor whose high limb is non-zero.
U256 div_256_by_128(const U256& n, u128 d, u128& rem) {
  const int s = __builtin_clzll(static_cast<u64>(d >> 64));
  const u128 dn = d << s;
  const u64 v[2] = {static_cast<u64>(dn), static_cast<u64>(dn >> 64)};
  u64 u[5];
  if (s == 0) {
    u[4] = 0;
    for (int i = 0; i < 4; ++i) u[i] = n.w[i];
  } else {
    u[4] = n.w[3] >> (64 - s);
    for (int i = 3; i > 0; --i) u[i] = (n.w[i] << s) | (n.w[i - 1] >> (64 - s));
    u[0] = n.w[0] << s;
  }
  U256 q;
  for (int j = 2; j >= 0; --j) {
    const u128 num = (static_cast<u128>(u[j + 2]) << 64) | u[j + 1];
    u128 qhat = num / v[1];
    u128 rhat = num - qhat * v[1];
    while ((qhat >> 64) != 0 || qhat * v[0] > ((rhat << 64) | u[j])) {
      --qhat;
      rhat += v[1];
      if ((rhat >> 64) != 0) break;
    }
    // u[j..j+2] -= qhat * v
    u64 borrow = 0;
    u64 carry = 0;
    for (int i = 0; i < 2; ++i) {
      const u128 p = static_cast<u128>(static_cast<u64>(qhat)) * v[i] + carry;
      carry = static_cast<u64>(p >> 64);
      const u64 plo = static_cast<u64>(p);
      const u64 x = u[i + j];
      const u64 t1 = x - plo;
      const u64 b1 = x < plo;
      const u64 t2 = t1 - borrow;
      const u64 b2 = t1 < borrow;
      u[i + j] = t2;
      borrow = b1 | b2;
    }
    const u128 sub = static_cast<u128>(carry) + borrow;
    const bool went_negative = static_cast<u128>(u[j + 2]) < sub;
    u[j + 2] -= static_cast<u64>(sub);
    if (went_negative) {  // qhat was one too large: add the divisor back
      --qhat;
      u64 c = 0;
      for (int i = 0; i < 2; ++i) {
        const u128 t = static_cast<u128>(u[i + j]) + v[i] + c;
        u[i + j] = static_cast<u64>(t);
        c = static_cast<u64>(t >> 64);
      }
      u[j + 2] += c;
    }
    q.w[j] = static_cast<u64>(qhat);
  }
  rem = ((static_cast<u128>(u[1]) << 64) | u[0]) >> s;
  return q;
}

// Applies rounding to a truncated 256-bit quotient magnitude (remainder r of divisor d) and the sign;
// false when the result does not fit.
bool finish_256(const U256& q, u128 r, u128 d, bool negative, Rounding rounding, Raw& out) {
  const u128 limit = mag_limit(negative);
  if (!q.high_zero()) return false;
  u128 mag = q.low128();
  if (mag > limit) return false;
  if (round_away(mag, r, d, negative, rounding)) ++mag;
  if (mag > limit) return false;
  out = with_sign(mag, negative);
  return true;
}

// Signed raw ÷ positive step, rounded to an integer count of steps.
u128 divide_steps(Raw value, Raw step, Rounding rounding, bool& negative) {
  negative = value < 0;
  const u128 mag = magnitude(value);
  const u128 d = static_cast<u128>(step);
  u128 q;
  u128 r;
  if ((d >> 64) == 0) {
    u64 r64;
    q = divmod(mag, static_cast<u64>(d), r64);
    r = r64;
  } else {
    q = mag / d;
    r = mag - q * d;
  }
  if (round_away(q, r, d, negative, rounding)) ++q;
  return q;
}

constexpr auto kDigitPairs = [] {
  std::array<char, 200> t{};
  for (std::size_t i = 0; i < 100; ++i) {
    t[2 * i] = static_cast<char>('0' + i / 10);
    t[2 * i + 1] = static_cast<char>('0' + i % 10);
  }
  return t;
}();

// Writes exactly `width` digits of v (zero-padded) backwards ending at `end`; returns the first one.
char* put_u64_padded(char* end, u64 v, int width) {
  for (; width >= 2; width -= 2) {  // two digits per division: printing is on the order path
    const auto pair = static_cast<std::size_t>(v % 100) * 2;
    v /= 100;
    *--end = kDigitPairs[pair + 1];
    *--end = kDigitPairs[pair];
  }
  if (width == 1) *--end = static_cast<char>('0' + v % 10);
  return end;
}
int digit_count(u64 v) {
  int n = 1;
  for (u64 p = 10; n < 20 && v >= p; p *= 10) ++n;
  return n;
}
char* put_u64(char* end, u64 v) {
  return put_u64_padded(end, v, digit_count(v));
}
char* put_u128(char* end, u128 v) {
  constexpr u64 k1e19 = 10'000'000'000'000'000'000ULL;
  while ((v >> 64) != 0) {
    u64 chunk;
    v = divmod(v, k1e19, chunk);
    end = put_u64_padded(end, chunk, 19);
  }
  return put_u64(end, static_cast<u64>(v));
}

// Prints sign, integer part and exactly `decimals` fraction digits of mag × 10^-decimals.
std::string format_fixed(u128 mag, bool negative, int decimals) {
  char buf[64];
  char* const end = buf + sizeof(buf);
  char* p = end;
  u128 int_part = mag;
  if (decimals > 0) {
    u64 frac;
    int_part = divmod(mag, static_cast<u64>(kPow10[decimals]), frac);
    p = put_u64_padded(p, frac, decimals);
    *--p = '.';
  }
  p = put_u128(p, int_part);
  if (negative && mag != 0) *--p = '-';
  return std::string(p, static_cast<std::size_t>(end - p));
}

}  // namespace

Decimal Decimal::from_scaled(int64_t mantissa, int exponent) {
  if (exponent < 0 || exponent > kScale) throw_arg("from_scaled: exponent must be in [0, 18]");
  // |mantissa| <= 9.3e18 times at most 1e18 always fits.
  return from_raw(static_cast<Raw>(mantissa) * static_cast<Raw>(kPow10[kScale - exponent]));
}

std::optional<Decimal> Decimal::try_parse(std::string_view text) noexcept {
  const char* p = text.data();
  const char* const end = p + text.size();
  bool negative = false;
  if (p != end && (*p == '-' || *p == '+')) {
    negative = *p == '-';
    ++p;
  }
  const char* ib = p;
  while (p != end && is_digit(*p)) ++p;
  const char* ie = p;
  const char* fb = p;
  const char* fe = p;
  if (p != end && *p == '.') {
    fb = ++p;
    while (p != end && is_digit(*p)) ++p;
    fe = p;
  }
  if (ib == ie && fb == fe) return std::nullopt;
  int64_t exponent = 0;
  if (p != end && (*p == 'e' || *p == 'E')) {
    ++p;
    bool exp_negative = false;
    if (p != end && (*p == '-' || *p == '+')) {
      exp_negative = *p == '-';
      ++p;
    }
    if (p == end || !is_digit(*p)) return std::nullopt;
    for (; p != end && is_digit(*p); ++p) {
      // Clamped: any exponent this large is out of range or inexact unless the digits are all zero.
      if (exponent < 1'000'000'000) exponent = exponent * 10 + (*p - '0');
    }
    if (exp_negative) exponent = -exponent;
  }
  if (p != end) return std::nullopt;

  // Drop trailing zeros so the significant digits end in a non-zero digit: then a value finer than
  // 10^-18 is exactly the case shift < 0, and long zero tails cannot overflow the mantissa.
  while (fe != fb && fe[-1] == '0') --fe;
  int64_t scale = (fe - fb) - exponent;  // value = digits × 10^-scale
  if (fe == fb) {
    while (ie != ib && ie[-1] == '0') {
      --ie;
      --scale;
    }
  }
  while (ib != ie && *ib == '0') ++ib;
  if (ib == ie) {
    while (fb != fe && *fb == '0') ++fb;
  }
  const int64_t ndigits = (ie - ib) + (fe - fb);
  if (ndigits == 0) return Decimal{};
  const int64_t shift = kScale - scale;  // raw = digits × 10^shift
  if (shift < 0) return std::nullopt;
  if (ndigits + shift > 39) return std::nullopt;  // >= 10^39 > 2^128

  u128 mag;
  if (ndigits <= 19) {  // the common case: accumulate in 64 bits, no overflow possible
    u64 m = 0;
    for (const char* q = ib; q != ie; ++q) m = m * 10 + static_cast<u64>(*q - '0');
    for (const char* q = fb; q != fe; ++q) m = m * 10 + static_cast<u64>(*q - '0');
    if (ndigits + shift <= 38) {
      mag = static_cast<u128>(m) * kPow10[shift];  // < 10^38 < 2^127
    } else if (__builtin_mul_overflow(static_cast<u128>(m), kPow10[shift], &mag)) {
      return std::nullopt;
    }
  } else {
    // 20..39 digits: 64-bit chunks of at most 19 digits; only a 39-digit result can overflow.
    const char* q = ib;
    auto next = [&] {
      if (q == ie) q = fb;
      return static_cast<u64>(*q++ - '0');
    };
    u128 m = 0;
    bool overflow = false;
    for (int64_t left = ndigits; left > 0;) {
      const int take = left > 19 ? 19 : static_cast<int>(left);
      u64 chunk = 0;
      for (int i = 0; i < take; ++i) chunk = chunk * 10 + next();
      overflow |= __builtin_mul_overflow(m, kPow10[take], &m);
      overflow |= __builtin_add_overflow(m, u128{chunk}, &m);
      left -= take;
    }
    overflow |= __builtin_mul_overflow(m, kPow10[shift], &mag);
    if (overflow) return std::nullopt;
  }
  if (mag > mag_limit(negative)) return std::nullopt;
  return from_raw(with_sign(mag, negative));
}

Decimal Decimal::parse(std::string_view text) {
  if (auto d = try_parse(text)) return *d;
  throw_invalid(text);
}

std::string Decimal::to_string() const {
  char buf[64];
  char* const end = buf + sizeof(buf);
  char* p = end;
  const u128 mag = magnitude(raw_);
  u64 frac;
  const u128 int_part = divmod(mag, kOneU, frac);
  if (frac != 0) {
    int digits = kScale;
    for (int chunk : {16, 8, 4, 2, 1}) {  // binary search for the trailing zeros (at most 17)
      const u64 unit = static_cast<u64>(kPow10[chunk]);
      if (frac % unit == 0) {
        frac /= unit;
        digits -= chunk;
      }
    }
    p = put_u64_padded(p, frac, digits);
    *--p = '.';
  }
  p = put_u128(p, int_part);
  if (raw_ < 0) *--p = '-';
  return std::string(p, static_cast<std::size_t>(end - p));
}

std::string Decimal::to_string_fixed(int decimals, Rounding rounding) const {
  if (decimals < 0 || decimals > kScale) throw_arg("to_string_fixed: decimals must be in [0, 18]");
  bool negative;
  const u128 units = divide_steps(raw_, static_cast<Raw>(kPow10[kScale - decimals]), rounding, negative);
  return format_fixed(units, negative, decimals);
}

Decimal Decimal::abs() const {
  if (raw_ < 0) return -*this;
  return *this;
}

Decimal Decimal::operator-() const {
  if (raw_ == static_cast<Raw>(kMaxNegMag)) throw_overflow(zero(), "-", *this);
  return from_raw(-raw_);
}

Decimal Decimal::operator+(Decimal other) const {
  Raw r;
  if (__builtin_add_overflow(raw_, other.raw_, &r)) throw_overflow(*this, "+", other);
  return from_raw(r);
}

Decimal Decimal::operator-(Decimal other) const {
  Raw r;
  if (__builtin_sub_overflow(raw_, other.raw_, &r)) throw_overflow(*this, "-", other);
  return from_raw(r);
}

Decimal& Decimal::operator+=(Decimal other) {
  return *this = *this + other;
}
Decimal& Decimal::operator-=(Decimal other) {
  return *this = *this - other;
}

Decimal Decimal::mul(Decimal other, Rounding rounding) const {
  const bool negative = (raw_ < 0) != (other.raw_ < 0);
  const u128 a = magnitude(raw_);
  const u128 b = magnitude(other.raw_);
  Raw out;
  if (((a | b) >> 64) == 0) {  // fast path: the product fits 128 bits
    u64 r;
    const u128 q = divmod(a * b, kOneU, r);
    U256 q256;
    q256.w = {static_cast<u64>(q), static_cast<u64>(q >> 64), 0, 0};
    if (finish_256(q256, r, kOneU, negative, rounding, out)) return from_raw(out);
  } else {
    u64 r;
    const U256 q = div_256_by_64(mul_128x128(a, b), kOneU, r);
    if (finish_256(q, r, kOneU, negative, rounding, out)) return from_raw(out);
  }
  throw_overflow(*this, "*", other);
}

Decimal Decimal::div(Decimal other, Rounding rounding) const {
  if (other.raw_ == 0) throw DecimalError("division by zero");
  const bool negative = (raw_ < 0) != (other.raw_ < 0);
  const u128 b = magnitude(other.raw_);
  const U256 n = mul_128x128(magnitude(raw_), kOneU);
  U256 q;
  u128 r;
  if ((b >> 64) == 0) {
    u64 r64;
    q = div_256_by_64(n, static_cast<u64>(b), r64);
    r = r64;
  } else {
    q = div_256_by_128(n, b, r);
  }
  Raw out;
  if (finish_256(q, r, b, negative, rounding, out)) return from_raw(out);
  throw_overflow(*this, "/", other);
}

Decimal Decimal::mul_int(int64_t k) const {
  Raw r;
  if (__builtin_mul_overflow(raw_, static_cast<Raw>(k), &r)) throw_overflow(*this, "*", k);
  return from_raw(r);
}

Decimal Decimal::quantize(Decimal step, Rounding rounding) const {
  if (step.raw_ <= 0) throw DecimalError("quantize: step must be positive, got " + step.to_string());
  bool negative;
  const u128 steps = divide_steps(raw_, step.raw_, rounding, negative);
  u128 mag;
  // steps × step <= |this| + step < 2^128, so only the signed range can be exceeded.
  if (__builtin_mul_overflow(steps, static_cast<u128>(step.raw_), &mag) || mag > mag_limit(negative)) {
    throw_overflow(*this, "quantize", step);
  }
  return from_raw(with_sign(mag, negative));
}

Decimal Decimal::round_to(int decimals, Rounding rounding) const {
  if (decimals >= kScale) return *this;
  if (decimals < kScale - 38) throw_arg("round_to: decimals must be >= -20");
  return quantize(from_raw(static_cast<Raw>(kPow10[kScale - decimals])), rounding);
}

int64_t Decimal::steps_of(Decimal step) const {
  if (step.raw_ <= 0) throw DecimalError("steps_of: step must be positive, got " + step.to_string());
  bool negative;
  const u128 steps = divide_steps(raw_, step.raw_, Rounding::kFloor, negative);
  const u128 limit = negative ? (u128{1} << 63) : (u128{1} << 63) - 1;
  if (steps > limit) throw_overflow(*this, "steps_of", step);
  return negative ? static_cast<int64_t>(u64{0} - static_cast<u64>(steps)) : static_cast<int64_t>(steps);
}

}  // namespace nectar
