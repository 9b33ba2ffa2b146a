// Order book diff application: the per-update cost on the market-data hot path.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "nectar/core/order_book.hpp"

using nectar::Decimal;
using nectar::LevelUpdate;
using nectar::OrderBook;

namespace {

struct Diff {
  OrderBook::Side side;
  std::string price;
  std::string size;
};

// A deterministic stream of diffs clustered near the top, like a real feed (sizes "0" delete).
std::vector<Diff> make_diffs(std::size_t n, int levels) {
  std::mt19937_64 rng(7);
  std::vector<Diff> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const bool bid = rng() & 1;
    const int depth = static_cast<int>(rng() % 16) + static_cast<int>(rng() % 4 == 0 ? rng() % levels : 0);
    const int64_t ticks = bid ? 3000000 - 1 - depth : 3000000 + 1 + depth;
    const bool remove = rng() % 10 < 3;
    out.push_back({bid ? OrderBook::Side::kBid : OrderBook::Side::kAsk,
                   std::to_string(ticks / 100) + "." + std::to_string(100 + ticks % 100).substr(1),
                   remove ? "0" : std::to_string(rng() % 5) + "." + std::to_string(1000 + rng() % 9000)});
  }
  return out;
}

void seed(OrderBook& book, int levels) {
  std::vector<LevelUpdate> bids, asks;
  std::vector<std::string> texts;
  texts.reserve(static_cast<std::size_t>(levels) * 2);
  for (int i = 0; i < levels; ++i) {
    texts.push_back(std::to_string(29999 - i) + ".50");
    bids.push_back({Decimal::parse(texts.back()), Decimal::parse("1.5"), texts.back(), "1.5"});
    texts.push_back(std::to_string(30000 + i) + ".50");
    asks.push_back({Decimal::parse(texts.back()), Decimal::parse("1.5"), texts.back(), "1.5"});
  }
  book.apply_snapshot(bids, asks, 1);
}

void BM_OrderBookDiff(benchmark::State& state) {
  const int levels = static_cast<int>(state.range(0));
  const auto diffs = make_diffs(1 << 16, levels);
  std::vector<LevelUpdate> parsed;
  parsed.reserve(diffs.size());
  for (const auto& d : diffs)
    parsed.push_back({Decimal::parse(d.price), Decimal::parse(d.size), d.price, d.size});
  OrderBook book;
  seed(book, levels);
  std::size_t i = 0;
  for (auto _ : state) {
    book.set_level(diffs[i].side, parsed[i]);
    if (++i == diffs.size()) i = 0;
  }
  benchmark::DoNotOptimize(book.best_bid());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OrderBookDiff)->Arg(50)->Arg(200)->Arg(400);

// Parse + apply: the Decimal parsing of the two strings is part of every real update.
void BM_OrderBookParseAndDiff(benchmark::State& state) {
  const auto diffs = make_diffs(1 << 16, 200);
  OrderBook book;
  seed(book, 200);
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& d = diffs[i];
    book.set_level(d.side,
                   LevelUpdate{*Decimal::try_parse(d.price), *Decimal::try_parse(d.size), d.price, d.size});
    if (++i == diffs.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OrderBookParseAndDiff);

}  // namespace
