#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "nectar/core/crc32.hpp"
#include "support/crc32_reference.hpp"

using namespace nectar;
using nectar::testing_support::reference_crc32;
using nectar::testing_support::reference_text;

TEST(Crc32, Crc32MatchesTheBitwiseReference) {
  std::mt19937 rng(3);
  std::string data(1200, '\0');
  for (auto& c : data) c = static_cast<char>(rng());
  for (std::size_t n = 0; n <= 1100; n += (n < 200 ? 1 : 7)) {
    for (std::size_t offset : {0u, 1u, 5u}) {
      const std::string_view s(data.data() + offset, n);
      ASSERT_EQ(crc32_update(0, s), reference_crc32(s)) << "n=" << n << " offset=" << offset;
      // Incremental: any split gives the same CRC.
      const std::size_t cut = n / 3;
      ASSERT_EQ(crc32_update(crc32_update(0, s.substr(0, cut)), s.substr(cut)), reference_crc32(s)) << n;
    }
  }
  EXPECT_EQ(static_cast<int32_t>(crc32_update(0, "43231.1:4:43232.8:9:43231:6:43232.9:8")), -1504501796);
  EXPECT_EQ(static_cast<int32_t>(crc32_update(0, "3366.1:7:3366.8:9:3368:8:3372:8")), 831078360);
}

// Both checksum entry points against the spec's recipe, over short, one-sided, empty and maximal books
// (25 levels a side of 31-character texts: the longest text the gather buffer must hold).
TEST(Crc32, ChecksumMatchesTheReferenceForAnyShapeOfBook) {
  auto lv = [](std::string_view p, std::string_view s) {
    return LevelUpdate{Decimal::parse(p), Decimal::parse(s), p, s};
  };
  std::mt19937 rng(5);
  std::vector<std::string> texts;
  texts.reserve(4000);
  for (int shape = 0; shape < 60; ++shape) {
    const std::size_t nb = shape == 0 ? 0 : rng() % 32, na = shape == 1 ? 0 : rng() % 32;
    std::vector<LevelUpdate> bids, asks;
    texts.clear();
    for (std::size_t i = 0; i < nb + na; ++i) {
      // Prices with 1..16 integer digits and 0..14 decimals: 1 to 31 characters.
      const bool bid = i < nb;
      const std::size_t level = bid ? i : i - nb;
      const std::size_t frac = shape % 3 == 2 ? 14 : rng() % 8;
      const std::string decimals = frac ? "." + std::string(frac, static_cast<char>('0' + rng() % 10)) : "";
      const std::string integer = bid ? std::to_string(1000000 - level) : std::to_string(1000001 + level);
      texts.push_back((shape % 3 == 2 ? std::string(16 - integer.size(), '9') : "") + integer + decimals);
      std::string size = std::to_string(1 + rng() % 99);
      if (shape % 3 == 2) size = std::string(12 - size.size(), '1') + size + "." + std::string(18, '7');
      texts.push_back(size);
      (bid ? bids : asks).push_back(lv(texts[texts.size() - 2], texts.back()));
    }
    OrderBook book;
    book.apply_snapshot(bids, asks, 1);
    const std::string expected = reference_text(book);
    std::string scratch;
    ASSERT_EQ(book_checksum(book, scratch), static_cast<int32_t>(reference_crc32(expected))) << shape;
    ASSERT_EQ(scratch, expected);
    ASSERT_EQ(book_checksum(book), static_cast<int32_t>(reference_crc32(expected))) << shape;
  }
}
