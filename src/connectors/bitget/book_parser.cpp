#include "nectar/connectors/bitget/book_parser.hpp"

#include <simdjson.h>
#include <zlib.h>

#include <charconv>
#include <cstring>
#include <utility>
#include <vector>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define NECTAR_CRC32_CLMUL 1
#define NECTAR_SSE2_SCAN 1  // SSE2 is part of x86-64
#endif

namespace nectar::bitget {

// ---------------------------------------------------------------------------------------------------------
// CRC32
// ---------------------------------------------------------------------------------------------------------

namespace {

#ifdef NECTAR_CRC32_CLMUL
// Carry-less multiplication folding ("Fast CRC Computation for Generic Polynomials Using PCLMULQDQ",
// Intel 2009), the bit-reflected variant for the zlib polynomial, as in Chromium's zlib. Takes and returns
// the CRC register (pre-/post-inverted by the caller). len >= 64 and a multiple of 16. Folds 4 x 16 bytes per
// step: about 0.1 cycle per byte against about 1 for zlib 1.2's table-driven crc32.
#define NECTAR_CLMUL_TARGET __attribute__((target("pclmul,sse4.1")))

NECTAR_CLMUL_TARGET inline __m128i load16(const unsigned char* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

// acc * x^128 (mod P, by the constants in k) folded onto the next 16 bytes.
NECTAR_CLMUL_TARGET inline __m128i fold16(__m128i acc, __m128i k, __m128i next) {
  const __m128i lo = _mm_clmulepi64_si128(acc, k, 0x00);
  const __m128i hi = _mm_clmulepi64_si128(acc, k, 0x11);
  return _mm_xor_si128(_mm_xor_si128(hi, next), lo);
}

NECTAR_CLMUL_TARGET uint32_t crc32_fold_clmul(const unsigned char* buf, std::size_t len, uint32_t crc) {
  alignas(16) static const uint64_t k1k2[] = {0x0154442bd4, 0x01c6e41596};
  alignas(16) static const uint64_t k3k4[] = {0x01751997d0, 0x00ccaa009e};
  alignas(16) static const uint64_t k5k0[] = {0x0163cd6124, 0x0000000000};
  alignas(16) static const uint64_t poly[] = {0x01db710641, 0x01f7011641};
  __m128i x1 = load16(buf + 0x00);
  __m128i x2 = load16(buf + 0x10);
  __m128i x3 = load16(buf + 0x20);
  __m128i x4 = load16(buf + 0x30);
  x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128(static_cast<int>(crc)));
  __m128i x0 = _mm_load_si128(reinterpret_cast<const __m128i*>(k1k2));
  buf += 64;
  len -= 64;
  while (len >= 64) {  // four independent folds per 64 bytes
    const __m128i x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
    const __m128i x6 = _mm_clmulepi64_si128(x2, x0, 0x00);
    const __m128i x7 = _mm_clmulepi64_si128(x3, x0, 0x00);
    const __m128i x8 = _mm_clmulepi64_si128(x4, x0, 0x00);
    x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
    x2 = _mm_clmulepi64_si128(x2, x0, 0x11);
    x3 = _mm_clmulepi64_si128(x3, x0, 0x11);
    x4 = _mm_clmulepi64_si128(x4, x0, 0x11);
    x1 = _mm_xor_si128(_mm_xor_si128(x1, x5), load16(buf + 0x00));
    x2 = _mm_xor_si128(_mm_xor_si128(x2, x6), load16(buf + 0x10));
    x3 = _mm_xor_si128(_mm_xor_si128(x3, x7), load16(buf + 0x20));
    x4 = _mm_xor_si128(_mm_xor_si128(x4, x8), load16(buf + 0x30));
    buf += 64;
    len -= 64;
  }
  // Fold the four lanes into one.
  x0 = _mm_load_si128(reinterpret_cast<const __m128i*>(k3k4));
  x1 = fold16(x1, x0, x2);
  x1 = fold16(x1, x0, x3);
  x1 = fold16(x1, x0, x4);
  while (len >= 16) {
    x1 = fold16(x1, x0, load16(buf));
    buf += 16;
    len -= 16;
  }
  // 128 -> 64 bits.
  x2 = _mm_clmulepi64_si128(x1, x0, 0x10);
  x3 = _mm_setr_epi32(~0, 0, ~0, 0);
  x1 = _mm_srli_si128(x1, 8);
  x1 = _mm_xor_si128(x1, x2);
  x0 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(k5k0));
  x2 = _mm_srli_si128(x1, 4);
  x1 = _mm_and_si128(x1, x3);
  x1 = _mm_clmulepi64_si128(x1, x0, 0x00);
  x1 = _mm_xor_si128(x1, x2);
  // Barrett reduction to 32 bits.
  x0 = _mm_load_si128(reinterpret_cast<const __m128i*>(poly));
  x2 = _mm_and_si128(x1, x3);
  x2 = _mm_clmulepi64_si128(x2, x0, 0x10);
  x2 = _mm_and_si128(x2, x3);
  x2 = _mm_clmulepi64_si128(x2, x0, 0x00);
  x1 = _mm_xor_si128(x1, x2);
  return static_cast<uint32_t>(_mm_extract_epi32(x1, 1));
}

const bool kHaveClmul = [] {
  __builtin_cpu_init();  // may run before libgcc's own initializer
  return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}();
#endif

}  // namespace

uint32_t crc32_update(uint32_t crc, std::string_view data) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t n = data.size();
#ifdef NECTAR_CRC32_CLMUL
  if (n >= 64 && kHaveClmul) {
    const std::size_t chunk = n & ~std::size_t{15};
    crc = ~crc32_fold_clmul(p, chunk, ~crc);
    p += chunk;
    n -= chunk;
  }
#endif
  if (n == 0) return crc;
  return static_cast<uint32_t>(crc32(crc, p, static_cast<uInt>(n)));
}

// ---------------------------------------------------------------------------------------------------------
// Checksum
// ---------------------------------------------------------------------------------------------------------

namespace {

// The checksum text is gathered at kFront into a buffer of kChecksumBufferSize bytes: the longest text (25
// levels a side, two texts of at most 31 characters plus ':' each), the slack ShortText::copy_to writes past
// the last text, and room in front for the CRC's zero padding.
constexpr std::size_t kFront = 16;
constexpr std::size_t kChecksumBufferSize =
    kFront + std::size_t{25} * 2 * 2 * (ShortText::kCapacity + 1) + sizeof(ShortText);

inline char* put_level(char* out, const BookLevel& l) {
  return l.size_text.copy_to(l.price_text.copy_to(out, ':'), ':');
}

// Writes "bid1p:bid1s:ask1p:ask1s:..." (no trailing ':') at `out`: fixed-size copies of the stored texts, no
// formatting, no allocation. Returns the length.
std::size_t checksum_text(const OrderBook& book, char* out) {
  const std::size_t nb = std::min<std::size_t>(25, book.bid_count());
  const std::size_t na = std::min<std::size_t>(25, book.ask_count());
  if (nb == 0 && na == 0) return 0;
  char* p = out;
  const BookLevel* bid = nb ? &book.bid(0) : nullptr;  // bid(i) == bid[-i]: best at the back
  const BookLevel* ask = na ? &book.ask(0) : nullptr;
  const std::size_t both = std::min(nb, na);
  std::size_t i = 0;
  for (; i < both; ++i) {
    p = put_level(p, *(bid - i));
    p = put_level(p, *(ask - i));
  }
  for (; i < nb; ++i) p = put_level(p, *(bid - i));
  for (; i < na; ++i) p = put_level(p, *(ask - i));
  return static_cast<std::size_t>(p - out) - 1;  // no trailing ':'
}

// Signed CRC32 of the n bytes at buf + kFront. May overwrite the text and the kFront bytes before it.
int32_t checksum_in_place(char* buf, std::size_t n) {
#ifdef NECTAR_CRC32_CLMUL
  if (n >= 64 && kHaveClmul) {
    // The fold takes whole 16-byte blocks. Rather than finishing the tail byte by byte, start from a zero
    // register with zlib's initial ~0 folded into the first four bytes (the same thing, by linearity): then
    // zero bytes in front change nothing, and padding the front to a multiple of 16 makes every block whole.
    const std::size_t pad = (16 - n % 16) % 16;
    auto* start = reinterpret_cast<unsigned char*>(buf + kFront - pad);
    std::memset(start, 0, pad);
    for (std::size_t i = 0; i < 4; ++i) start[pad + i] ^= 0xFF;
    return static_cast<int32_t>(~crc32_fold_clmul(start, n + pad, 0));
  }
#endif
  return static_cast<int32_t>(crc32_update(0, {buf + kFront, n}));
}

}  // namespace

int32_t book_checksum(const OrderBook& book, std::string& scratch) {
  char buf[kChecksumBufferSize];
  const std::size_t n = checksum_text(book, buf + kFront);
  scratch.assign(buf + kFront, n);
  return checksum_in_place(buf, n);
}

int32_t book_checksum(const OrderBook& book) {
  char buf[kChecksumBufferSize];
  return checksum_in_place(buf, checksum_text(book, buf + kFront));
}

// ---------------------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------------------

namespace {

/// Price and size of one level: the texts as sent and, when the scanner could already convert them, the
/// values.
struct LevelText {
  std::string_view price;
  std::string_view size;
  Decimal price_value;
  Decimal size_value;
  bool parsed = false;  ///< both values set
};

}  // namespace

struct BookParser::Impl {
  simdjson::ondemand::parser parser;
  simdjson::ondemand::parser fallback;  // re-reads a level array the fast scanner declined
  std::string padded;                   // copy target for unpadded input
  std::vector<LevelText> levels;        // one side's levels, scanned before any is applied
};

BookParser::BookParser() : impl_(std::make_unique<Impl>()) {
  impl_->padded.reserve(1 << 16);
  impl_->levels.reserve(1024);
  last_inst_id_.reserve(64);
}

BookParser::~BookParser() = default;

namespace {

using simdjson::ondemand::array;
using simdjson::ondemand::object;
using namespace std::string_view_literals;

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

// Exact decimal from plain "123.456" text (what Bitget sends): at most 19 digits, at most 18 of them after
// the point. Anything else (exponent, sign, longer text) goes through Decimal::try_parse, which accepts every
// form; both give the same value.
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

inline bool parse_amount(std::string_view s, Decimal& out) {
  if (parse_plain(s, out)) return true;
  auto d = Decimal::try_parse(s);
  if (!d || d->is_negative()) return false;
  out = *d;
  return true;
}

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
      // Bitget sends strings; accept bare numbers too (raw token keeps the exchange's text).
      std::string_view s;
      if (field.get_string().get(s)) {
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

bool apply_texts(const std::vector<LevelText>& levels, OrderBook& book, OrderBook::Side side) {
  for (const auto& t : levels) {
    if (t.parsed) {
      book.set_level(side, LevelUpdate{t.price_value, t.size_value, t.price, t.size});
      continue;
    }
    Decimal price, size;
    if (!parse_amount(t.price, price) || !parse_amount(t.size, size)) return false;
    book.set_level(side, LevelUpdate{price, size, t.price, t.size});
  }
  return true;
}

// The text of a string value, without unescaping (and copying) it when it has no escapes.
inline simdjson::error_code string_text(simdjson::ondemand::value& v, std::string_view& out) {
  std::string_view raw = v.raw_json_token();
  while (!raw.empty() && is_space(raw.back())) raw.remove_suffix(1);
  if (raw.size() >= 2 && raw.front() == '"' && raw.back() == '"') {
    std::size_t i = 1;
    while (i + 1 < raw.size() && raw[i] != '\\') ++i;
    if (i + 1 == raw.size()) {
      out = raw.substr(1, raw.size() - 2);
      return simdjson::SUCCESS;
    }
  }
  return v.get_string().get(out);
}

}  // namespace

BookOutcome BookParser::apply(std::string_view message, bool padded, BookResolver& books,
                              bool verify_checksum) {
  last_error_.clear();
  std::string_view input = message;
  if (!padded) {
    impl_->padded.assign(message);
    impl_->padded.append(simdjson::SIMDJSON_PADDING, '\0');
    input = std::string_view(impl_->padded.data(), message.size());
  }
  simdjson::ondemand::document doc;
  if (impl_->parser.iterate(input.data(), input.size(), input.size() + simdjson::SIMDJSON_PADDING).get(doc)) {
    last_error_ = "not JSON";
    return BookOutcome::kMalformed;
  }
  object root;
  if (doc.get_object().get(root)) {
    last_error_ = "not a JSON object";
    return BookOutcome::kMalformed;
  }
  // A missing key means another kind of message; any other error means broken JSON.
  auto classify = [this](simdjson::error_code e) {
    if (e == simdjson::NO_SUCH_FIELD) return BookOutcome::kNotBooks;
    last_error_ = simdjson::error_message(e);
    return BookOutcome::kMalformed;
  };
  // Bitget puts "action" and "arg" before "data": read them in order, in one pass. Keys and short strings
  // are compared in place (raw JSON), never unescaped into simdjson's string buffer.
  simdjson::ondemand::value action_v;
  if (auto e = root.find_field("action").get(action_v)) return classify(e);
  std::string_view action;
  if (auto e = string_text(action_v, action)) return classify(e);
  object arg;
  if (auto e = root.find_field("arg").get_object().get(arg)) return classify(e);
  std::string_view channel, inst_id;
  for (auto field : arg) {
    simdjson::ondemand::raw_json_string key;
    simdjson::ondemand::value value;
    if (field.key().get(key) || field.value().get(value)) return BookOutcome::kMalformed;
    if (key == "channel"sv) {
      if (string_text(value, channel)) return BookOutcome::kMalformed;
    } else if (key == "instId"sv) {
      if (string_text(value, inst_id)) return BookOutcome::kMalformed;
    }
  }
  if (channel != "books"sv) return BookOutcome::kNotBooks;
  last_inst_id_.assign(inst_id);
  OrderBook* book = books.book(inst_id);
  if (!book) return BookOutcome::kUnknownBook;

  array data;
  if (root.find_field("data").get_array().get(data)) {
    last_error_ = "books message without data";
    return BookOutcome::kMalformed;
  }
  const bool snapshot = action == "snapshot"sv;
  BookOutcome outcome = snapshot ? BookOutcome::kSnapshot : BookOutcome::kUpdate;
  for (auto entry_v : data) {
    object entry;
    if (entry_v.get_object().get(entry)) return BookOutcome::kMalformed;
    int64_t checksum = 0;
    bool has_checksum = false;
    uint64_t seq = 0;
    bool has_seq = false;
    bool started = false;
    for (auto field : entry) {
      simdjson::ondemand::raw_json_string key;
      simdjson::ondemand::value value;
      if (field.key().get(key) || field.value().get(value)) return BookOutcome::kMalformed;
      const bool asks = key == "asks"sv;
      if (asks || key == "bids"sv) {
        if (!started) {
          if (snapshot) book->begin_snapshot();
          started = true;
        }
        array levels;
        std::string_view raw;
        if (value.get_array().get(levels) || levels.raw_json().get(raw)) return BookOutcome::kMalformed;
        if (!scan_levels(raw, impl_->levels)) {
          // Re-read this array with the general path. The bytes after it (rest of the message, then the
          // padding) are readable, as simdjson requires.
          const std::size_t readable =
              static_cast<std::size_t>(input.data() + input.size() - raw.data()) + simdjson::SIMDJSON_PADDING;
          simdjson::ondemand::document sub;
          array sub_levels;
          if (impl_->fallback.iterate(raw.data(), raw.size(), readable).get(sub) ||
              sub.get_array().get(sub_levels) || !collect_levels(sub_levels, impl_->levels)) {
            last_error_ = "bad level";
            return BookOutcome::kMalformed;
          }
        }
        if (!apply_texts(impl_->levels, *book, asks ? OrderBook::Side::kAsk : OrderBook::Side::kBid)) {
          last_error_ = "bad level";
          return BookOutcome::kMalformed;
        }
      } else if (key == "checksum"sv) {
        if (value.get_int64().get(checksum)) return BookOutcome::kMalformed;
        has_checksum = true;
      } else if (key == "seq"sv) {
        if (value.get_uint64().get(seq)) {
          // some versions quote it
          std::string_view s;
          if (value.get_string().get(s)) return BookOutcome::kMalformed;
          seq = 0;
          std::from_chars(s.data(), s.data() + s.size(), seq);
        }
        has_seq = true;
      }
    }
    // seq is checked after the levels so one pass suffices; a gap means this diff must not be trusted.
    if (!snapshot && has_seq && book->last_update_id() != 0 && seq != book->last_update_id() + 1) {
      last_error_ = "sequence gap: expected " + std::to_string(book->last_update_id() + 1) + ", got " +
                    std::to_string(seq);
      return BookOutcome::kSeqGap;
    }
    if (has_seq) book->set_last_update_id(seq);
    if (verify_checksum && has_checksum && checksum != 0) {
      const int32_t local = book_checksum(*book);
      if (local != static_cast<int32_t>(checksum)) {
        last_error_ =
            "checksum mismatch: exchange " + std::to_string(checksum) + ", local " + std::to_string(local);
        outcome = BookOutcome::kChecksumMismatch;
      }
    }
  }
  return outcome;
}

}  // namespace nectar::bitget
