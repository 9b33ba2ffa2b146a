#include "nectar/connectors/bitget/book_parser.hpp"

#include <simdjson.h>
#include <zlib.h>

#include <vector>

namespace nectar::bitget {

int32_t book_checksum(const OrderBook& book, std::string& scratch) {
  scratch.clear();
  const std::size_t nb = std::min<std::size_t>(25, book.bid_count());
  const std::size_t na = std::min<std::size_t>(25, book.ask_count());
  for (std::size_t i = 0; i < 25 && (i < nb || i < na); ++i) {
    if (i < nb) {
      const auto& l = book.bid(i);
      scratch.append(l.price_text.view()).push_back(':');
      scratch.append(l.size_text.view()).push_back(':');
    }
    if (i < na) {
      const auto& l = book.ask(i);
      scratch.append(l.price_text.view()).push_back(':');
      scratch.append(l.size_text.view()).push_back(':');
    }
  }
  if (!scratch.empty()) scratch.pop_back();  // no trailing ':'
  const uLong crc =
      crc32(0L, reinterpret_cast<const Bytef*>(scratch.data()), static_cast<uInt>(scratch.size()));
  return static_cast<int32_t>(static_cast<uint32_t>(crc));
}

struct BookParser::Impl {
  simdjson::ondemand::parser parser;
  std::string padded;   // copy target for unpadded input
  std::string scratch;  // checksum text
};

BookParser::BookParser() : impl_(std::make_unique<Impl>()) {
  impl_->padded.reserve(1 << 16);
  impl_->scratch.reserve(2048);
  last_inst_id_.reserve(64);
}

BookParser::~BookParser() = default;

namespace {

using simdjson::ondemand::array;
using simdjson::ondemand::object;

// Applies [["price","size"],...] to one side. Returns false on malformed input.
bool apply_levels(array levels, OrderBook& book, OrderBook::Side side, std::string& error) {
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
        while (!s.empty() && (s.back() == ' ' || s.back() == ',' || s.back() == ']')) s.remove_suffix(1);
      }
      texts[n++] = s;
    }
    if (n < 2) return false;
    auto price = Decimal::try_parse(texts[0]);
    auto size = Decimal::try_parse(texts[1]);
    if (!price || !size || price->is_negative() || size->is_negative()) {
      error = "bad level";
      return false;
    }
    book.set_level(side, LevelUpdate{*price, *size, texts[0], texts[1]});
  }
  return true;
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
  // Bitget puts "action" and "arg" before "data": read them in order, in one pass.
  std::string_view action;
  if (auto e = root.find_field("action").get_string().get(action)) return classify(e);
  object arg;
  if (auto e = root.find_field("arg").get_object().get(arg)) return classify(e);
  std::string_view channel, inst_id;
  for (auto field : arg) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return BookOutcome::kMalformed;
    if (key == "channel") {
      if (field.value().get_string().get(channel)) return BookOutcome::kMalformed;
    } else if (key == "instId") {
      if (field.value().get_string().get(inst_id)) return BookOutcome::kMalformed;
    }
  }
  if (channel != "books") return BookOutcome::kNotBooks;
  last_inst_id_.assign(inst_id);
  OrderBook* book = books.book(inst_id);
  if (!book) return BookOutcome::kUnknownBook;

  array data;
  if (root.find_field("data").get_array().get(data)) {
    last_error_ = "books message without data";
    return BookOutcome::kMalformed;
  }
  const bool snapshot = action == "snapshot";
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
      std::string_view key;
      if (field.unescaped_key().get(key)) return BookOutcome::kMalformed;
      if (key == "asks" || key == "bids") {
        if (!started) {
          if (snapshot) book->begin_snapshot();
          started = true;
        }
        array levels;
        if (field.value().get_array().get(levels)) return BookOutcome::kMalformed;
        if (!apply_levels(levels, *book, key == "asks" ? OrderBook::Side::kAsk : OrderBook::Side::kBid,
                          last_error_)) {
          if (last_error_.empty()) last_error_ = "bad level";
          return BookOutcome::kMalformed;
        }
      } else if (key == "checksum") {
        if (field.value().get_int64().get(checksum)) return BookOutcome::kMalformed;
        has_checksum = true;
      } else if (key == "seq") {
        auto v = field.value();
        if (v.get_uint64().get(seq)) {
          // some versions quote it
          std::string_view s;
          if (v.get_string().get(s)) return BookOutcome::kMalformed;
          seq = std::strtoull(std::string(s).c_str(), nullptr, 10);
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
      const int32_t local = book_checksum(*book, impl_->scratch);
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
