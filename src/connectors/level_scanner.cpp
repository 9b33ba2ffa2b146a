#include "nectar/connectors/level_scanner.hpp"

#include <simdjson.h>

#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define NECTAR_SSE2_SCAN 1  // SSE2 is part of x86-64
#endif

namespace nectar {

namespace {

using simdjson::ondemand::array;

constexpr int64_t kPow10[19] = {1,
                                10,
                                100,
                                1'000,
                                10'000,
                                100'000,
                                1'000'000,
                                10'000'000,
                                100'000'000,
                                1'000'000'000,
                                10'000'000'000,
                                100'000'000'000,
                                1'000'000'000'000,
                                10'000'000'000'000,
                                100'000'000'000'000,
                                1'000'000'000'000'000,
                                10'000'000'000'000'000,
                                100'000'000'000'000'000,
                                1'000'000'000'000'000'000};

// mantissa x 10^-frac as a Decimal (frac <= 18; mantissa < 10^19, so no overflow).
inline Decimal scaled(uint64_t mantissa, std::size_t frac) {
  return Decimal::from_raw(static_cast<Decimal::Raw>(mantissa) * kPow10[Decimal::kScale - frac]);
}

// Exact decimal from plain "123.456" text (what most exchanges send): at most 19 digits, at most 18 of them
// after the point. Anything else (exponent, sign, longer text) goes through Decimal::try_parse, which accepts
// every form; both give the same value.
inline bool parse_plain(std::string_view s, Decimal& out) {
  if (s.empty() || s.size() > 20) return false;
  uint64_t mantissa = 0;
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n && static_cast<unsigned>(s[i] - '0') < 10) mantissa = mantissa * 10 + (s[i++] - '0');
  std::size_t digits = i;
  std::size_t frac = 0;
  if (i < n) {
    if (s[i] != '.') return false;
    ++i;
    const std::size_t start = i;
    while (i < n && static_cast<unsigned>(s[i] - '0') < 10) mantissa = mantissa * 10 + (s[i++] - '0');
    if (i != n) return false;
    frac = i - start;
    digits += frac;
  }
  if (digits == 0 || digits > 19 || frac > 18) return false;  // 19 digits cannot overflow uint64
  out = scaled(mantissa, frac);
  return true;
}

}  // namespace

bool parse_level_amount(std::string_view s, Decimal& out) {
  if (parse_plain(s, out)) return true;
  auto d = Decimal::try_parse(s);
  if (!d || d->is_negative()) return false;
  out = *d;
  return true;
}

namespace {

inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

inline const char* skip_space(const char* p, const char* end) {
  while (p < end && is_space(*p)) ++p;
  return p;
}

// One scalar of a level: a string without escapes (its content) or a bare number (its text). Returns the
// position after it, or nullptr when it is anything else.
inline const char* scan_scalar(const char* p, const char* end, std::string_view& out) {
  if (p >= end) return nullptr;
  if (*p == '"') {
    const char* q = p + 1;
    while (q < end && *q != '"' && *q != '\\') ++q;  // short texts: a plain loop beats memchr
    if (q >= end || *q != '"') return nullptr;       // escapes: leave it to simdjson
    out = std::string_view(p + 1, static_cast<std::size_t>(q - p - 1));
    return q + 1;
  }
  const char* q = p;
  while (q < end &&
         ((*q >= '0' && *q <= '9') || *q == '.' || *q == '-' || *q == '+' || *q == 'e' || *q == 'E'))
    ++q;
  if (q == p) return nullptr;
  out = std::string_view(p, static_cast<std::size_t>(q - p));
  return q;
}

#ifdef NECTAR_SSE2_SCAN
// Value of the k (1..8) ASCII digits at p, eight at a time (SWAR, as in simdjson and fast_float). Reads 8
// bytes.
inline uint64_t swar_digits8(const char* p, unsigned k) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  v -= 0x3030303030303030ULL;  // a borrow only runs toward the bytes past the digits, shifted out next
  v <<= 8 * (8 - k);           // leading zero digits in place of the bytes past the text
  v = v * 10 + (v >> 8);
  return (((v & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32))) +
          (((v >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32)))) >>
         32;
}

// Value of the k (0..16) ASCII digits at p. Reads up to 16 bytes.
inline uint64_t swar_digits(const char* p, unsigned k) {
  if (k == 0) return 0;
  if (k <= 8) return swar_digits8(p, k);
  return swar_digits8(p, k - 8) * 100'000'000 + swar_digits8(p + k - 8, 8);
}

// A quoted level value at p (on the opening quote) shorter than 16 characters, with one 16-byte load: finds
// the closing quote, rejects escapes, and converts plain "123.45" text on the spot. Needs 32 readable bytes
// after p (the input's simdjson padding guarantees them). Returns the position after the closing quote,
// nullptr to fall back (longer text, escapes, or a quote past `end`).
inline const char* scan_quoted_short(const char* p, const char* end, std::string_view& text, Decimal& value,
                                     bool& parsed) {
  const char* s = p + 1;
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s));
  const unsigned quote = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('"'))));
  if (quote == 0) return nullptr;
  const unsigned n = static_cast<unsigned>(__builtin_ctz(quote));
  if (s + n >= end) return nullptr;
  const unsigned inside = (1u << n) - 1;
  if (static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')))) & inside)
    return nullptr;
  text = std::string_view(s, n);
  const __m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
  const unsigned nondigit =
      static_cast<unsigned>(_mm_movemask_epi8(
          _mm_or_si128(_mm_cmplt_epi8(d, _mm_setzero_si128()), _mm_cmpgt_epi8(d, _mm_set1_epi8(9))))) &
      inside;
  const unsigned dot =
      static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('.')))) & inside;
  parsed = false;
  if (nondigit == dot && (dot & (dot - 1)) == 0 && n > (dot ? 1u : 0u)) {  // digits, at most one '.'
    const unsigned int_len = dot ? static_cast<unsigned>(__builtin_ctz(dot)) : n;
    const unsigned frac_len = dot ? n - int_len - 1 : 0;
    value = scaled(swar_digits(s, int_len) * static_cast<uint64_t>(kPow10[frac_len]) +
                       swar_digits(s + int_len + 1, frac_len),
                   frac_len);
    parsed = true;
  }
  return s + n + 1;
}
#endif

// A level's price or size: scan_scalar, converting the value on the way when it is a short plain string.
inline const char* scan_value(const char* p, const char* end, std::string_view& text, Decimal& value,
                              bool& parsed) {
#ifdef NECTAR_SSE2_SCAN
  if (p < end && *p == '"') {
    if (const char* q = scan_quoted_short(p, end, text, value, parsed)) return q;
  }
#endif
  parsed = false;
  return scan_scalar(p, end, text);
}

// Fast path for a side's raw JSON `[["price","size"],...]`: collects the texts (and, for plain short text,
// the values) without applying anything. Returns false for anything unexpected (the caller then uses the
// general simdjson path). `raw` must lie in the padded input: up to 32 bytes past any of its positions are
// read.
bool scan_levels(std::string_view raw, std::vector<LevelText>& out) {
  out.clear();
  const char* p = raw.data();
  const char* const end = p + raw.size();
  p = skip_space(p, end);
  if (p >= end || *p++ != '[') return false;
  p = skip_space(p, end);
  if (p < end && *p == ']') return true;
  while (true) {
    if (p >= end || *p++ != '[') return false;
    LevelText t;
    bool price_parsed, size_parsed;
    p = skip_space(p, end);
    if (!(p = scan_value(p, end, t.price, t.price_value, price_parsed))) return false;
    p = skip_space(p, end);
    if (p >= end || *p++ != ',') return false;
    p = skip_space(p, end);
    if (!(p = scan_value(p, end, t.size, t.size_value, size_parsed))) return false;
    t.parsed = price_parsed && size_parsed;
    p = skip_space(p, end);
    while (p < end && *p == ',') {  // extra fields are ignored
      std::string_view ignored;
      p = skip_space(p + 1, end);
      if (!(p = scan_scalar(p, end, ignored))) return false;
      p = skip_space(p, end);
    }
    if (p >= end || *p++ != ']') return false;
    out.push_back(t);
    p = skip_space(p, end);
    if (p >= end) return false;
    if (*p == ']') return true;
    if (*p++ != ',') return false;
    p = skip_space(p, end);
  }
}

// General path: [["price","size"],...] through simdjson (escaped strings, odd nesting). Collects the texts.
bool collect_levels(array levels, std::vector<LevelText>& out) {
  out.clear();
  for (auto level_v : levels) {
    array level;
    if (level_v.get_array().get(level)) return false;
    std::string_view texts[2];
    int n = 0;
    for (auto field : level) {
      if (n >= 2) break;
      // Strings or bare numbers: the raw token keeps the exchange's text.
      std::string_view s;
      if (field.get_string().get(s)) {
        simdjson::ondemand::json_type type;
        if (field.type().get(type) || type != simdjson::ondemand::json_type::number) return false;
        auto raw = field.raw_json_token();
        if (raw.error()) return false;
        s = raw.value_unsafe();
        while (!s.empty() && (is_space(s.back()) || s.back() == ',' || s.back() == ']')) s.remove_suffix(1);
      }
      texts[n++] = s;
    }
    if (n < 2) return false;
    out.push_back({texts[0], texts[1], Decimal{}, Decimal{}, false});
  }
  return true;
}

}  // namespace

struct LevelScanner::Impl {
  simdjson::ondemand::parser fallback;  // re-reads a level array the fast scanner declined
};

LevelScanner::LevelScanner() : impl_(std::make_unique<Impl>()) {}
LevelScanner::~LevelScanner() = default;

bool LevelScanner::scan(std::string_view raw, std::size_t readable, std::vector<LevelText>& out) {
  if (scan_levels(raw, out)) return true;
  // The general path. The bytes after the array (rest of the message, then the padding) are readable, as
  // simdjson requires.
  simdjson::ondemand::document sub;
  array sub_levels;
  return !impl_->fallback.iterate(raw.data(), raw.size(), readable).get(sub) &&
         !sub.get_array().get(sub_levels) && collect_levels(sub_levels, out);
}

bool apply_levels(const std::vector<LevelText>& levels, OrderBook& book, OrderBook::Side side) {
  for (const auto& t : levels) {
    if (t.parsed) {
      book.set_level(side, LevelUpdate{t.price_value, t.size_value, t.price, t.size});
      continue;
    }
    Decimal price, size;
    if (!parse_level_amount(t.price, price) || !parse_level_amount(t.size, size)) return false;
    book.set_level(side, LevelUpdate{price, size, t.price, t.size});
  }
  return true;
}

}  // namespace nectar
