// Decimal parsing and printing sit on the market-data path: every book level and trade goes through them.
#include <benchmark/benchmark.h>

#include <string_view>

#include "nectar/core/decimal.hpp"

namespace {

using nectar::Decimal;

void BM_DecimalTryParse(benchmark::State& state, std::string_view text) {
  for (auto _ : state) {
    std::string_view t = text;
    benchmark::DoNotOptimize(t);  // keep the input opaque so nothing is folded at compile time
    auto d = Decimal::try_parse(t);
    benchmark::DoNotOptimize(d);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(text.size()));
}
BENCHMARK_CAPTURE(BM_DecimalTryParse, price_65000_5, std::string_view("65000.5"));
BENCHMARK_CAPTURE(BM_DecimalTryParse, size_0_00012345, std::string_view("0.00012345"));
BENCHMARK_CAPTURE(BM_DecimalTryParse, exponent_1e_05, std::string_view("1e-05"));
BENCHMARK_CAPTURE(BM_DecimalTryParse, long_123456789012_123456789,
                  std::string_view("123456789012.123456789"));

void BM_DecimalToString(benchmark::State& state, std::string_view text) {
  const Decimal d = Decimal::parse(text);
  for (auto _ : state) {
    Decimal v = d;
    benchmark::DoNotOptimize(v);
    auto s = v.to_string();
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK_CAPTURE(BM_DecimalToString, price_65000_5, std::string_view("65000.5"));
BENCHMARK_CAPTURE(BM_DecimalToString, size_0_00012345, std::string_view("0.00012345"));
BENCHMARK_CAPTURE(BM_DecimalToString, long_123456789012_123456789,
                  std::string_view("123456789012.123456789"));

void BM_DecimalMul(benchmark::State& state) {
  const Decimal price = Decimal::parse("65000.5");
  const Decimal amount = Decimal::parse("0.00012345");
  for (auto _ : state) {
    Decimal a = price, b = amount;
    benchmark::DoNotOptimize(a);
    benchmark::DoNotOptimize(b);
    auto r = a.mul(b);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_DecimalMul);

void BM_DecimalDiv(benchmark::State& state) {
  const Decimal notional = Decimal::parse("8.024311725");
  const Decimal price = Decimal::parse("65000.5");
  for (auto _ : state) {
    Decimal a = notional, b = price;
    benchmark::DoNotOptimize(a);
    benchmark::DoNotOptimize(b);
    auto r = a.div(b);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_DecimalDiv);

}  // namespace
