#include "nectar/connectors/bitget/book_parser.hpp"

#include <simdjson.h>

#include <charconv>
#include <string>
#include <vector>

#include "nectar/connectors/level_scanner.hpp"
#include "nectar/core/crc32.hpp"

namespace nectar::bitget {

struct BookParser::Impl {
  simdjson::ondemand::parser parser;
  std::string padded;  // copy target for unpadded input
  // One scanner per side: an entry's asks and bids are both scanned (their texts kept) before either is
  // applied, so a sequence gap is seen before the book changes.
  LevelScanner bid_scanner;
  LevelScanner ask_scanner;
  std::vector<LevelText> bids;
  std::vector<LevelText> asks;
};

BookParser::BookParser() : impl_(std::make_unique<Impl>()) {
  impl_->padded.reserve(1 << 16);
  impl_->bids.reserve(1024);
  impl_->asks.reserve(1024);
  last_inst_id_.reserve(64);
}

BookParser::~BookParser() = default;

namespace {

using simdjson::ondemand::array;
using simdjson::ondemand::object;
using namespace std::string_view_literals;

inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
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
    bool has_bids = false, has_asks = false;
    for (auto field : entry) {
      simdjson::ondemand::raw_json_string key;
      simdjson::ondemand::value value;
      if (field.key().get(key) || field.value().get(value)) return BookOutcome::kMalformed;
      const bool asks = key == "asks"sv;
      if (asks || key == "bids"sv) {
        array levels;
        std::string_view raw;
        if (value.get_array().get(levels) || levels.raw_json().get(raw)) return BookOutcome::kMalformed;
        // The bytes after the array (rest of the message, then the padding) are readable, as simdjson needs.
        const std::size_t readable =
            static_cast<std::size_t>(input.data() + input.size() - raw.data()) + simdjson::SIMDJSON_PADDING;
        LevelScanner& scanner = asks ? impl_->ask_scanner : impl_->bid_scanner;
        if (!scanner.scan(raw, readable, asks ? impl_->asks : impl_->bids)) {
          last_error_ = "bad level";
          return BookOutcome::kMalformed;
        }
        (asks ? has_asks : has_bids) = true;
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
    // A gap means this diff must not be trusted: the book is left as it was, and the caller resyncs.
    if (!snapshot && has_seq && book->last_update_id() != 0 && seq != book->last_update_id() + 1) {
      last_error_ = "sequence gap: expected " + std::to_string(book->last_update_id() + 1) + ", got " +
                    std::to_string(seq);
      return BookOutcome::kSeqGap;
    }
    if (snapshot && (has_asks || has_bids)) book->begin_snapshot();
    if ((has_asks && !apply_levels(impl_->asks, *book, OrderBook::Side::kAsk)) ||
        (has_bids && !apply_levels(impl_->bids, *book, OrderBook::Side::kBid))) {
      last_error_ = "bad level";
      return BookOutcome::kMalformed;
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
