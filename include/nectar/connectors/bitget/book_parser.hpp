// The Bitget `books` hot path: parse a WebSocket message, apply it to the book, verify seq and CRC32
// checksum.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "nectar/core/crc32.hpp"
#include "nectar/core/order_book.hpp"

namespace nectar::bitget {

// The checksum and CRC32 live in core (shared by every exchange that publishes one); kept visible here under
// their old names.
using nectar::book_checksum;
using nectar::crc32_update;

/// Outcome of one `books` message.
enum class BookOutcome : uint8_t {
  kSnapshot,          ///< book replaced
  kUpdate,            ///< diff applied, seq and checksum fine
  kSeqGap,            ///< diff skipped a sequence number: the book is stale, resync
  kChecksumMismatch,  ///< diff applied but the top 25 disagree with the exchange: resync
  kUnknownBook,       ///< no book for this instId
  kNotBooks,          ///< the message is something else (trade, ticker, event, pong)
  kMalformed,         ///< could not be parsed
};

/// Looks up the book for an exchange symbol (nullptr when not subscribed).
class BookResolver {
 public:
  virtual ~BookResolver() = default;
  virtual OrderBook* book(std::string_view inst_id) = 0;
};

/// Reusable parser: owns the simdjson parser and scratch buffers, so one instance per stream allocates
/// nothing per message once warmed up. Not thread-safe.
class BookParser {
 public:
  BookParser();
  ~BookParser();
  BookParser(const BookParser&) = delete;
  BookParser& operator=(const BookParser&) = delete;

  /// `message` must have at least 64 readable bytes after its end (simdjson padding); `padded` says whether
  /// it does (otherwise the message is copied into an internal padded buffer first).
  BookOutcome apply(std::string_view message, bool padded, BookResolver& books, bool verify_checksum = true);
  /// instId of the last message that named a book (valid until the next apply).
  std::string_view last_inst_id() const { return last_inst_id_; }
  /// Human-readable reason of the last kMalformed / kSeqGap / kChecksumMismatch.
  const std::string& last_error() const { return last_error_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string last_inst_id_;
  std::string last_error_;
};

}  // namespace nectar::bitget
