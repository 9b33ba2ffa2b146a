// Bitget `books` hot path pieces: the top-25 checksum and the CRC32 under it.
#include <benchmark/benchmark.h>
#include <zlib.h>

#include <string>
#include <vector>

#include "nectar/connectors/bitget/book_parser.hpp"

using nectar::Decimal;
using nectar::LevelUpdate;
using nectar::OrderBook;

namespace {

// 200 levels a side with texts shaped like the replay stream's ("30000.01", "1.2345").
OrderBook make_book() {
  std::vector<std::string> texts;
  texts.reserve(800);
  std::vector<LevelUpdate> bids, asks;
  for (int i = 0; i < 200; ++i) {
    const int64_t bid = 2999999 - i, ask = 3000001 + i;
    const std::string size = std::to_string(1 + i % 4) + "." + std::to_string(1000 + (i * 7919) % 9000);
    texts.push_back(std::to_string(bid / 100) + "." + std::to_string(100 + bid % 100).substr(1));
    texts.push_back(size);
    bids.push_back({Decimal::parse(texts[texts.size() - 2]), Decimal::parse(size), texts[texts.size() - 2],
                    texts.back()});
    texts.push_back(std::to_string(ask / 100) + "." + std::to_string(100 + ask % 100).substr(1));
    texts.push_back(size);
    asks.push_back({Decimal::parse(texts[texts.size() - 2]), Decimal::parse(size), texts[texts.size() - 2],
                    texts.back()});
  }
  OrderBook book;
  book.apply_snapshot(bids, asks, 1);
  return book;
}

void BM_BitgetBookChecksum(benchmark::State& state) {
  const OrderBook book = make_book();
  for (auto _ : state) benchmark::DoNotOptimize(nectar::bitget::book_checksum(book));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BitgetBookChecksum);

// The API that also returns the text (what the hot path used before: string building).
void BM_BitgetBookChecksumWithText(benchmark::State& state) {
  const OrderBook book = make_book();
  std::string scratch;
  scratch.reserve(4096);
  for (auto _ : state) benchmark::DoNotOptimize(nectar::bitget::book_checksum(book, scratch));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BitgetBookChecksumWithText);

void BM_Crc32Update(benchmark::State& state) {
  const std::string data(static_cast<std::size_t>(state.range(0)), 'x');
  for (auto _ : state) benchmark::DoNotOptimize(nectar::bitget::crc32_update(0, data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Crc32Update)->Arg(16)->Arg(800)->Arg(3200);

void BM_Crc32Zlib(benchmark::State& state) {
  const std::string data(static_cast<std::size_t>(state.range(0)), 'x');
  for (auto _ : state)
    benchmark::DoNotOptimize(
        crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Crc32Zlib)->Arg(16)->Arg(800)->Arg(3200);

}  // namespace

namespace {

struct OneBook : nectar::bitget::BookResolver {
  OrderBook* target = nullptr;
  OrderBook* book(std::string_view) override { return target; }
};

// `books` updates shaped like the replay stream's (1-6 levels near the top), stored with simdjson padding.
// They only resize existing levels and carry neither seq nor checksum, so they can be replayed in a loop.
struct Messages {
  std::string arena;
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  explicit Messages(std::size_t n) {
    uint64_t x = 88172645463325252ULL;
    auto rnd = [&x] { return x ^= x << 13, x ^= x >> 7, x ^= x << 17; };
    for (std::size_t m = 0; m < n; ++m) {
      std::string asks, bids;
      for (int k = 1 + static_cast<int>(rnd() % 6); k > 0; --k) {
        const bool bid = rnd() & 1;
        const int64_t t =
            bid ? 2999999 - static_cast<int64_t>(rnd() % 12) : 3000001 + static_cast<int64_t>(rnd() % 12);
        std::string& side = bid ? bids : asks;
        if (!side.empty()) side += ',';
        side += "[\"";
        side += std::to_string(t / 100);
        side += '.';
        side += std::to_string(100 + t % 100).substr(1);
        side += "\",\"";
        side += std::to_string(1 + rnd() % 4);
        side += '.';
        side += std::to_string(1000 + rnd() % 9000);
        side += "\"]";
      }
      const std::string msg =
          R"({"action":"update","arg":{"instType":"SPOT","channel":"books","instId":"BTCUSDT"},"data":[{"asks":[)" +
          asks + R"(],"bids":[)" + bids + R"(],"ts":"1700000000003"}],"ts":1700000000003})";
      spans.emplace_back(arena.size(), msg.size());
      arena += msg;
      arena.append(64, '\0');
    }
  }
  std::string_view operator[](std::size_t i) const {
    return {arena.data() + spans[i].first, spans[i].second};
  }
};

// Parse + apply of one update, without the checksum.
void BM_BitgetApplyUpdate(benchmark::State& state) {
  const Messages msgs(4096);
  OrderBook book = make_book();
  OneBook books;
  books.target = &book;
  nectar::bitget::BookParser parser;
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(parser.apply(msgs[i], true, books, false));
    if (++i == msgs.spans.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BitgetApplyUpdate);

// The JSON envelope alone: the same messages for a book nobody subscribed (stops after "arg").
void BM_BitgetParseEnvelope(benchmark::State& state) {
  const Messages msgs(4096);
  OneBook books;
  nectar::bitget::BookParser parser;
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(parser.apply(msgs[i], true, books, false));
    if (++i == msgs.spans.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BitgetParseEnvelope);

}  // namespace
