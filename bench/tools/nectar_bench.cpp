// nectar-bench: replay harnesses for the hot paths, printing one JSON line of results.
//   nectar-bench book-replay bitget FILE [--no-checksum] [--repeat N]
// FILE holds one WebSocket message per line (../shared/bench/gen_bitget_books.py writes one).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "nectar/connectors/bitget/book_parser.hpp"

// Counts heap allocations so the report can show allocations per message in steady state.
static std::atomic<uint64_t> g_allocations{0};
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: nectar-bench book-replay bitget FILE [--no-checksum] [--repeat N]\n"
               "  FILE: one Bitget `books` WebSocket message per line\n");
  return 2;
}

struct AnyBook : nectar::bitget::BookResolver {
  nectar::OrderBook the_book;
  nectar::OrderBook* book(std::string_view) override { return &the_book; }
};

int book_replay(const std::string& path, bool checksum, int repeat) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "nectar-bench: cannot open %s\n", path.c_str());
    return 1;
  }
  // Lines are stored back to back with simdjson padding after each, so parsing needs no copy.
  constexpr std::size_t kPad = 64;
  std::string arena;
  std::vector<std::pair<std::size_t, std::size_t>> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    lines.emplace_back(arena.size(), line.size());
    arena += line;
    arena.append(kPad, '\0');
  }
  if (lines.empty()) {
    std::fprintf(stderr, "nectar-bench: %s has no messages\n", path.c_str());
    return 1;
  }
  AnyBook books;
  nectar::bitget::BookParser parser;
  std::vector<uint32_t> ns;
  ns.reserve(lines.size() * static_cast<std::size_t>(repeat));
  uint64_t failures = 0, errors = 0, messages = 0, steady_allocs = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < repeat; ++r) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const std::string_view msg(arena.data() + lines[i].first, lines[i].second);
      const uint64_t a0 = g_allocations.load(std::memory_order_relaxed);
      const auto s = std::chrono::steady_clock::now();
      const auto outcome = parser.apply(msg, true, books, checksum);
      const auto e = std::chrono::steady_clock::now();
      // The first pass warms buffers up; later ones are steady state.
      if (r > 0 || i > 100) steady_allocs += g_allocations.load(std::memory_order_relaxed) - a0;
      ns.push_back(
          static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(e - s).count()));
      ++messages;
      if (outcome == nectar::bitget::BookOutcome::kChecksumMismatch) ++failures;
      if (outcome == nectar::bitget::BookOutcome::kMalformed ||
          outcome == nectar::bitget::BookOutcome::kSeqGap)
        ++errors;
    }
    // The stream restarts with its snapshot. Empty the book the way a resync does, keeping its storage (a
    // brand-new book would re-grow its vectors during the snapshot and count as steady-state allocations).
    if (r + 1 < repeat) {
      books.the_book.clear();
      books.the_book.set_last_update_id(0);
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::sort(ns.begin(), ns.end());
  const auto pct = [&](double p) {
    return ns[std::min(ns.size() - 1, static_cast<std::size_t>(p * ns.size()))];
  };
  const auto& b = books.the_book;
  std::printf(
      "{\"messages\":%llu,\"msgs_per_s\":%.0f,\"ns_per_msg_p50\":%u,\"ns_per_msg_p99\":%u,\"checksum_"
      "failures\":%llu,"
      "\"errors\":%llu,\"allocs_per_msg\":%.4f,\"steady_allocs\":%llu,\"checksum\":%s,\"best_bid\":\"%.*s\","
      "\"best_ask\":\"%.*s\"}"
      "\n",
      static_cast<unsigned long long>(messages), messages / secs, pct(0.50), pct(0.99),
      static_cast<unsigned long long>(failures), static_cast<unsigned long long>(errors),
      static_cast<double>(steady_allocs) / static_cast<double>(messages),
      static_cast<unsigned long long>(steady_allocs), checksum ? "true" : "false",
      b.bid_count() ? static_cast<int>(b.bid(0).price_text.view().size()) : 0,
      b.bid_count() ? b.bid(0).price_text.view().data() : "",
      b.ask_count() ? static_cast<int>(b.ask(0).price_text.view().size()) : 0,
      b.ask_count() ? b.ask(0).price_text.view().data() : "");
  return failures == 0 && errors == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || std::string_view(argv[1]) != "book-replay") return usage();
  if (std::string_view(argv[2]) != "bitget") {
    std::fprintf(stderr, "nectar-bench: no book-replay for exchange '%s' (known: bitget)\n", argv[2]);
    return 2;
  }
  bool checksum = true;
  int repeat = 1;
  for (int i = 4; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--no-checksum") {
      checksum = false;
    } else if (a == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else {
      return usage();
    }
  }
  return book_replay(argv[3], checksum, repeat);
}
