// CRC32 (zlib polynomial) and the order-book checksum exchanges publish over their top levels
// (Bitget; OKX uses the same form). No I/O, no allocation.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "nectar/core/order_book.hpp"

namespace nectar {

/// zlib-compatible CRC32 continuing from `crc` (0 to start): crc32_update(crc32_update(0, a), b) equals
/// zlib's crc32 of a then b. Uses PCLMULQDQ folding when the CPU has it (several times zlib 1.2's tables).
uint32_t crc32_update(uint32_t crc, std::string_view data);

/// Signed CRC32 over "bid1p:bid1s:ask1p:ask1s:..." of the top 25 levels (sides interleaved, the longer side's
/// rest appended), using the exact strings the exchange sent. Also leaves the checksummed text in `scratch`
/// (handy in tests and logs); reuse it between calls so steady state allocates nothing.
int32_t book_checksum(const OrderBook& book, std::string& scratch);
/// Same checksum without exposing the text: gathers the stored strings into a stack buffer with fixed-size
/// copies and runs a carry-less-multiply CRC32 over it. No allocation. The hot path uses this one.
int32_t book_checksum(const OrderBook& book);

}  // namespace nectar
