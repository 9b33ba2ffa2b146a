// Reference CRC32 and checksum text for tests: the bit-at-a-time recipe the fast implementations are checked
// against.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nectar/core/order_book.hpp"

namespace nectar::testing_support {

// Bit-at-a-time CRC32 (zlib's reflected polynomial): the reference for the fast implementation.
inline uint32_t reference_crc32(std::string_view data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

// The checksum text the spec describes, built the obvious way.
inline std::string reference_text(const OrderBook& book) {
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < 25; ++i) {
    if (i < book.bid_count()) {
      parts.emplace_back(book.bid(i).price_text.view());
      parts.emplace_back(book.bid(i).size_text.view());
    }
    if (i < book.ask_count()) {
      parts.emplace_back(book.ask(i).price_text.view());
      parts.emplace_back(book.ask(i).size_text.view());
    }
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ":") + p;
  return out;
}

}  // namespace nectar::testing_support
