// Bitget V2 simulator front-end: spot and USDT-M perpetuals (the `mix` part is in the second half of Impl).
// See include/nectar/sim/bitget/simulator.hpp, docs/bitget-sim.md and shared/protocols/bitget.md (§2 REST,
// §3 auth, §4 WebSocket, §6 errors, §7 perpetuals, §9 simulator notes).
#include "nectar/sim/bitget/simulator.hpp"
#include "nectar/core/clock.hpp"

#include <zlib.h>

#include <spdlog/spdlog.h>
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <variant>
#include <vector>

#include "nectar/connectors/bitget/auth.hpp"
#include "nectar/net/url.hpp"
#include "nectar/sim/activity.hpp"

namespace nectar::sim::bitget {
namespace {

namespace json = boost::json;
namespace asio = boost::asio;

constexpr AccountId kClientAccount = 1;
constexpr AccountId kFuturesAccount = 2;            // the same key's USDT-M futures account (separate wallet)
constexpr std::string_view kPerpSuffix = "_UMCBL";  // engine symbols of the perpetuals: BTCUSDT_UMCBL
constexpr AccountId kFeeAccount = 999;
constexpr AccountId kMarketAccountBase = 1'000'000'000;
constexpr int64_t kTimestampWindowMs = 30'000;

int64_t now_ms() {
  return wall_clock_ms();
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string neg_fee(Decimal fee) {
  return fee.is_zero() ? std::string("0") : (-fee).to_string();
}

HttpServerResponse make_response(int status, json::object body) {
  HttpServerResponse r;
  r.status = status;
  r.body = json::serialize(body);
  return r;
}

HttpServerResponse ok(json::value data) {
  json::object o;
  o["code"] = "00000";
  o["msg"] = "success";
  o["requestTime"] = now_ms();
  o["data"] = std::move(data);
  return make_response(200, std::move(o));
}

HttpServerResponse error(int status, std::string_view code, std::string_view msg) {
  json::object o;
  o["code"] = code;
  o["msg"] = msg;
  o["requestTime"] = now_ms();
  o["data"] = nullptr;
  return make_response(status, std::move(o));
}

HttpServerResponse bad(std::string_view code, std::string_view msg) {
  return error(400, code, msg);
}

std::string_view status_string(OrderStatus s) {
  switch (s) {
    case OrderStatus::kNew:
      return "live";
    case OrderStatus::kPartiallyFilled:
      return "partially_filled";
    case OrderStatus::kFilled:
      return "filled";
    default:
      return "cancelled";
  }
}

std::string_view side_string(Side s) {
  return s == Side::kBuy ? "buy" : "sell";
}

std::string_view force_string(const Order& o) {
  if (o.kind == OrderKind::kPostOnly) return "post_only";
  if (o.kind == OrderKind::kMarket) return "gtc";
  switch (o.tif) {
    case TimeInForce::kIoc:
      return "ioc";
    case TimeInForce::kFok:
      return "fok";
    default:
      return "gtc";
  }
}

bool is_market_buy_by_quote(const Order& o) {
  return o.kind == OrderKind::kMarket && o.quantity.is_zero();
}

/// A string field of a JSON object; numbers are accepted and converted to their text.
std::optional<std::string> get_str(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end()) return std::nullopt;
  const json::value& v = it->value();
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_int64() || v.is_uint64() || v.is_double()) return json::serialize(v);
  if (v.is_bool()) return std::string(v.as_bool() ? "true" : "false");
  return std::nullopt;
}

struct RejectInfo {
  std::string code;
  std::string msg;
};

/// The {successList, failureList} of every batch endpoint: `one` runs on each element of `items`. A rejected
/// element is listed with its ids (`with_order_id`: orderId too, as the cancel and futures endpoints do); an
/// element that is not an object is a 40017 failure when `fail_non_objects`, else skipped.
template <class One>
json::object batch_result(const json::array& items, bool with_order_id, bool fail_non_objects, One&& one) {
  json::array okl, fail;
  auto failure = [&](const json::object* item, const std::string& code, const std::string& msg) {
    json::object f;
    if (with_order_id) f["orderId"] = item ? get_str(*item, "orderId").value_or("") : "";
    f["clientOid"] = item ? get_str(*item, "clientOid").value_or("") : "";
    f["errorMsg"] = msg;
    f["errorCode"] = code;
    fail.push_back(std::move(f));
  };
  for (const auto& item : items) {
    if (!item.is_object()) {
      if (fail_non_objects) failure(nullptr, "40017", "Parameter error");
      continue;
    }
    std::variant<json::object, RejectInfo> res = one(item.as_object());
    if (auto* e = std::get_if<RejectInfo>(&res))
      failure(&item.as_object(), e->code, e->msg);
    else
      okl.push_back(std::get<json::object>(std::move(res)));
  }
  return json::object{{"successList", std::move(okl)}, {"failureList", std::move(fail)}};
}

RejectInfo map_reject(const PlaceResult& r) {
  switch (r.reason) {
    case RejectReason::kUnknownSymbol:
      return {"40034", "Parameter symbol does not exist"};
    case RejectReason::kPriceNotOnTick:
    case RejectReason::kSizeNotOnLot:
      return {"40808", "Parameter verification exception: checkBDScale error: " + r.message};
    case RejectReason::kBelowMinSize:
      return {"43006", "The order quantity is less than the minimum order quantity: " + r.message};
    case RejectReason::kBelowMinNotional:
      return {"45110", "less than the minimum order amount: " + r.message};
    case RejectReason::kInsufficientBalance:
      return {"43012", "Insufficient balance"};
    case RejectReason::kDuplicateClientId:
      return {"40017", "Duplicate clientOid: clientOid already exists"};
    case RejectReason::kUnknownOrder:
      return {"43001", "The order does not exist"};
    default:
      return {"40017", "Parameter verification failed: " + r.message};
  }
}

// Per-connection state.
struct Subscription {
  std::string channel;
  std::string inst_id;   // instId or coin as received ("default" for account-wide); futures: engine symbol
  json::object arg;      // echoed as received
  bool futures = false;  // instType USDT-FUTURES
};

struct SessionState {
  bool is_private = false;
  bool logged_in = false;
  AccountId account = 0;
  std::vector<Subscription> subs;

  const Subscription* find(std::string_view channel, std::string_view inst, bool futures = false) const {
    for (const auto& s : subs)
      if (s.futures == futures && s.channel == channel &&
          (s.inst_id == inst || s.inst_id == "default" || inst.empty()))
        return &s;
    return nullptr;
  }
};

// The book as published on the `books` channel (what subscribers hold).
struct BookFeed {
  std::map<Decimal, Decimal, std::greater<>> bids;
  std::map<Decimal, Decimal> asks;
  uint64_t seq = 0;
  int64_t ts = 0;
};

struct Stats {
  Decimal open, high, low, last, base_volume, quote_volume;
  bool changed = true;
};

// ---- Candles (§2.1 REST `candles` / `history-candles`, §4.1 WS `candle<iv>`) ----

struct Bar {
  Decimal open, high, low, close, base_volume, quote_volume;
};

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kHourMs = 60 * kMinuteMs;
constexpr int64_t kDayMs = 24 * kHourMs;
constexpr std::size_t kMaxMinuteBars =
    std::size_t{8} * 24 * 60;  // one-minute bars kept per symbol (the last 8 days)

/// A candle interval: fixed length, calendar week (Monday) or calendar month, aligned to UTC or (Bitget's
/// non-`utc` 6h and longer intervals) to UTC+8 **[unverified: the UTC+8 alignment of the plain names]**.
struct Interval {
  enum class Kind { kFixed, kWeek, kMonth } kind = Kind::kFixed;
  int64_t ms = kMinuteMs;
  int64_t offset_ms = 0;  // added to UTC before aligning (UTC+8 = 8 h)
};

/// REST granularity (`1min`, `1h`, `1day`, `1Dutc`, ...) or WS channel suffix (`1m`, `1H`, `1D`, `1Dutc`,
/// ...).
std::optional<Interval> parse_interval(std::string_view name, bool ws) {
  using K = Interval::Kind;
  constexpr int64_t kCst = 8 * kHourMs;
  struct Row {
    const char* rest;
    const char* ws;
    Interval iv;
  };
  static const Row rows[] = {
      {"1min", "1m", {K::kFixed, kMinuteMs, 0}},
      {"3min", "3m", {K::kFixed, 3 * kMinuteMs, 0}},
      {"5min", "5m", {K::kFixed, 5 * kMinuteMs, 0}},
      {"15min", "15m", {K::kFixed, 15 * kMinuteMs, 0}},
      {"30min", "30m", {K::kFixed, 30 * kMinuteMs, 0}},
      {"1h", "1H", {K::kFixed, kHourMs, 0}},
      {"4h", "4H", {K::kFixed, 4 * kHourMs, 0}},
      {"6h", "6H", {K::kFixed, 6 * kHourMs, kCst}},
      {"12h", "12H", {K::kFixed, 12 * kHourMs, kCst}},
      {"1day", "1D", {K::kFixed, kDayMs, kCst}},
      {"3day", "3D", {K::kFixed, 3 * kDayMs, kCst}},
      {"1week", "1W", {K::kWeek, 7 * kDayMs, kCst}},
      {"1M", "1M", {K::kMonth, 0, kCst}},
      {"6Hutc", "6Hutc", {K::kFixed, 6 * kHourMs, 0}},
      {"12Hutc", "12Hutc", {K::kFixed, 12 * kHourMs, 0}},
      {"1Dutc", "1Dutc", {K::kFixed, kDayMs, 0}},
      {"3Dutc", "3Dutc", {K::kFixed, 3 * kDayMs, 0}},
      {"1Wutc", "1Wutc", {K::kWeek, 7 * kDayMs, 0}},
      {"1Mutc", "1Mutc", {K::kMonth, 0, 0}},
  };
  for (const auto& r : rows)
    if (name == (ws ? r.ws : r.rest)) return r.iv;
  return std::nullopt;
}

int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// Civil date <-> days since 1970-01-01 (H. Hinnant's algorithms).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = floor_div(y, 400);
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m) {
  z += 719468;
  const int64_t era = floor_div(z, 146097);
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
}

/// Start (UTC ms) of the bucket holding `ts`.
int64_t bucket_start(const Interval& iv, int64_t ts) {
  const int64_t local = ts + iv.offset_ms;
  switch (iv.kind) {
    case Interval::Kind::kFixed:
      return floor_div(local, iv.ms) * iv.ms - iv.offset_ms;
    case Interval::Kind::kWeek: {
      const int64_t days = floor_div(local, kDayMs);
      const int64_t monday = days - (((days + 3) % 7) + 7) % 7;  // 1970-01-01 was a Thursday
      return monday * kDayMs - iv.offset_ms;
    }
    case Interval::Kind::kMonth: {
      int64_t y;
      unsigned m;
      civil_from_days(floor_div(local, kDayMs), y, m);
      return days_from_civil(y, m, 1) * kDayMs - iv.offset_ms;
    }
  }
  return ts;
}

/// Start of the bucket after the one starting at `start`.
int64_t next_bucket(const Interval& iv, int64_t start) {
  if (iv.kind != Interval::Kind::kMonth) return start + iv.ms;
  int64_t y;
  unsigned m;
  civil_from_days(floor_div(start + iv.offset_ms, kDayMs), y, m);
  if (++m > 12) {
    m = 1;
    ++y;
  }
  return days_from_civil(y, m, 1) * kDayMs - iv.offset_ms;
}

struct Candle {
  int64_t start = 0;
  Bar bar;
};

/// Candles of interval `iv` built from one-minute bars (oldest first), gap buckets carrying the previous
/// close with zero volume, from the first traded bucket up to the bucket holding `now`; only candles with
/// start in [from, to], and of those the newest `limit`.
std::deque<Candle> aggregate(const std::map<int64_t, Bar>& minutes, const Interval& iv, int64_t now,
                             int64_t from, int64_t to, std::size_t limit) {
  std::deque<Candle> out;
  if (minutes.empty() || limit == 0) return out;
  const int64_t last = std::min(bucket_start(iv, now), to);
  int64_t begin = bucket_start(iv, minutes.begin()->first);
  if (from > begin) {
    begin = bucket_start(iv, from);
    if (begin < from) begin = next_bucket(iv, begin);
  }
  auto it = minutes.lower_bound(begin);
  Decimal prev_close = it == minutes.begin() ? it->second.open : std::prev(it)->second.close;
  for (int64_t start = begin; start <= last; start = next_bucket(iv, start)) {
    const int64_t end = next_bucket(iv, start);
    Candle c{start, {prev_close, prev_close, prev_close, prev_close, Decimal{}, Decimal{}}};
    for (bool traded = false; it != minutes.end() && it->first < end; ++it, traded = true) {
      const Bar& b = it->second;
      c.bar.open = traded ? c.bar.open : b.open;
      c.bar.high = traded ? Decimal::max(c.bar.high, b.high) : b.high;
      c.bar.low = traded ? Decimal::min(c.bar.low, b.low) : b.low;
      c.bar.close = b.close;
      c.bar.base_volume += b.base_volume;
      c.bar.quote_volume += b.quote_volume;
    }
    prev_close = c.bar.close;
    out.push_back(c);
    if (out.size() > limit) out.pop_front();
  }
  return out;
}

}  // namespace

struct BitgetSimulator::Impl : EngineListener {
  Impl(BitgetSimulator& self_, asio::io_context& io_, const SimulatorOptions& options_)
      : self(self_), io(io_), options(options_), engine(make_config()), activity_timer(io_), book_timer(io_) {
    creds.api_key = "bg_sim_key_0001";
    creds.secret_key = "bg_sim_secret_5f4e3d2c1b0a99887766554433221100";
    creds.passphrase = "SimPass123";
    creds.account = kClientAccount;
    creds.futures_account = kFuturesAccount;
    paused.store(!options.activity);
  }

  static EngineConfig make_config() {
    EngineConfig c;
    c.fee_account = kFeeAccount;
    c.first_order_id = 1098394041925599232ULL;
    c.first_trade_id = 1098394042131120128ULL;
    return c;
  }

  BitgetSimulator& self;
  asio::io_context& io;
  SimulatorOptions options;
  FaultInjector fault_injector;
  MatchingEngine engine;
  std::unique_ptr<Server> server;
  std::vector<std::unique_ptr<ActivityGenerator>> generators;
  asio::steady_timer activity_timer;
  asio::steady_timer book_timer;
  std::shared_ptr<std::atomic<bool>> alive = std::make_shared<std::atomic<bool>>(true);
  std::atomic<bool> paused{false};
  std::atomic<bool> stopped{false};
  SimCredentials creds;
  std::map<uint64_t, std::shared_ptr<WsSession>> sessions;
  std::map<std::string, BookFeed, std::less<>> feeds;
  std::map<std::string, Stats, std::less<>> stats;
  std::map<std::string, std::map<int64_t, Bar>, std::less<>> minute_bars;  // per symbol, by minute start
  std::map<std::string, int64_t, std::less<>> candles_dirty;  // symbol -> earliest trade ts since last push
  uint64_t next_client_oid = 1;
  std::string scratch;

  // ------------------------------------------------------------------------------------------------------
  // Setup

  void setup() {
    auto add = [&](const std::string& sym, const std::string& base, int pd, int sd, Decimal mid, int64_t walk,
                   int64_t lots_lo, int64_t lots_hi, Decimal base_inv, Decimal quote_inv, AccountId acct) {
      Instrument in;
      in.symbol = sym;
      in.base = base;
      in.quote = "USDT";
      in.tick = Decimal::from_scaled(1, pd);
      in.lot = Decimal::from_scaled(1, sd);
      in.min_notional = Decimal::from_int(1);
      in.quote_step = Decimal::from_scaled(1, 8);
      in.maker_fee_rate = Decimal::from_scaled(1, 3);
      in.taker_fee_rate = Decimal::from_scaled(1, 3);
      in.price_decimals = pd;
      in.size_decimals = sd;
      in.quote_decimals = 8;
      engine.add_instrument(in);
      ActivityConfig ac;
      ac.symbol = sym;
      ac.account = acct;
      ac.seed = options.seed + acct;
      ac.mid_start = mid;
      ac.levels = 15;
      ac.spread_ticks = walk;
      ac.level_spacing_ticks = walk;
      ac.max_walk_ticks = walk;
      ac.maker_min_lots = lots_lo;
      ac.maker_max_lots = lots_hi;
      ac.taker_min_lots = lots_lo;
      ac.taker_max_lots = lots_hi / 4;
      ac.initial_base = base_inv;
      ac.initial_quote = quote_inv;
      generators.push_back(std::make_unique<ActivityGenerator>(engine, ac));
      stats[sym].open = mid;
      stats[sym].high = mid;
      stats[sym].low = mid;
      stats[sym].last = mid;
    };
    add("BTCUSDT", "BTC", 2, 6, Decimal::from_int(65000), 50, 100, 50000, Decimal::from_int(1000),
        Decimal::from_int(100'000'000), kMarketAccountBase);
    add("ETHUSDT", "ETH", 2, 4, Decimal::from_int(3500), 10, 10, 5000, Decimal::from_int(10000),
        Decimal::from_int(100'000'000), kMarketAccountBase + 1);
    add_perps();
    engine.ledger().deposit(kClientAccount, "USDT", Decimal::from_int(10000));
    engine.ledger().deposit(kFuturesAccount, "USDT", Decimal::from_int(10000));
    engine.ledger().deposit(kClientAccount, "BTC", Decimal::from_int(1));
    engine.ledger().deposit(kClientAccount, "ETH", Decimal::from_int(10));
    for (auto& g : generators) g->run_steps(20);
    for (const auto& sym : engine.symbols()) {
      auto trades = engine.recent_trades(sym);  // newest first
      for (auto it = trades.rbegin(); it != trades.rend(); ++it) record_candle(*it);
    }
    candles_dirty.clear();
    engine.add_listener(this);
    // Initial published books (no subscribers yet).
    for (const auto& sym : engine.symbols()) {
      auto& f = feeds[sym];
      L2Book b = engine.book(sym);
      for (const auto& l : b.bids) f.bids[l.price] = l.qty;
      for (const auto& l : b.asks) f.asks[l.price] = l.qty;
      f.seq = 1;
      f.ts = now_ms();
    }
  }

  // ------------------------------------------------------------------------------------------------------
  // Timers

  void arm_activity() {
    if (options.activity_interval_ms <= 0 || stopped) return;
    activity_timer.expires_after(std::chrono::milliseconds(options.activity_interval_ms));
    activity_timer.async_wait([this, a = alive](boost::system::error_code ec) {
      if (ec || !a->load() || stopped) return;
      if (!paused.load()) {
        for (auto& g : generators) {
          try {
            g->step();
          } catch (const std::exception& e) {
            spdlog::warn("bitget sim: activity step failed: {}", e.what());
          }
        }
      }
      arm_activity();
    });
  }

  void arm_books() {
    if (stopped) return;
    book_timer.expires_after(std::chrono::milliseconds(std::max(10, options.book_push_interval_ms)));
    book_timer.async_wait([this, a = alive](boost::system::error_code ec) {
      if (ec || !a->load() || stopped) return;
      try {
        poll_funding();
        push_books();
        push_candles();
      } catch (const std::exception& e) {
        spdlog::warn("bitget sim: book push failed: {}", e.what());
      }
      arm_books();
    });
  }

  // ------------------------------------------------------------------------------------------------------
  // Formatting

  const Instrument& inst(std::string_view sym) const {
    const Instrument* i = engine.instrument(sym);
    if (!i) throw std::runtime_error("unknown symbol");
    return *i;
  }

  template <class Map>
  static json::array levels_json(const Instrument& in, const Map& m, std::size_t depth) {
    json::array a;
    std::size_t n = 0;
    for (const auto& [p, q] : m) {
      if (n++ >= depth) break;
      a.push_back(json::array{json::string(in.format_price(p)), json::string(in.format_size(q))});
    }
    return a;
  }

  int32_t checksum(const Instrument& in, const BookFeed& f, std::size_t depth = 25) {
    scratch.clear();
    auto bi = f.bids.begin();
    auto ai = f.asks.begin();
    for (std::size_t i = 0; i < depth; ++i) {
      bool any = false;
      if (bi != f.bids.end()) {
        if (!scratch.empty()) scratch += ':';
        scratch += in.format_price(bi->first);
        scratch += ':';
        scratch += in.format_size(bi->second);
        ++bi;
        any = true;
      }
      if (ai != f.asks.end()) {
        if (!scratch.empty()) scratch += ':';
        scratch += in.format_price(ai->first);
        scratch += ':';
        scratch += in.format_size(ai->second);
        ++ai;
        any = true;
      }
      if (!any) break;
    }
    uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(scratch.data()), static_cast<uInt>(scratch.size()));
    return static_cast<int32_t>(static_cast<uint32_t>(crc));
  }

  json::object book_snapshot_element(const std::string& sym, std::size_t depth) {
    const auto& in = inst(sym);
    auto& f = feeds[sym];
    json::object e;
    e["asks"] = levels_json(in, f.asks, depth);
    e["bids"] = levels_json(in, f.bids, depth);
    // Fixed-depth channels checksum what they send; `books` the top 25.
    e["checksum"] = checksum(in, f, std::min<std::size_t>(depth, 25));
    e["seq"] = f.seq;
    e["ts"] = std::to_string(f.ts);
    return e;
  }

  static std::string push_msg(std::string_view action, const json::object& arg, json::array data,
                              int64_t ts) {
    json::object o;
    o["action"] = action;
    o["arg"] = arg;
    o["data"] = std::move(data);
    o["ts"] = ts;
    return json::serialize(o);
  }

  json::object ticker_element(const std::string& sym, bool rest) {
    const auto& in = inst(sym);
    if (in.is_perpetual()) return mix_ticker(sym, rest);
    auto& st = stats[sym];
    L2Book b = engine.book(sym, 1);
    auto fmt = [](Decimal d) { return d.to_string(); };
    std::string change = "0";
    if (st.open.is_positive())
      change =
          (st.last - st.open).div(st.open, Rounding::kHalfEven).round_to(4, Rounding::kHalfEven).to_string();
    json::object t;
    if (rest) {
      t["symbol"] = sym;
      t["high24h"] = in.format_price(st.high);
      t["open"] = in.format_price(st.open);
      t["low24h"] = in.format_price(st.low);
      t["lastPr"] = in.format_price(st.last);
      t["quoteVolume"] = fmt(st.quote_volume);
      t["baseVolume"] = fmt(st.base_volume);
      t["usdtVolume"] = fmt(st.quote_volume);
    } else {
      t["instId"] = sym;
      t["lastPr"] = in.format_price(st.last);
      t["open24h"] = in.format_price(st.open);
      t["high24h"] = in.format_price(st.high);
      t["low24h"] = in.format_price(st.low);
      t["change24h"] = change;
    }
    t["bidPr"] = b.bids.empty() ? std::string("0") : in.format_price(b.bids[0].price);
    t["askPr"] = b.asks.empty() ? std::string("0") : in.format_price(b.asks[0].price);
    t["bidSz"] = b.bids.empty() ? std::string("0") : in.format_size(b.bids[0].qty);
    t["askSz"] = b.asks.empty() ? std::string("0") : in.format_size(b.asks[0].qty);
    if (!rest) {
      t["baseVolume"] = fmt(st.base_volume);
      t["quoteVolume"] = fmt(st.quote_volume);
    }
    t["openUtc"] = in.format_price(st.open);
    t["changeUtc24h"] = change;
    if (rest) t["change24h"] = change;
    t["ts"] = std::to_string(now_ms());
    return t;
  }

  std::string fee_detail_string(const Order& o) {
    if (o.fee.is_zero() && o.filled_qty.is_zero()) return "";
    const std::string f = neg_fee(o.fee);
    const std::string coin = o.fee_asset.empty() ? inst(o.symbol).base : o.fee_asset;
    return R"({"newFees":{"c":0,"d":0,"deduction":false,"r":)" + f + R"(,"t":)" + f +
           R"(,"totalDeductionFee":0},")" + coin + R"(":{"deduction":false,"feeCoinCode":")" + coin +
           R"(","totalDeductionFee":0,"totalFee":)" + f + "}}";
  }

  /// Which REST endpoint an order object is for: the price keys differ (official Bitget docs).
  enum class OrderShape {
    kInfo,      ///< orderInfo, history-orders: `price` = limit price ("0" market), `priceAvg` = avg fill
    kUnfilled,  ///< unfilled-orders: no `price`; `priceAvg` = limit price, `basePrice` = avg fill
  };

  json::object rest_order(const Order& o, OrderShape shape = OrderShape::kInfo) {
    const auto& in = inst(o.symbol);
    const std::string limit_price =
        o.kind == OrderKind::kMarket ? std::string("0") : in.format_price(o.price);
    const std::string avg_fill = o.filled_qty.is_zero() ? std::string("0") : o.average_price().to_string();
    json::object j;
    j["userId"] = std::to_string(o.account);
    j["symbol"] = o.symbol;
    j["orderId"] = o.id_string();
    j["clientOid"] = o.client_id;
    if (shape == OrderShape::kInfo) j["price"] = limit_price;
    j["size"] = is_market_buy_by_quote(o) ? o.quote_amount.to_string() : in.format_size(o.quantity);
    j["orderType"] = o.kind == OrderKind::kMarket ? "market" : "limit";
    j["side"] = side_string(o.side);
    j["force"] = force_string(o);
    j["status"] = status_string(o.status);
    j["priceAvg"] = shape == OrderShape::kInfo ? avg_fill : limit_price;
    if (shape == OrderShape::kUnfilled) j["basePrice"] = avg_fill;
    j["baseVolume"] = o.filled_qty.to_string();
    j["quoteVolume"] = o.filled_quote.to_string();
    j["enterPointSource"] = "API";
    j["orderSource"] = o.kind == OrderKind::kMarket ? "market" : "normal";
    j["cancelReason"] = "";
    j["cTime"] = std::to_string(o.created_ms);
    j["uTime"] = std::to_string(o.updated_ms);
    j["feeDetail"] = fee_detail_string(o);
    return j;
  }

  json::object ws_order(const Order& o, const Fill* fill, bool as_maker) {
    const auto& in = inst(o.symbol);
    json::object j;
    j["instId"] = o.symbol;
    j["orderId"] = o.id_string();
    j["clientOid"] = o.client_id;
    j["price"] = o.kind == OrderKind::kMarket ? std::string("0") : in.format_price(o.price);
    const std::string size =
        is_market_buy_by_quote(o) ? o.quote_amount.to_string() : in.format_size(o.quantity);
    j["size"] = size;
    j["newSize"] = size;
    Decimal notional = is_market_buy_by_quote(o)      ? o.quote_amount
                       : o.kind == OrderKind::kMarket ? o.filled_quote
                                                      : o.price.mul(o.quantity);
    j["notional"] = notional.to_string();
    j["orderType"] = o.kind == OrderKind::kMarket ? "market" : "limit";
    j["force"] = force_string(o);
    j["side"] = side_string(o.side);
    if (fill) {
      const Decimal fee = as_maker ? fill->maker_fee : fill->taker_fee;
      const std::string& fee_coin = as_maker ? fill->maker_fee_asset : fill->taker_fee_asset;
      j["fillPrice"] = in.format_price(fill->price);
      j["tradeId"] = std::to_string(fill->trade_id);
      j["baseVolume"] = fill->qty.to_string();
      j["fillTime"] = std::to_string(fill->ts_ms);
      j["fillFee"] = neg_fee(fee);
      j["fillFeeCoin"] = fee_coin;
      j["tradeScope"] = as_maker ? "M" : "T";
    }
    j["accBaseVolume"] = o.filled_qty.to_string();
    j["priceAvg"] = o.filled_qty.is_zero() ? std::string("0") : o.average_price().to_string();
    j["status"] = status_string(o.status);
    j["cTime"] = std::to_string(o.created_ms);
    j["uTime"] = std::to_string(o.updated_ms);
    j["stpMode"] = "none";
    json::array fd;
    if (!o.fee.is_zero() || !o.filled_qty.is_zero()) {
      fd.push_back(json::object{{"feeCoin", o.fee_asset}, {"fee", neg_fee(o.fee)}});
    }
    j["feeDetail"] = std::move(fd);
    j["enterPointSource"] = "API";
    return j;
  }

  json::object ws_fill(const Fill& f, const Order& o, bool as_maker) {
    const auto& in = inst(f.symbol);
    const Decimal fee = as_maker ? f.maker_fee : f.taker_fee;
    const std::string& coin = as_maker ? f.maker_fee_asset : f.taker_fee_asset;
    json::object j;
    j["orderId"] = o.id_string();
    j["tradeId"] = std::to_string(f.trade_id);
    j["symbol"] = f.symbol;
    j["orderType"] = o.kind == OrderKind::kMarket ? "market" : "limit";
    j["side"] = side_string(o.side);
    j["priceAvg"] = in.format_price(f.price);
    j["size"] = f.qty.to_string();
    j["amount"] = f.quote_qty.to_string();
    j["tradeScope"] = as_maker ? "maker" : "taker";
    j["feeDetail"] = json::array{json::object{
        {"feeCoin", coin}, {"deduction", "no"}, {"totalDeductionFee", "0"}, {"totalFee", neg_fee(fee)}}};
    j["cTime"] = std::to_string(f.ts_ms);
    j["uTime"] = std::to_string(f.ts_ms);
    return j;
  }

  static json::object balance_json(std::string_view coin, const Balance& b, int64_t ts) {
    json::object j;
    j["coin"] = coin;
    j["available"] = b.available.to_string();
    j["frozen"] = b.frozen.to_string();
    j["locked"] = "0";
    j["limitAvailable"] = "0";
    j["uTime"] = std::to_string(ts);
    return j;
  }

  // ------------------------------------------------------------------------------------------------------
  // WebSocket fan-out

  template <class F>
  void for_each_session(F&& f) {
    for (auto& [id, s] : sessions) {
      auto* st = s->template user<SessionState>();
      if (st && s->is_open()) f(*s, *st);
    }
  }

  void push_private(AccountId account, std::string_view channel, std::string_view inst_id, json::array data,
                    std::string_view action = "snapshot") {
    const int64_t ts = now_ms();
    std::string cached;
    for_each_session([&](WsSession& s, SessionState& st) {
      if (!st.is_private || !st.logged_in || st.account != account) return;
      const Subscription* sub = st.find(channel, inst_id);
      if (!sub) return;
      s.send(push_msg(action, sub->arg, data, ts));
    });
  }

  void push_public(std::string_view channel, std::string_view inst_id, const json::array& data,
                   std::string_view action) {
    const int64_t ts = now_ms();
    for_each_session([&](WsSession& s, SessionState& st) {
      if (st.is_private) return;
      for (const auto& sub : st.subs) {
        if (sub.channel == channel && sub.inst_id == inst_id) {
          s.send(push_msg(action, sub.arg, data, ts));
          break;
        }
      }
    });
  }

  bool has_public_subscriber(std::string_view channel, std::string_view inst_id) {
    bool any = false;
    for_each_session([&](WsSession&, SessionState& st) {
      if (st.is_private) return;
      for (const auto& sub : st.subs)
        if (sub.channel == channel && sub.inst_id == inst_id) any = true;
    });
    return any;
  }

  void push_books() {
    for (const auto& sym : engine.symbols()) {
      const auto& in = inst(sym);
      auto& f = feeds[sym];
      L2Book b = engine.book(sym);
      std::map<Decimal, Decimal, std::greater<>> nb;
      std::map<Decimal, Decimal> na;
      for (const auto& l : b.bids) nb[l.price] = l.qty;
      for (const auto& l : b.asks) na[l.price] = l.qty;
      json::array dbids, dasks;
      auto diff = [&](const auto& oldm, const auto& newm, json::array& out) {
        for (const auto& [p, q] : oldm)
          if (!newm.count(p)) out.push_back(json::array{json::string(in.format_price(p)), "0"});
        for (const auto& [p, q] : newm) {
          auto it = oldm.find(p);
          if (it == oldm.end() || it->second != q)
            out.push_back(json::array{json::string(in.format_price(p)), json::string(in.format_size(q))});
        }
      };
      diff(f.bids, nb, dbids);
      diff(f.asks, na, dasks);
      auto& st = stats[sym];
      if (dbids.empty() && dasks.empty()) {
        if (st.changed && has_public_subscriber("ticker", sym)) {
          st.changed = false;
          push_public("ticker", sym, json::array{ticker_element(sym, false)}, "snapshot");
        }
        continue;
      }
      f.bids = std::move(nb);
      f.asks = std::move(na);
      f.ts = std::max(now_ms(), f.ts + 1);
      const bool subscribed = has_public_subscriber("books", sym);
      f.seq += (subscribed && fault_injector.consume_skip_sequence()) ? 2 : 1;
      int32_t cs = checksum(in, f);
      if (subscribed && fault_injector.consume_corrupt_checksum()) cs ^= 0x5a5a5a5a;
      if (subscribed) {
        json::object e;
        e["asks"] = std::move(dasks);
        e["bids"] = std::move(dbids);
        e["checksum"] = cs;
        e["seq"] = f.seq;
        e["ts"] = std::to_string(f.ts);
        push_public("books", sym, json::array{std::move(e)}, "update");
      }
      for (std::size_t depth : {std::size_t{1}, std::size_t{5}, std::size_t{15}}) {
        const std::string ch = "books" + std::to_string(depth);
        if (has_public_subscriber(ch, sym))
          push_public(ch, sym, json::array{book_snapshot_element(sym, depth)}, "snapshot");
      }
      if (has_public_subscriber("ticker", sym)) {
        st.changed = false;
        push_public("ticker", sym, json::array{ticker_element(sym, false)}, "snapshot");
      }
    }
  }

  // ------------------------------------------------------------------------------------------------------
  // EngineListener

  bool is_client(AccountId a) const { return a == creds.account; }

  void on_order_accepted(const Order& o) override {
    if (o.account == kFuturesAccount) return mix_order_event(o);
    if (!is_client(o.account)) return;
    push_private(o.account, "orders", o.symbol, json::array{ws_order(o, nullptr, false)});
  }

  void on_fill(const Fill& f, const Order& maker, const Order& taker) override {
    auto one = [&](const Order& o, bool as_maker) {
      if (o.account == kFuturesAccount) return mix_fill_event(f, o, as_maker);
      if (!is_client(o.account)) return;
      push_private(o.account, "fill", o.symbol, json::array{ws_fill(f, o, as_maker)});
      push_private(o.account, "orders", o.symbol, json::array{ws_order(o, &f, as_maker)});
    };
    one(maker, true);
    one(taker, false);
  }

  void on_order_done(const Order& o) override {
    if (o.account == kFuturesAccount && o.status != OrderStatus::kFilled) return mix_order_event(o);
    if (!is_client(o.account) || o.status == OrderStatus::kFilled) return;  // filled: pushed with the fill
    push_private(o.account, "orders", o.symbol, json::array{ws_order(o, nullptr, false)});
  }

  void on_public_trade(const PublicTrade& t) override {
    auto it = stats.find(t.symbol);
    if (it != stats.end()) {
      auto& st = it->second;
      st.last = t.price;
      st.high = Decimal::max(st.high, t.price);
      st.low = Decimal::min(st.low, t.price);
      st.base_volume += t.qty;
      st.quote_volume += t.price.mul(t.qty);
      st.changed = true;
    }
    record_candle(t);
    if (!has_public_subscriber("trade", t.symbol)) return;
    push_public("trade", t.symbol, json::array{trade_json(t)}, "update");
  }

  json::object trade_json(const PublicTrade& t) {
    const auto& in = inst(t.symbol);
    json::object j;
    j["ts"] = std::to_string(t.ts_ms);
    j["price"] = in.format_price(t.price);
    j["size"] = in.format_size(t.qty);
    j["side"] = side_string(t.taker_side);
    j["tradeId"] = std::to_string(t.trade_id);
    return j;
  }

  // ------------------------------------------------------------------------------------------------------
  // Candles

  void record_candle(const PublicTrade& t) {
    auto& bars = minute_bars[t.symbol];
    const int64_t minute = floor_div(t.ts_ms, kMinuteMs) * kMinuteMs;
    const Decimal quote = t.price.mul(t.qty);
    auto [it, fresh] = bars.try_emplace(minute);
    Bar& b = it->second;
    if (fresh) {
      b = Bar{t.price, t.price, t.price, t.price, t.qty, quote};
    } else {
      b.high = Decimal::max(b.high, t.price);
      b.low = Decimal::min(b.low, t.price);
      b.close = t.price;
      b.base_volume += t.qty;
      b.quote_volume += quote;
    }
    while (!bars.empty() && (bars.size() > kMaxMinuteBars ||
                             bars.begin()->first < minute - static_cast<int64_t>(kMaxMinuteBars) * kMinuteMs))
      bars.erase(bars.begin());
    candles_dirty.try_emplace(t.symbol, t.ts_ms);
  }

  /// REST rows are [ts, open, high, low, close, baseVolume, usdtVolume, quoteVolume]; WS rows swap the last
  /// two: [ts, open, high, low, close, baseVolume, quoteVolume, usdtVolume]. Quote is USDT here, so the
  /// two volumes are equal either way.
  json::array candle_row(const Instrument& in, const Candle& c) {
    const std::string quote = c.bar.quote_volume.to_string();
    return json::array{json::string(std::to_string(c.start)),
                       json::string(in.format_price(c.bar.open)),
                       json::string(in.format_price(c.bar.high)),
                       json::string(in.format_price(c.bar.low)),
                       json::string(in.format_price(c.bar.close)),
                       json::string(c.bar.base_volume.to_string()),
                       json::string(quote),
                       json::string(quote)};
  }

  json::array candle_rows(const std::string& sym, const Interval& iv, int64_t from, int64_t to,
                          std::size_t limit) {
    const auto& in = inst(sym);
    json::array a;
    auto it = minute_bars.find(sym);
    if (it == minute_bars.end()) return a;
    for (const auto& c : aggregate(it->second, iv, now_ms(), from, to, limit)) a.push_back(candle_row(in, c));
    return a;
  }

  static bool is_candle_channel(std::string_view channel) {
    return channel.starts_with("candle") && parse_interval(channel.substr(6), /*ws=*/true).has_value();
  }

  /// Pushes the candles touched by trades since the last push (normally the current one; two when a bar
  /// closed in between) to every subscribed `candle<iv>` channel, one `update` per candle, oldest first.
  /// The same `ts` repeats until the bar closes.
  void push_candles() {
    if (candles_dirty.empty()) return;
    std::map<std::string, int64_t, std::less<>> dirty;
    dirty.swap(candles_dirty);
    const int64_t now = now_ms();
    for_each_session([&](WsSession& s, SessionState& st) {
      if (st.is_private) return;
      for (const auto& sub : st.subs) {
        auto d = dirty.find(sub.inst_id);
        if (d == dirty.end() || !is_candle_channel(sub.channel)) continue;
        const Interval iv = *parse_interval(std::string_view(sub.channel).substr(6), true);
        for (auto& row : candle_rows(sub.inst_id, iv, bucket_start(iv, d->second), now, SIZE_MAX))
          s.send(push_msg("update", sub.arg, json::array{std::move(row)}, now));
      }
    });
  }

  void on_balance(const BalanceChange& c) override {
    if (c.account == kFuturesAccount) return schedule_mix_flush();
    if (!is_client(c.account)) return;
    push_private(c.account, "account", c.asset,
                 json::array{balance_json(c.asset, Balance{c.available, c.frozen}, now_ms())});
  }

  // ------------------------------------------------------------------------------------------------------
  // REST

  std::optional<HttpServerResponse> authenticate(const HttpServerRequest& r, AccountId& account) {
    auto hv = [&](std::string_view n) -> std::string {
      auto v = r.header(n);
      return v ? *v : std::string();
    };
    const std::string key = hv("ACCESS-KEY"), sig = hv("ACCESS-SIGN"), ts = hv("ACCESS-TIMESTAMP"),
                      pp = hv("ACCESS-PASSPHRASE");
    if (key.empty()) return bad("40001", "ACCESS_KEY cannot be empty");
    if (sig.empty()) return bad("40002", "ACCESS_SIGN cannot be empty");
    if (ts.empty()) return bad("40003", "ACCESS_TIMESTAMP cannot be empty");
    if (pp.empty()) return bad("40011", "ACCESS_PASSPHRASE cannot be empty");
    if (!all_digits(ts) || ts.size() > 15) return bad("40005", "Invalid ACCESS_TIMESTAMP");
    const int64_t t = std::stoll(ts);
    if (std::llabs(now_ms() - t) > kTimestampWindowMs) return bad("40008", "Request timestamp expired");
    if (key != creds.api_key) return bad("40006", "Invalid ACCESS_KEY");
    if (pp != creds.passphrase) return bad("40012", "apikey/password is incorrect");
    // The query is hashed as received (never re-ordered). Bitget itself verifies over the percent-decoded
    // query text (its signing samples build the query unencoded; ccxt issue #28888 / PR #28890: a
    // percent-encoded signature of a non-ASCII symbol got 40009), so that is accepted too: ccxt sends
    // `clientOid=a%23b` but signs `clientOid=a#b`. The two texts differ only when something needs encoding.
    const std::string expect = nectar::bitget::sign(creds.secret_key, ts, r.method, r.path, r.query, r.body);
    if (expect != sig) {
      const std::string decoded = net::percent_decode(r.query, /*plus_as_space=*/false);
      if (decoded == r.query ||
          nectar::bitget::sign(creds.secret_key, ts, r.method, r.path, decoded, r.body) != sig)
        return bad("40009", "sign signature error");
    }
    account = creds.account;
    return std::nullopt;
  }

  HttpServerResponse handle(const HttpServerRequest& r) {
    const std::string& p = r.path;
    const bool get = r.method == "GET";
    const bool post = r.method == "POST";
    // Public
    if (get && p == "/api/v2/public/time") {
      const int64_t t = now_ms();
      json::object o;
      o["code"] = "00000";
      o["msg"] = "success";
      o["requestTime"] = t;
      o["data"] = json::object{{"serverTime", std::to_string(t)}};
      return make_response(200, std::move(o));
    }
    if (get && p == "/api/v2/spot/public/symbols") return symbols(r);
    if (get && p == "/api/v2/spot/public/coins") return coins(r);
    if (get && p == "/api/v2/margin/currencies") return ok(json::array{});
    if (p.starts_with("/api/v2/mix/")) return mix_handle(r);
    if (get && p == "/api/v2/spot/market/candles") return candles(r, false);
    if (get && p == "/api/v2/spot/market/history-candles") return candles(r, true);
    if (get && p == "/api/v2/spot/market/tickers") return tickers(r);
    if (get && p == "/api/v2/spot/market/orderbook") return orderbook(r);
    if (get && (p == "/api/v2/spot/market/fills" || p == "/api/v2/spot/market/fills-history"))
      return public_fills(r);

    struct Route {
      const char* method;
      const char* path;
      HttpServerResponse (Impl::*fn)(const HttpServerRequest&, AccountId);
    };
    static const Route routes[] = {
        {"GET", "/api/v2/spot/account/assets", &Impl::assets},
        {"POST", "/api/v2/spot/trade/place-order", &Impl::place_order},
        {"POST", "/api/v2/spot/trade/cancel-order", &Impl::cancel_order},
        {"POST", "/api/v2/spot/trade/cancel-symbol-order", &Impl::cancel_symbol},
        {"POST", "/api/v2/spot/trade/batch-orders", &Impl::batch_orders},
        {"POST", "/api/v2/spot/trade/batch-cancel-order", &Impl::batch_cancel},
        {"GET", "/api/v2/spot/trade/orderInfo", &Impl::order_info},
        {"GET", "/api/v2/spot/trade/unfilled-orders", &Impl::unfilled_orders},
        {"GET", "/api/v2/spot/trade/history-orders", &Impl::history_orders},
        {"GET", "/api/v2/spot/trade/fills", &Impl::own_fills},
        {"GET", "/api/v2/common/trade-rate", &Impl::trade_rate},
    };
    for (const auto& rt : routes) {
      if (p != rt.path) continue;
      if (r.method != rt.method) return error(405, "40404", "Request method not supported");
      AccountId account = 0;
      if (auto e = authenticate(r, account)) return *e;
      return (this->*rt.fn)(r, account);
    }
    (void)get;
    (void)post;
    return error(404, "40404", "Request URL NOT FOUND");
  }

  json::object symbol_json(const Instrument& in) {
    json::object j;
    j["symbol"] = in.symbol;
    j["baseCoin"] = in.base;
    j["quoteCoin"] = in.quote;
    j["minTradeAmount"] = in.min_size.to_string();
    j["maxTradeAmount"] = "10000000000";
    j["takerFeeRate"] = in.taker_fee_rate.to_string();
    j["makerFeeRate"] = in.maker_fee_rate.to_string();
    j["pricePrecision"] = std::to_string(in.price_decimals);
    j["quantityPrecision"] = std::to_string(in.size_decimals);
    j["quotePrecision"] = std::to_string(in.quote_decimals);
    j["status"] = "online";
    j["minTradeUSDT"] = in.min_notional.to_string();
    j["buyLimitPriceRatio"] = "0.05";
    j["sellLimitPriceRatio"] = "0.05";
    return j;
  }

  HttpServerResponse symbols(const HttpServerRequest& r) {
    const std::string want = r.query_param("symbol");
    json::array a;
    for (const auto& sym : spot_symbols()) {
      if (!want.empty() && want != sym) continue;
      a.push_back(symbol_json(inst(sym)));
    }
    if (!want.empty() && a.empty()) return bad("40034", "Parameter symbol does not exist");
    return ok(std::move(a));
  }

  HttpServerResponse coins(const HttpServerRequest& r) {
    const std::string want = r.query_param("coin");
    struct C {
      const char* id;
      const char* coin;
      const char* chain;
      const char* fee;
      const char* min;
    };
    static const C cs[] = {{"1", "BTC", "BTC", "0.0005", "0.001"},
                           {"2", "USDT", "TRC20", "1", "10"},
                           {"3", "ETH", "ERC20", "0.003", "0.01"}};
    json::array a;
    for (const auto& c : cs) {
      if (!want.empty() && want != c.coin) continue;
      json::object chain{{"chain", c.chain},           {"needTag", "false"},      {"withdrawable", "true"},
                         {"rechargeable", "true"},     {"withdrawFee", c.fee},    {"extraWithdrawFee", "0"},
                         {"depositConfirm", "1"},      {"withdrawConfirm", "1"},  {"minDepositAmount", "0"},
                         {"minWithdrawAmount", c.min}, {"browserUrl", ""},        {"contractAddress", ""},
                         {"withdrawStep", "0"},        {"withdrawMinScale", "8"}, {"congestion", "normal"}};
      a.push_back(json::object{{"coinId", c.id},
                               {"coin", c.coin},
                               {"transfer", "true"},
                               {"chains", json::array{std::move(chain)}}});
    }
    return ok(std::move(a));
  }

  HttpServerResponse tickers(const HttpServerRequest& r) {
    const std::string want = r.query_param("symbol");
    json::array a;
    for (const auto& sym : spot_symbols()) {
      if (!want.empty() && want != sym) continue;
      a.push_back(ticker_element(sym, true));
    }
    if (!want.empty() && a.empty()) return bad("40034", "Parameter symbol does not exist");
    return ok(std::move(a));
  }

  static std::size_t parse_limit(const HttpServerRequest& r, std::size_t def, std::size_t max) {
    const std::string l = r.query_param("limit");
    if (!all_digits(l) || l.size() > 6) return def;
    return std::clamp<std::size_t>(std::stoul(l), 1, max);
  }

  HttpServerResponse orderbook(const HttpServerRequest& r) {
    const std::string sym = r.query_param("symbol");
    if (sym.empty()) return bad("40019", "Parameter symbol cannot be empty");
    const Instrument* in = spot_inst(sym);
    if (!in) return bad("40034", "Parameter symbol does not exist");
    const std::size_t limit = parse_limit(r, 150, 150);
    L2Book b = engine.book(sym, limit);
    json::array asks, bids;
    for (const auto& l : b.asks)
      asks.push_back(
          json::array{json::string(in->format_price(l.price)), json::string(in->format_size(l.qty))});
    for (const auto& l : b.bids)
      bids.push_back(
          json::array{json::string(in->format_price(l.price)), json::string(in->format_size(l.qty))});
    return ok(
        json::object{{"asks", std::move(asks)}, {"bids", std::move(bids)}, {"ts", std::to_string(now_ms())}});
  }

  /// `candles` (limit default 100, max 1000) and `history-candles` (max 200): oldest first, the newest
  /// `limit` candles starting within [startTime, endTime].
  HttpServerResponse candles(const HttpServerRequest& r, bool history) {
    const std::string sym = r.query_param("symbol");
    if (sym.empty()) return bad("40019", "Parameter symbol cannot be empty");
    if (!spot_inst(sym)) return bad("40034", "Parameter symbol does not exist");
    const std::string g = r.query_param("granularity");
    if (g.empty()) return bad("40019", "Parameter granularity cannot be empty");
    const auto iv = parse_interval(g, /*ws=*/false);
    if (!iv) return bad("40020", "Parameter granularity error");
    const std::string st = r.query_param("startTime");
    const std::string et = r.query_param("endTime");
    if ((!st.empty() && (!all_digits(st) || st.size() > 15)) ||
        (!et.empty() && (!all_digits(et) || et.size() > 15)))
      return bad("40020", "Parameter startTime/endTime error");
    const int64_t from = st.empty() ? std::numeric_limits<int64_t>::min() : std::stoll(st);
    const int64_t to = et.empty() ? std::numeric_limits<int64_t>::max() : std::stoll(et);
    return ok(candle_rows(sym, *iv, from, to, parse_limit(r, 100, history ? 200 : 1000)));
  }

  HttpServerResponse public_fills(const HttpServerRequest& r) {
    const std::string sym = r.query_param("symbol");
    if (sym.empty()) return bad("40019", "Parameter symbol cannot be empty");
    if (!spot_inst(sym)) return bad("40034", "Parameter symbol does not exist");
    json::array a;
    for (const auto& t : engine.recent_trades(sym, parse_limit(r, 100, 500))) {
      json::object j = trade_json(t);
      j["symbol"] = sym;
      a.push_back(std::move(j));
    }
    return ok(std::move(a));
  }

  // ---- private ----

  HttpServerResponse assets(const HttpServerRequest& r, AccountId account) {
    const std::string coin = r.query_param("coin");
    const bool all = lower(r.query_param("assetType")) == "all";
    std::set<std::string> names;
    if (const Account* a = engine.ledger().account(account))
      for (const auto& [asset, b] : a->balances) names.insert(asset);
    if (all)
      for (const auto& sym : spot_symbols()) {
        names.insert(inst(sym).base);
        names.insert(inst(sym).quote);
      }
    json::array out;
    const int64_t t = now_ms();
    for (const auto& n : names) {
      if (!coin.empty() && coin != n) continue;
      Balance b = engine.ledger().balance(account, n);
      if (!all && coin.empty() && b.total().is_zero()) continue;
      out.push_back(balance_json(n, b, t));
    }
    return ok(std::move(out));
  }

  std::optional<json::object> parse_body(const HttpServerRequest& r) {
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    if (ec || !v.is_object()) return std::nullopt;
    return v.as_object();
  }

  /// Validates and places one order from a place-order style object; returns {orderId, clientOid} or an
  /// error.
  std::variant<json::object, RejectInfo> place_one(const json::object& b, AccountId account,
                                                   const std::string& default_symbol = {}) {
    std::string sym = get_str(b, "symbol").value_or(default_symbol);
    if (sym.empty()) return RejectInfo{"40019", "Parameter symbol cannot be empty"};
    const Instrument* in = spot_inst(sym);
    if (!in) return RejectInfo{"40034", "Parameter symbol does not exist"};
    const std::string side = lower(get_str(b, "side").value_or(""));
    const std::string type = lower(get_str(b, "orderType").value_or(""));
    const std::string force = lower(get_str(b, "force").value_or("gtc"));
    const std::string price_s = get_str(b, "price").value_or("");
    const std::string size_s = get_str(b, "size").value_or("");
    std::string coid = get_str(b, "clientOid").value_or("");
    if (side != "buy" && side != "sell") return RejectInfo{"40017", "Parameter side error"};
    if (type != "limit" && type != "market") return RejectInfo{"40017", "Parameter orderType error"};
    if (size_s.empty()) return RejectInfo{"40019", "Parameter size cannot be empty"};
    auto size = Decimal::try_parse(size_s);
    if (!size || !size->is_positive()) return RejectInfo{"40020", "Parameter size error"};
    if (coid.size() > 64) return RejectInfo{"40017", "Parameter clientOid error: too long"};
    if (coid.empty()) coid = "sim" + std::to_string(now_ms()) + "_" + std::to_string(next_client_oid++);
    const Side s = side == "buy" ? Side::kBuy : Side::kSell;
    OrderRequest req;
    if (type == "market") {
      req = s == Side::kBuy ? OrderRequest::market_buy_quote(account, sym, *size, coid)
                            : OrderRequest::market(account, sym, s, *size, coid);
    } else {
      if (price_s.empty()) return RejectInfo{"40019", "Parameter price cannot be empty"};
      auto price = Decimal::try_parse(price_s);
      if (!price || !price->is_positive()) return RejectInfo{"40020", "Parameter price error"};
      if (force == "post_only") {
        req = OrderRequest::post_only(account, sym, s, *price, *size, coid);
      } else {
        TimeInForce tif = TimeInForce::kGtc;
        if (force == "ioc")
          tif = TimeInForce::kIoc;
        else if (force == "fok")
          tif = TimeInForce::kFok;
        else if (force != "gtc" && force != "normal")
          return RejectInfo{"40017", "Parameter force error"};
        req = OrderRequest::limit(account, sym, s, *price, *size, tif, coid);
      }
    }
    PlaceResult res = engine.place(req);
    // A post-only that would cross is accepted and then cancelled, as Bitget does.
    if (!res.ok() && !(res.reason == RejectReason::kPostOnlyWouldCross && res.order_id != 0))
      return map_reject(res);
    return json::object{{"orderId", order_id_string(res.order_id)}, {"clientOid", coid}};
  }

  HttpServerResponse place_order(const HttpServerRequest& r, AccountId account) {
    auto b = parse_body(r);
    if (!b) return bad("40017", "Parameter verification failed: body is not a JSON object");
    auto res = place_one(*b, account);
    if (auto* e = std::get_if<RejectInfo>(&res)) return bad(e->code, e->msg);
    return ok(std::get<json::object>(std::move(res)));
  }

  HttpServerResponse batch_orders(const HttpServerRequest& r, AccountId account) {
    auto b = parse_body(r);
    if (!b) return bad("40017", "Parameter verification failed: body is not a JSON object");
    const std::string sym = get_str(*b, "symbol").value_or("");
    auto it = b->find("orderList");
    if (it == b->end() || !it->value().is_array()) return bad("40019", "Parameter orderList cannot be empty");
    const auto& list = it->value().as_array();
    if (list.empty() || list.size() > 50) return bad("40017", "Parameter orderList size must be 1..50");
    return ok(batch_result(list, /*with_order_id=*/false, /*fail_non_objects=*/true,
                           [&](const json::object& item) { return place_one(item, account, sym); }));
  }

  /// Cancels by orderId or clientOid; returns {orderId, clientOid} or 43001.
  std::variant<json::object, RejectInfo> cancel_one(const json::object& b, AccountId account,
                                                    const std::string& default_symbol = {}) {
    const std::string sym = get_str(b, "symbol").value_or(default_symbol);
    const std::string oid = get_str(b, "orderId").value_or("");
    const std::string coid = get_str(b, "clientOid").value_or("");
    if (sym.empty()) return RejectInfo{"40019", "Parameter symbol cannot be empty"};
    if (!spot_inst(sym)) return RejectInfo{"40034", "Parameter symbol does not exist"};
    if (oid.empty() && coid.empty())
      return RejectInfo{"40019", "Parameter orderId or clientOid cannot be empty"};
    std::optional<Order> o;
    if (!oid.empty()) {
      if (auto id = parse_order_id(oid)) o = engine.order(*id);
    } else {
      o = engine.order_by_client_id(account, coid);
    }
    if (!o || o->account != account || o->symbol != sym || !o->is_live())
      return RejectInfo{"43001", "The order does not exist"};
    CancelResult c = engine.cancel(account, o->id);
    if (!c.ok()) return RejectInfo{"43001", "The order does not exist"};
    return json::object{{"orderId", o->id_string()}, {"clientOid", o->client_id}};
  }

  HttpServerResponse cancel_order(const HttpServerRequest& r, AccountId account) {
    auto b = parse_body(r);
    if (!b) return bad("40017", "Parameter verification failed: body is not a JSON object");
    auto res = cancel_one(*b, account);
    if (auto* e = std::get_if<RejectInfo>(&res)) return bad(e->code, e->msg);
    return ok(std::get<json::object>(std::move(res)));
  }

  HttpServerResponse batch_cancel(const HttpServerRequest& r, AccountId account) {
    auto b = parse_body(r);
    if (!b) return bad("40017", "Parameter verification failed: body is not a JSON object");
    const std::string sym = get_str(*b, "symbol").value_or("");
    auto it = b->find("orderList");
    if (it == b->end() || !it->value().is_array()) return bad("40019", "Parameter orderList cannot be empty");
    return ok(batch_result(it->value().as_array(), /*with_order_id=*/true, /*fail_non_objects=*/false,
                           [&](const json::object& item) { return cancel_one(item, account, sym); }));
  }

  HttpServerResponse cancel_symbol(const HttpServerRequest& r, AccountId account) {
    auto b = parse_body(r);
    if (!b) return bad("40017", "Parameter verification failed: body is not a JSON object");
    const std::string sym = get_str(*b, "symbol").value_or("");
    if (sym.empty()) return bad("40019", "Parameter symbol cannot be empty");
    if (!spot_inst(sym)) return bad("40034", "Parameter symbol does not exist");
    engine.cancel_all(account, sym);
    return ok(json::object{{"symbol", sym}});
  }

  HttpServerResponse order_info(const HttpServerRequest& r, AccountId account) {
    const std::string oid = r.query_param("orderId");
    const std::string coid = r.query_param("clientOid");
    if (oid.empty() && coid.empty()) return bad("40019", "Parameter orderId or clientOid cannot be empty");
    std::optional<Order> o;
    if (!oid.empty()) {
      if (auto id = parse_order_id(oid)) o = engine.order(*id);
    } else {
      o = engine.order_by_client_id(account, coid);
    }
    json::array a;
    if (o && o->account == account) a.push_back(rest_order(*o));
    return ok(std::move(a));
  }

  json::array filter_orders(const HttpServerRequest& r, const std::vector<Order>& orders, OrderShape shape) {
    const std::size_t limit = parse_limit(r, 100, 100);
    const std::string idlt = r.query_param("idLessThan");
    const std::string st = r.query_param("startTime");
    const std::string et = r.query_param("endTime");
    const std::string oid = r.query_param("orderId");
    json::array a;
    for (const auto& o : orders) {
      if (a.size() >= limit) break;
      if (all_digits(idlt) && o.id >= std::stoull(idlt)) continue;
      if (all_digits(oid) && o.id != std::stoull(oid)) continue;
      if (all_digits(st) && o.created_ms < std::stoll(st)) continue;
      if (all_digits(et) && o.created_ms > std::stoll(et)) continue;
      a.push_back(rest_order(o, shape));
    }
    return a;
  }

  HttpServerResponse unfilled_orders(const HttpServerRequest& r, AccountId account) {
    auto orders = engine.open_orders(account, r.query_param("symbol"));
    std::reverse(orders.begin(), orders.end());  // newest first
    return ok(filter_orders(r, orders, OrderShape::kUnfilled));
  }

  HttpServerResponse history_orders(const HttpServerRequest& r, AccountId account) {
    return ok(filter_orders(r, engine.recent_orders(account, r.query_param("symbol")), OrderShape::kInfo));
  }

  HttpServerResponse own_fills(const HttpServerRequest& r, AccountId account) {
    const std::string sym = r.query_param("symbol");
    if (!sym.empty() && !spot_inst(sym)) return bad("40034", "Parameter symbol does not exist");
    const std::string oid_s = r.query_param("orderId");
    OrderId oid = 0;
    if (!oid_s.empty()) {
      auto id = parse_order_id(oid_s);
      if (!id) return ok(json::array{});
      oid = *id;
    }
    const std::size_t limit = parse_limit(r, 100, 100);
    const std::string idlt = r.query_param("idLessThan");
    const std::string st = r.query_param("startTime");
    const std::string et = r.query_param("endTime");
    json::array a;
    for (const auto& f : engine.recent_fills(account, sym, oid)) {
      if (a.size() >= limit) break;
      if (all_digits(idlt) && f.trade_id >= std::stoull(idlt)) continue;
      if (all_digits(st) && f.ts_ms < std::stoll(st)) continue;
      if (all_digits(et) && f.ts_ms > std::stoll(et)) continue;
      const auto& in = inst(f.symbol);
      json::object j;
      j["userId"] = std::to_string(account);
      j["symbol"] = f.symbol;
      j["orderId"] = order_id_string(f.order_id);
      j["tradeId"] = std::to_string(f.trade_id);
      j["orderType"] = f.kind == OrderKind::kMarket ? "market" : "limit";
      j["side"] = side_string(f.side);
      j["priceAvg"] = in.format_price(f.price);
      j["size"] = f.qty.to_string();
      j["amount"] = f.quote_qty.to_string();
      j["tradeScope"] = f.is_maker ? "maker" : "taker";
      j["feeDetail"] = json::object{{"deduction", "no"},
                                    {"feeCoin", f.fee_asset},
                                    {"totalDeductionFee", "0"},
                                    {"totalFee", neg_fee(f.fee)}};
      j["cTime"] = std::to_string(f.ts_ms);
      j["uTime"] = std::to_string(f.ts_ms);
      a.push_back(std::move(j));
    }
    return ok(std::move(a));
  }

  HttpServerResponse trade_rate(const HttpServerRequest& r, AccountId) {
    const std::string sym = r.query_param("symbol");
    if (sym.empty()) return bad("40019", "Parameter symbol cannot be empty");
    const Instrument* in = spot_inst(sym);
    if (!in) return bad("40034", "Parameter symbol does not exist");
    return ok(json::object{{"makerFeeRate", in->maker_fee_rate.to_string()},
                           {"takerFeeRate", in->taker_fee_rate.to_string()}});
  }

  // ------------------------------------------------------------------------------------------------------
  // WebSocket

  static std::string ws_error(std::string_view code, std::string_view msg, const json::object* arg = nullptr,
                              std::string_view op = {}) {
    json::object o;
    o["event"] = "error";
    if (arg) o["arg"] = *arg;
    o["code"] = code;
    o["msg"] = msg;
    if (!op.empty()) o["op"] = op;
    return json::serialize(o);
  }

  void ws_message(const std::shared_ptr<WsSession>& s, std::string_view text) {
    if (text == "ping") {
      s->send("pong");
      return;
    }
    auto* st = s->user<SessionState>();
    if (!st) return;
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) {
      s->send(ws_error("30002", "illegal request"));
      return;
    }
    const auto& o = v.as_object();
    const std::string op = get_str(o, "op").value_or("");
    const json::array empty;
    const json::array* args = &empty;
    if (auto it = o.find("args"); it != o.end() && it->value().is_array()) args = &it->value().as_array();
    if (op == "login") {
      login(s, *st, *args);
    } else if (op == "subscribe" || op == "unsubscribe") {
      for (const auto& a : *args) {
        if (!a.is_object()) {
          s->send(ws_error("30016", "param error", nullptr, op));
          continue;
        }
        subscribe(s, *st, a.as_object(), op == "subscribe");
      }
    } else {
      s->send(ws_error("30003", "invalid op"));
    }
  }

  void login(const std::shared_ptr<WsSession>& s, SessionState& st, const json::array& args) {
    auto fail = [&](const std::string& msg) {
      s->send(ws_error("30005", msg));
      s->close();
    };
    if (!st.is_private) return fail("login is only supported on the private channel");
    if (args.empty() || !args[0].is_object()) return fail("Login failed: missing args");
    const auto& a = args[0].as_object();
    const std::string key = get_str(a, "apiKey").value_or("");
    const std::string pp = get_str(a, "passphrase").value_or("");
    const std::string ts = get_str(a, "timestamp").value_or("");
    const std::string sig = get_str(a, "sign").value_or("");
    if (!all_digits(ts) || ts.size() > 15) return fail("Login failed: invalid timestamp");
    int64_t t = std::stoll(ts);
    if (ts.size() <= 10) t *= 1000;
    if (std::llabs(now_ms() - t) > kTimestampWindowMs) return fail("Login failed: timestamp expired");
    if (key != creds.api_key) return fail("Login failed: invalid ACCESS_KEY");
    if (pp != creds.passphrase) return fail("Login failed: invalid passphrase");
    if (nectar::bitget::sign(creds.secret_key, ts, "GET", "/user/verify", "", "") != sig)
      return fail("Login failed: invalid sign");
    st.logged_in = true;
    st.account = creds.account;
    s->send(R"({"event":"login","code":"0","msg":""})");
  }

  void subscribe(const std::shared_ptr<WsSession>& s, SessionState& st, const json::object& arg, bool sub) {
    const std::string op = sub ? "subscribe" : "unsubscribe";
    const std::string inst_type = get_str(arg, "instType").value_or("");
    const std::string channel = get_str(arg, "channel").value_or("");
    std::string inst_id = get_str(arg, "instId").value_or("");
    if (inst_id.empty()) inst_id = get_str(arg, "coin").value_or("");
    auto not_exist = [&] {
      s->send(ws_error(
          "30001", "instType:" + inst_type + ",channel:" + channel + ",instId:" + inst_id + " doesn't exist",
          &arg, op));
    };
    static const std::set<std::string, std::less<>> kPublic = {"books",   "books1", "books5",
                                                               "books15", "trade",  "ticker"};
    static const std::set<std::string, std::less<>> kPrivate = {"orders", "fill", "account"};
    static const std::set<std::string, std::less<>> kMixPrivate = {"orders", "fill", "account", "positions"};
    const bool futures = inst_type == "USDT-FUTURES";
    if (inst_type != "SPOT" && !futures) return not_exist();
    if (futures) {
      if (st.is_private) {
        if (!kMixPrivate.count(channel)) return not_exist();
        if (!st.logged_in) {
          s->send(ws_error("30004", "User not logged in", &arg, op));
          return;
        }
        if (inst_id.empty() || inst_id == "default" || channel == "account") {
          inst_id = "default";
        } else {
          if (!perp_inst(inst_id)) return not_exist();
          inst_id = perp_symbol(inst_id);
        }
      } else {
        if ((!kPublic.count(channel) && !is_candle_channel(channel) && channel != "candle2H") ||
            !perp_inst(inst_id))
          return not_exist();
        inst_id = perp_symbol(inst_id);
      }
    } else if (st.is_private) {
      if (!kPrivate.count(channel)) return not_exist();
      if (!st.logged_in) {
        s->send(ws_error("30004", "User not logged in", &arg, op));
        return;
      }
      if (inst_id.empty()) inst_id = "default";
      if (inst_id != "default" && channel != "account" && !spot_inst(inst_id)) return not_exist();
    } else {
      if ((!kPublic.count(channel) && !is_candle_channel(channel)) || !spot_inst(inst_id)) return not_exist();
    }
    auto it = std::find_if(st.subs.begin(), st.subs.end(), [&](const Subscription& x) {
      return x.futures == futures && x.channel == channel && x.inst_id == inst_id;
    });
    json::object ack{{"event", op}, {"arg", arg}};
    if (!sub) {
      if (it != st.subs.end()) st.subs.erase(it);
      s->send(json::serialize(ack));
      return;
    }
    if (it == st.subs.end()) st.subs.push_back(Subscription{channel, inst_id, arg, futures});
    s->send(json::serialize(ack));
    const int64_t ts = now_ms();
    if (futures && st.is_private) {
      if (channel == "positions") s->send(push_msg("snapshot", arg, mix_positions_json(inst_id, true), ts));
      if (channel == "account") s->send(push_msg("snapshot", arg, json::array{mix_account_ws()}, ts));
      return;
    }
    if (channel == "books") {
      s->send(push_msg("snapshot", arg, json::array{book_snapshot_element(inst_id, SIZE_MAX)}, ts));
    } else if (channel == "books1" || channel == "books5" || channel == "books15") {
      s->send(push_msg("snapshot", arg,
                       json::array{book_snapshot_element(inst_id, std::stoul(channel.substr(5)))}, ts));
    } else if (channel == "trade") {
      json::array a;
      for (const auto& t : engine.recent_trades(inst_id, 50)) a.push_back(trade_json(t));
      s->send(push_msg("snapshot", arg, std::move(a), ts));
    } else if (channel == "ticker") {
      s->send(push_msg("snapshot", arg, json::array{ticker_element(inst_id, false)}, ts));
    } else if (is_candle_channel(channel)) {
      const Interval iv = *parse_interval(std::string_view(channel).substr(6), true);
      s->send(push_msg("snapshot", arg,
                       candle_rows(inst_id, iv, std::numeric_limits<int64_t>::min(), ts, 200), ts));
    } else if (channel == "account") {
      json::array a;
      if (const Account* acct = engine.ledger().account(st.account))
        for (const auto& [coin, b] : acct->balances)
          if (inst_id == "default" || inst_id == coin) a.push_back(balance_json(coin, b, ts));
      s->send(push_msg("snapshot", arg, std::move(a), ts));
    }
  }
  // ======================================================================================================
  // USDT-M perpetuals: `mix` REST family and WS instType USDT-FUTURES (docs/bitget-sim.md).
  //
  // The perpetuals live in the same engine as spot under distinct engine symbols (wire id + "_UMCBL"), and
  // the key's futures side is its own engine account (kFuturesAccount) with its own USDT wallet, as on
  // Bitget where spot and futures are separate accounts.

  struct FundingRecord {
    Decimal rate;
    int64_t time = 0;
  };
  std::map<std::string, std::deque<FundingRecord>, std::less<>> funding_history;  // newest first
  // Long size per (symbol, account, slot) over every account (market makers, the house): open interest.
  std::map<std::string, std::map<std::pair<AccountId, int>, Decimal>, std::less<>> long_sizes;
  bool mix_flush_scheduled = false;
  std::string last_positions_sent;
  std::string last_account_sent;
  static constexpr uint64_t kLiquidationOrderBase = 4'000'000'000'000'000'000ULL;
  static constexpr int kMaxHistoryFunding = 1000;

  static std::string perp_symbol(std::string_view wire) {
    return std::string(wire) + std::string(kPerpSuffix);
  }
  static std::string wire_symbol(std::string_view sym) {
    if (sym.ends_with(kPerpSuffix)) sym.remove_suffix(kPerpSuffix.size());
    return std::string(sym);
  }
  const Instrument* spot_inst(std::string_view sym) const {
    const Instrument* i = engine.instrument(sym);
    return i != nullptr && !i->is_perpetual() ? i : nullptr;
  }
  std::vector<std::string> spot_symbols() const {
    std::vector<std::string> out;
    for (auto& s : engine.symbols())
      if (spot_inst(s)) out.push_back(s);
    return out;
  }
  std::vector<std::string> perp_symbols() const {
    std::vector<std::string> out;
    for (auto& s : engine.symbols())
      if (!spot_inst(s)) out.push_back(s);
    return out;
  }
  /// The perpetual with that wire id (e.g. "BTCUSDT"), else nullptr.
  const Instrument* perp_inst(std::string_view wire) const {
    if (wire.empty() || wire.ends_with(kPerpSuffix)) return nullptr;
    const Instrument* i = engine.instrument(perp_symbol(wire));
    return i != nullptr && i->is_perpetual() ? i : nullptr;
  }

  void add_perps() {
    auto add = [&](const std::string& wire, const std::string& base, int price_place, int volume_place,
                   int64_t max_qty, Decimal mid, int64_t walk, int64_t lots_lo, int64_t lots_hi,
                   AccountId acct) {
      Instrument in;
      in.symbol = perp_symbol(wire);
      in.base = base;
      in.quote = "USDT";
      in.settle = "USDT";
      in.kind = InstrumentKind::kPerpetual;
      in.tick = Decimal::from_scaled(1, price_place);  // priceEndStep 1
      in.lot = Decimal::from_scaled(1, volume_place);  // sizeMultiplier
      in.min_size = in.lot;                            // minTradeNum
      in.max_size = Decimal::from_int(max_qty);        // maxOrderQty
      in.min_notional = Decimal::from_int(5);          // minTradeUSDT
      in.maker_fee_rate = Decimal::from_scaled(2, 4);
      in.taker_fee_rate = Decimal::from_scaled(6, 4);
      in.price_decimals = price_place;
      in.size_decimals = volume_place;
      in.quote_decimals = 8;
      in.min_leverage = Decimal::one();
      in.max_leverage = Decimal::from_int(125);
      in.default_leverage = Decimal::from_int(20);
      in.maintenance_margin_rate = Decimal::from_scaled(4, 3);
      in.funding_interval_ms = std::max<int64_t>(options.funding_interval_ms, 1);
      engine.add_instrument(in);
      engine.set_funding_rate(in.symbol, Decimal::from_scaled(1, 4));
      ActivityConfig ac;
      ac.symbol = in.symbol;
      ac.account = acct;
      ac.seed = options.seed + acct;
      ac.mid_start = mid;
      ac.levels = 15;
      ac.spread_ticks = walk;
      ac.level_spacing_ticks = walk;
      ac.max_walk_ticks = walk;
      ac.maker_min_lots = lots_lo;
      ac.maker_max_lots = lots_hi;
      ac.taker_min_lots = lots_lo;
      ac.taker_max_lots = lots_hi / 4;
      ac.initial_quote = Decimal::from_int(100'000'000);
      generators.push_back(std::make_unique<ActivityGenerator>(engine, ac));
      auto& st = stats[in.symbol];
      st.open = st.high = st.low = st.last = mid;
    };
    add("BTCUSDT", "BTC", 1, 3, 1200, Decimal::from_int(65000), 5, 1, 200, kMarketAccountBase + 2);
    add("ETHUSDT", "ETH", 2, 2, 12000, Decimal::from_int(3500), 10, 1, 500, kMarketAccountBase + 3);
  }

  /// Settles funding whose time has come (book timer) and records it for history-fund-rate.
  void poll_funding() {
    std::vector<std::pair<std::string, int64_t>> before;
    for (auto& sym : perp_symbols()) before.emplace_back(sym, engine.next_funding_ms(sym));
    engine.poll_funding();
    for (auto& [sym, t] : before) {
      if (engine.next_funding_ms(sym) == t) continue;
      auto& h = funding_history[sym];
      h.push_front(FundingRecord{engine.funding_rate(sym), t});
      while (h.size() > kMaxHistoryFunding) h.pop_back();
    }
  }

  // ---- formatting ----

  static std::string_view margin_mode_str(MarginMode m) {
    return m == MarginMode::kIsolated ? "isolated" : "crossed";
  }
  static std::string_view pos_mode_str(PositionMode m) {
    return m == PositionMode::kHedge ? "hedge_mode" : "one_way_mode";
  }
  static std::string_view hold_side_str(PositionSide s) {
    return s == PositionSide::kShort ? "short" : "long";
  }
  static std::string_view mix_state(OrderStatus s) {
    switch (s) {
      case OrderStatus::kNew:
        return "live";
      case OrderStatus::kPartiallyFilled:
        return "partially_filled";
      case OrderStatus::kFilled:
        return "filled";
      default:
        return "canceled";
    }
  }
  static bool is_hedge_order(const Order& o) { return o.position_side != PositionSide::kBoth; }
  static bool is_closing(const Order& o) {
    return o.reduce_only || o.position_action == PositionAction::kClose;
  }
  /// Bitget hedge mode names the position in `side` for closes (close long = buy + close, §7).
  static std::string_view mix_wire_side(const Order& o) {
    if (is_hedge_order(o) && o.position_action == PositionAction::kClose)
      return o.position_side == PositionSide::kLong ? "buy" : "sell";
    return side_string(o.side);
  }
  static std::string_view mix_trade_side(const Order& o) {
    if (is_hedge_order(o)) return o.position_action == PositionAction::kClose ? "close" : "open";
    return o.side == Side::kBuy ? "buy_single" : "sell_single";
  }
  static std::string_view mix_pos_side(const Order& o) {
    if (!is_hedge_order(o)) return "net";
    return hold_side_str(o.position_side);
  }
  /// Hours of a funding interval as Bitget prints them ("8"; fractions for the short test intervals).
  static std::string interval_hours(int64_t ms) {
    return Decimal::from_int(ms)
        .div(Decimal::from_int(3'600'000), Rounding::kHalfEven)
        .round_to(6, Rounding::kHalfEven)
        .to_string();
  }
  static std::string ratio(Decimal num, Decimal den) {
    if (!den.is_positive()) return "0";
    return num.div(den, Rounding::kHalfEven).round_to(4, Rounding::kHalfEven).to_string();
  }

  json::object contract_json(const Instrument& in) {
    json::object j;
    j["symbol"] = wire_symbol(in.symbol);
    j["baseCoin"] = in.base;
    j["quoteCoin"] = in.quote;
    j["buyLimitPriceRatio"] = "0.05";
    j["sellLimitPriceRatio"] = "0.05";
    j["feeRateUpRatio"] = "0.005";
    j["makerFeeRate"] = in.maker_fee_rate.to_string();
    j["takerFeeRate"] = in.taker_fee_rate.to_string();
    j["openCostUpRatio"] = "0.01";
    j["supportMarginCoins"] = json::array{json::string(in.settle_asset())};
    j["minTradeNum"] = in.min_size.to_string();
    j["priceEndStep"] = "1";
    j["volumePlace"] = std::to_string(in.size_decimals);
    j["pricePlace"] = std::to_string(in.price_decimals);
    j["sizeMultiplier"] = in.lot.to_string();
    j["symbolType"] = "perpetual";
    j["minTradeUSDT"] = in.min_notional.to_string();
    j["maxSymbolOrderNum"] = "200";
    j["maxProductOrderNum"] = "400";
    j["maxPositionNum"] = "150";
    j["symbolStatus"] = "normal";
    j["offTime"] = "-1";
    j["limitOpenTime"] = "-1";
    j["deliveryTime"] = "";
    j["deliveryStartTime"] = "";
    j["deliveryPeriod"] = "";
    j["launchTime"] = "";
    j["fundInterval"] = interval_hours(in.funding_interval_ms);
    j["minLever"] = in.min_leverage.to_string();
    j["maxLever"] = in.max_leverage.to_string();
    j["posLimit"] = "0.05";
    j["maintainTime"] = "";
    j["maxMarketOrderQty"] =
        in.max_size.div(Decimal::from_int(6), Rounding::kDown).round_to(0, Rounding::kDown).to_string();
    j["maxOrderQty"] = in.max_size.to_string();
    return j;
  }

  Decimal mark_of(const std::string& sym) {
    if (auto m = engine.mark_price(sym)) return *m;
    return stats[sym].last;
  }

  Decimal open_interest(std::string_view sym) const {
    Decimal oi;
    if (auto it = long_sizes.find(sym); it != long_sizes.end())
      for (const auto& [k, v] : it->second) oi += v;
    return oi;
  }

  json::object mix_ticker(const std::string& sym, bool rest) {
    const auto& in = inst(sym);
    auto& st = stats[sym];
    L2Book b = engine.book(sym, 1);
    std::string change = "0";
    if (st.open.is_positive())
      change =
          (st.last - st.open).div(st.open, Rounding::kHalfEven).round_to(4, Rounding::kHalfEven).to_string();
    const std::string mark = in.format_price(mark_of(sym));
    json::object t;
    if (!rest) t["instId"] = wire_symbol(sym);
    t["symbol"] = wire_symbol(sym);
    t["lastPr"] = in.format_price(st.last);
    t["askPr"] = b.asks.empty() ? std::string("0") : in.format_price(b.asks[0].price);
    t["bidPr"] = b.bids.empty() ? std::string("0") : in.format_price(b.bids[0].price);
    t["bidSz"] = b.bids.empty() ? std::string("0") : in.format_size(b.bids[0].qty);
    t["askSz"] = b.asks.empty() ? std::string("0") : in.format_size(b.asks[0].qty);
    t["high24h"] = in.format_price(st.high);
    t["low24h"] = in.format_price(st.low);
    t["change24h"] = change;
    t["baseVolume"] = st.base_volume.to_string();
    t["quoteVolume"] = st.quote_volume.to_string();
    if (rest) t["usdtVolume"] = st.quote_volume.to_string();
    t["openUtc"] = in.format_price(st.open);
    t["changeUtc24h"] = change;
    t["indexPrice"] = mark;
    t["fundingRate"] = engine.funding_rate(sym).to_string();
    t["holdingAmount"] = open_interest(sym).to_string();
    t["open24h"] = in.format_price(st.open);
    t["markPrice"] = mark;
    if (rest) {
      t["deliveryStartTime"] = nullptr;
      t["deliveryTime"] = nullptr;
      t["deliveryStatus"] = "";
    } else {
      t["nextFundingTime"] = std::to_string(engine.next_funding_ms(sym));
      t["deliveryPrice"] = "0";
      t["symbolType"] = "1";
    }
    t["ts"] = std::to_string(now_ms());
    return t;
  }

  json::object mix_account_core(bool ws) {
    const MarginSummary m = engine.margin_summary(kFuturesAccount, "USDT");
    Decimal cross_margin, iso_margin, cross_upnl, iso_upnl;
    for (const auto& p : engine.positions(kFuturesAccount)) {
      if (p.margin_mode == MarginMode::kIsolated) {
        iso_margin += p.margin;
        iso_upnl += p.unrealized_pnl;
      } else {
        cross_margin += p.margin;
        cross_upnl += p.unrealized_pnl;
      }
    }
    const std::string avail = m.available.to_string();
    const std::string equity = m.equity.to_string();
    json::object j;
    j["marginCoin"] = "USDT";
    if (ws) {
      j["frozen"] = m.order_margin.to_string();
      j["available"] = avail;
      j["maxOpenPosAvailable"] = avail;
      j["maxTransferOut"] = avail;
      j["equity"] = equity;
      j["usdtEquity"] = equity;
      j["crossedRiskRate"] = ratio(m.maintenance_margin, m.equity);
      j["unrealizedPL"] = m.unrealized_pnl.to_string();
      j["unionTotalMargin"] = equity;
      j["unionAvailable"] = avail;
      j["unionMm"] = m.maintenance_margin.to_string();
      j["crossedMargin"] = cross_margin.to_string();
      j["isolatedMargin"] = iso_margin.to_string();
      j["assetMode"] = "single";
      return j;
    }
    j["locked"] = m.order_margin.to_string();
    j["available"] = avail;
    j["crossedMaxAvailable"] = avail;
    j["isolatedMaxAvailable"] = avail;
    j["maxTransferOut"] = avail;
    j["accountEquity"] = equity;
    j["usdtEquity"] = equity;
    j["btcEquity"] = m.equity.div(mark_of(perp_symbol("BTCUSDT")), Rounding::kHalfEven)
                         .round_to(8, Rounding::kHalfEven)
                         .to_string();
    j["crossedRiskRate"] = ratio(m.maintenance_margin, m.equity);
    j["unrealizedPL"] = m.unrealized_pnl.to_string();
    j["coupon"] = "0";
    j["unionTotalMagin"] = equity;
    j["unionAvailable"] = avail;
    j["unionMm"] = m.maintenance_margin.to_string();
    j["assetList"] = json::array{};
    j["isolatedMargin"] = iso_margin.to_string();
    j["crossedMargin"] = cross_margin.to_string();
    j["crossedUnrealizedPL"] = cross_upnl.to_string();
    j["isolatedUnrealizedPL"] = iso_upnl.to_string();
    j["assetMode"] = "single";
    return j;
  }
  json::object mix_account_ws() { return mix_account_core(true); }

  json::object mix_position(const Position& p, const std::vector<Order>& opens, bool ws) {
    const auto& in = inst(p.symbol);
    Decimal open_delegate, locked;
    for (const auto& o : opens) {
      if (o.symbol != p.symbol) continue;
      if (is_hedge_order(o) && o.position_side != p.side) continue;
      if (is_closing(o))
        locked += o.remaining();
      else if (is_hedge_order(o) || (o.side == Side::kBuy) == (p.side == PositionSide::kLong))
        open_delegate += o.remaining();
    }
    locked = Decimal::min(locked, p.size);
    const Decimal denom = p.margin + p.unrealized_pnl;
    const Decimal be = p.side == PositionSide::kLong ? (p.entry_value + p.fees) : (p.entry_value - p.fees);
    json::object j;
    if (ws) {
      j["posId"] = std::to_string(p.created_ms * 10 + (p.side == PositionSide::kShort ? 1 : 0));
      j["instId"] = wire_symbol(p.symbol);
    }
    j["marginCoin"] = in.settle_asset();
    j["symbol"] = wire_symbol(p.symbol);
    j["holdSide"] = hold_side_str(p.side);
    j["openDelegateSize"] = in.format_size(open_delegate);
    j["marginSize"] = p.margin.to_string();
    j["available"] = in.format_size(p.size - locked);
    j["locked"] = in.format_size(locked);
    j["total"] = in.format_size(p.size);
    j["leverage"] = p.leverage.to_string();
    j["achievedProfits"] = p.realized_pnl.to_string();
    j["openPriceAvg"] = p.entry_price.round_to(in.price_decimals + 4, Rounding::kHalfUp).to_string();
    j["marginMode"] = margin_mode_str(p.margin_mode);
    j["posMode"] = pos_mode_str(p.position_mode);
    j["unrealizedPL"] = p.unrealized_pnl.to_string();
    j["liquidationPrice"] =
        p.liquidation_price.is_positive() ? in.format_price(p.liquidation_price) : std::string("0");
    j["keepMarginRate"] = in.maintenance_margin_rate.to_string();
    j["markPrice"] = in.format_price(p.mark_price);
    j["marginRatio"] = ratio(p.maintenance_margin, denom);
    j["breakEvenPrice"] = p.size.is_positive() ? be.div(p.size.mul(in.contract_size), Rounding::kHalfUp)
                                                     .round_to(in.price_decimals + 2, Rounding::kHalfUp)
                                                     .to_string()
                                               : std::string("0");
    j["totalFee"] = neg_fee(p.fees);
    j["deductedFee"] = "0";
    j["autoMargin"] = "off";
    if (ws) {
      j["marginRate"] = ratio(p.maintenance_margin, denom);
      j["unrealizedPLR"] = p.margin.is_positive() ? p.unrealized_pnl.div(p.margin, Rounding::kHalfEven)
                                                        .round_to(4, Rounding::kHalfEven)
                                                        .to_string()
                                                  : std::string("0");
    }
    j["cTime"] = std::to_string(p.created_ms);
    j["uTime"] = std::to_string(p.updated_ms);
    return j;
  }

  /// Open positions of the futures account (engine symbol filter; "" or "default" = all).
  json::array mix_positions_json(std::string_view sym, bool ws) {
    json::array a;
    const auto opens = engine.open_orders(kFuturesAccount);
    for (const auto& p : engine.positions(kFuturesAccount)) {
      if (!sym.empty() && sym != "default" && p.symbol != sym) continue;
      a.push_back(mix_position(p, opens, ws));
    }
    return a;
  }

  Decimal order_profit(const Order& o) {
    Decimal t;
    for (const auto& f : engine.recent_fills(o.account, o.symbol, o.id)) t += f.realized_pnl;
    return t;
  }

  std::optional<AccountFill> account_fill(const Order& o, TradeId trade_id) {
    for (const auto& f : engine.recent_fills(o.account, o.symbol, o.id))
      if (f.trade_id == trade_id) return f;
    return std::nullopt;
  }

  json::object mix_rest_order(const Order& o, bool detail) {
    const auto& in = inst(o.symbol);
    const bool market = o.kind == OrderKind::kMarket;
    json::object j;
    j["symbol"] = wire_symbol(o.symbol);
    j["size"] = in.format_size(o.quantity);
    j["orderId"] = o.id_string();
    j["clientOid"] = o.client_id;
    j["baseVolume"] = o.filled_qty.to_string();
    j["fee"] = neg_fee(o.fee);
    j["price"] = market ? std::string("0") : in.format_price(o.price);
    j["priceAvg"] = o.filled_qty.is_zero() ? std::string("0") : o.average_price().to_string();
    j[detail ? "state" : "status"] = mix_state(o.status);
    j["side"] = mix_wire_side(o);
    j["force"] = force_string(o);
    j["totalProfits"] = order_profit(o).to_string();
    j["posSide"] = mix_pos_side(o);
    j["marginCoin"] = in.settle_asset();
    j["presetStopSurplusPrice"] = "";
    j["presetStopLossPrice"] = "";
    j["quoteVolume"] = o.filled_quote.to_string();
    j["orderType"] = market ? "market" : "limit";
    j["leverage"] = engine.leverage(o.account, o.symbol).to_string();
    j["marginMode"] = margin_mode_str(engine.margin_mode(o.account, o.symbol));
    j["reduceOnly"] = is_closing(o) ? "YES" : "NO";
    j["enterPointSource"] = "API";
    j["tradeSide"] = mix_trade_side(o);
    j["posMode"] = is_hedge_order(o) ? "hedge_mode" : "one_way_mode";
    j["orderSource"] = market ? "market" : "normal";
    j["cancelReason"] = "";
    j["cTime"] = std::to_string(o.created_ms);
    j["uTime"] = std::to_string(o.updated_ms);
    return j;
  }

  /// Futures `orders` push. Fill fields (tradeId, fillPrice, baseVolume, fillFee, ...) only with a fill
  /// (§9.6).
  json::object mix_ws_order(const Order& o, const Fill* fill, bool as_maker) {
    const auto& in = inst(o.symbol);
    const bool market = o.kind == OrderKind::kMarket;
    json::object j;
    j["instId"] = wire_symbol(o.symbol);
    j["orderId"] = o.id_string();
    j["clientOid"] = o.client_id;
    j["price"] = market ? std::string("0") : in.format_price(o.price);
    j["size"] = in.format_size(o.quantity);
    j["notionalUsd"] = (market ? o.filled_quote : o.price.mul(o.quantity)).to_string();
    j["orderType"] = market ? "market" : "limit";
    j["force"] = force_string(o);
    j["side"] = mix_wire_side(o);
    j["posSide"] = mix_pos_side(o);
    j["marginMode"] = margin_mode_str(engine.margin_mode(o.account, o.symbol));
    j["marginCoin"] = in.settle_asset();
    j["leverage"] = engine.leverage(o.account, o.symbol).to_string();
    j["tradeSide"] = mix_trade_side(o);
    j["reduceOnly"] = is_closing(o) ? "yes" : "no";
    j["posMode"] = is_hedge_order(o) ? "hedge_mode" : "one_way_mode";
    Decimal pnl;
    if (fill) {
      const Decimal fee = as_maker ? fill->maker_fee : fill->taker_fee;
      j["fillPrice"] = in.format_price(fill->price);
      j["tradeId"] = std::to_string(fill->trade_id);
      j["baseVolume"] = fill->qty.to_string();
      j["fillTime"] = std::to_string(fill->ts_ms);
      j["fillFee"] = neg_fee(fee);
      j["fillFeeCoin"] = in.settle_asset();
      j["tradeScope"] = as_maker ? "M" : "T";
      j["fillNotionalUsd"] = fill->quote_qty.to_string();
      if (auto af = account_fill(o, fill->trade_id)) pnl = af->realized_pnl;
    }
    j["pnl"] = pnl.to_string();
    j["accBaseVolume"] = o.filled_qty.to_string();
    j["priceAvg"] = o.filled_qty.is_zero() ? std::string("0") : o.average_price().to_string();
    j["status"] = mix_state(o.status);
    j["cTime"] = std::to_string(o.created_ms);
    j["uTime"] = std::to_string(o.updated_ms);
    json::array fd;
    if (!o.filled_qty.is_zero())
      fd.push_back(json::object{{"feeCoin", in.settle_asset()}, {"fee", neg_fee(o.fee)}});
    j["feeDetail"] = std::move(fd);
    j["totalProfits"] = order_profit(o).to_string();
    j["presetStopSurplusPrice"] = "";
    j["presetStopLossPrice"] = "";
    j["cancelReason"] = "";
    j["enterPointSource"] = "API";
    j["stpMode"] = "none";
    return j;
  }

  /// A fill of the futures account: REST `fillList` element or WS `fill` push element.
  json::object mix_fill_json(const AccountFill& f, const Order* o) {
    const auto& in = inst(f.symbol);
    std::optional<Order> looked;
    if (!o) {
      looked = engine.order(f.order_id);
      if (looked) o = &*looked;
    }
    json::object j;
    j["tradeId"] = std::to_string(f.trade_id);
    j["symbol"] = wire_symbol(f.symbol);
    j["orderId"] = order_id_string(f.order_id);
    j["price"] = in.format_price(f.price);
    j["baseVolume"] = f.qty.to_string();
    j["feeDetail"] = json::array{json::object{{"deduction", "no"},
                                              {"feeCoin", in.settle_asset()},
                                              {"totalDeductionFee", "0"},
                                              {"totalFee", neg_fee(f.fee)}}};
    j["side"] = o ? mix_wire_side(*o) : side_string(f.side);
    j["quoteVolume"] = f.quote_qty.to_string();
    j["profit"] = f.realized_pnl.to_string();
    j["enterPointSource"] = "API";
    j["tradeSide"] =
        o ? mix_trade_side(*o) : std::string_view(f.side == Side::kBuy ? "buy_single" : "sell_single");
    j["posMode"] = o && is_hedge_order(*o) ? "hedge_mode" : "one_way_mode";
    j["orderType"] = f.kind == OrderKind::kMarket ? "market" : "limit";
    j["tradeScope"] = f.is_maker ? "maker" : "taker";
    j["cTime"] = std::to_string(f.ts_ms);
    j["uTime"] = std::to_string(f.ts_ms);
    return j;
  }

  static std::string_view business_type(const Bill& b) {
    const bool lng = b.side != PositionSide::kShort;
    switch (b.type) {
      case BillType::kFunding:
        return "contract_settle_fee";
      case BillType::kLiquidation:
        return lng ? "burst_long_loss_query" : "burst_short_loss_query";
      default:
        if (b.action == PositionAction::kClose) return lng ? "close_long" : "close_short";
        return lng ? "open_long" : "open_short";
    }
  }

  json::object bill_json(const Bill& b) {
    return json::object{{"billId", std::to_string(b.id)},
                        {"symbol", wire_symbol(b.symbol)},
                        {"amount", b.amount.to_string()},
                        {"fee", neg_fee(b.fee)},
                        {"feeByCoupon", ""},
                        {"businessType", business_type(b)},
                        {"coin", b.asset},
                        {"balance", b.balance.to_string()},
                        {"cTime", std::to_string(b.ts_ms)}};
  }

  // ---- private WS pushes ----

  void push_mix_private(std::string_view channel, std::string_view sym, const json::array& data) {
    const int64_t ts = now_ms();
    for_each_session([&](WsSession& s, SessionState& st) {
      if (!st.is_private || !st.logged_in || st.account != creds.account) return;
      if (const Subscription* sub = st.find(channel, sym, true))
        s.send(push_msg("snapshot", sub->arg, data, ts));
    });
  }

  /// Pushes the positions snapshot and the account element if they changed since the last push.
  void flush_mix() {
    json::array all = mix_positions_json("", true);
    std::string sig = json::serialize(all);
    const int64_t ts = now_ms();
    if (sig != last_positions_sent) {
      last_positions_sent = std::move(sig);
      for_each_session([&](WsSession& s, SessionState& st) {
        if (!st.is_private || !st.logged_in || st.account != creds.account) return;
        for (const auto& sub : st.subs) {
          if (!sub.futures || sub.channel != "positions") continue;
          s.send(push_msg("snapshot", sub.arg,
                          sub.inst_id == "default" ? all : mix_positions_json(sub.inst_id, true), ts));
        }
      });
    }
    json::array acct{mix_account_ws()};
    std::string asig = json::serialize(acct);
    if (asig != last_account_sent) {
      last_account_sent = std::move(asig);
      push_mix_private("account", "", acct);
    }
  }

  /// Positions/account pushes for changes without a fill of ours (margin freeze/release, funding,
  /// liquidation, leverage): after the engine finished delivering the operation's events.
  void schedule_mix_flush() {
    if (mix_flush_scheduled) return;
    mix_flush_scheduled = true;
    asio::post(io, [this, a = alive] {
      if (!a->load()) return;
      mix_flush_scheduled = false;
      try {
        flush_mix();
      } catch (const std::exception& e) {
        spdlog::warn("bitget sim: futures push failed: {}", e.what());
      }
    });
  }

  void mix_order_event(const Order& o) {
    push_mix_private("orders", o.symbol, json::array{mix_ws_order(o, nullptr, false)});
  }

  /// Per fill of ours (§9.6): orders (with fill fields) → fill → positions snapshot → account.
  void mix_fill_event(const Fill& f, const Order& o, bool as_maker) {
    push_mix_private("orders", o.symbol, json::array{mix_ws_order(o, &f, as_maker)});
    if (auto af = account_fill(o, f.trade_id))
      push_mix_private("fill", o.symbol, json::array{mix_fill_json(*af, &o)});
    flush_mix();
  }

  void on_position(const Position& p) override {
    const int slot = p.position_mode == PositionMode::kHedge ? static_cast<int>(p.side) : 2;
    auto& m = long_sizes[p.symbol];
    if (p.side == PositionSide::kLong && p.size.is_positive())
      m[{p.account, slot}] = p.size;
    else
      m.erase({p.account, slot});
    if (p.account == kFuturesAccount) schedule_mix_flush();
  }

  void on_bill(const Bill& b) override {
    if (b.account == kFuturesAccount) schedule_mix_flush();
  }

  /// A liquidation shows as a filled system order (tradeSide burst_close_long|short), then positions and
  /// account follow.
  void on_liquidation(const Liquidation& l) override {
    if (l.account != kFuturesAccount) return;
    const auto& in = inst(l.symbol);
    const bool hedge = engine.position_mode(l.account) == PositionMode::kHedge;
    const bool lng = l.side == PositionSide::kLong;
    const std::string id = std::to_string(kLiquidationOrderBase + l.id);
    const std::string ts = std::to_string(l.ts_ms);
    const std::string notional = l.price.mul(l.size).to_string();
    json::object j;
    j["instId"] = wire_symbol(l.symbol);
    j["orderId"] = id;
    j["clientOid"] = "";
    j["price"] = "0";
    j["size"] = in.format_size(l.size);
    j["notionalUsd"] = notional;
    j["orderType"] = "market";
    j["force"] = "gtc";
    j["side"] = hedge ? (lng ? "buy" : "sell") : (lng ? "sell" : "buy");
    j["posSide"] = hedge ? hold_side_str(l.side) : std::string_view("net");
    j["marginMode"] = margin_mode_str(l.margin_mode);
    j["marginCoin"] = in.settle_asset();
    j["leverage"] = engine.leverage(l.account, l.symbol).to_string();
    j["tradeSide"] = lng ? "burst_close_long" : "burst_close_short";
    j["reduceOnly"] = "yes";
    j["posMode"] = pos_mode_str(engine.position_mode(l.account));
    j["fillPrice"] = in.format_price(l.price);
    j["tradeId"] = id;
    j["baseVolume"] = l.size.to_string();
    j["fillTime"] = ts;
    j["fillFee"] = "0";
    j["fillFeeCoin"] = in.settle_asset();
    j["tradeScope"] = "T";
    j["fillNotionalUsd"] = notional;
    j["pnl"] = l.realized_pnl.to_string();
    j["accBaseVolume"] = l.size.to_string();
    j["priceAvg"] = in.format_price(l.price);
    j["status"] = "filled";
    j["cTime"] = ts;
    j["uTime"] = ts;
    j["feeDetail"] = json::array{json::object{{"feeCoin", in.settle_asset()}, {"fee", "0"}}};
    j["totalProfits"] = l.realized_pnl.to_string();
    j["presetStopSurplusPrice"] = "";
    j["presetStopLossPrice"] = "";
    j["cancelReason"] = "";
    j["enterPointSource"] = "SYS";
    j["stpMode"] = "none";
    push_mix_private("orders", l.symbol, json::array{std::move(j)});
    schedule_mix_flush();
  }

  // ---- REST ----

  static HttpServerResponse ok_raw(const std::string& data) {
    HttpServerResponse r;
    r.status = 200;
    r.body = R"({"code":"00000","msg":"success","requestTime":)" + std::to_string(now_ms()) + R"(,"data":)" +
             data + "}";
    return r;
  }

  /// productType check (§2.2: six known values, case-insensitive): true = USDT-FUTURES, false = another
  /// known type (served as empty), or an error.
  static std::variant<bool, RejectInfo> product_type(std::string_view pt) {
    static const std::set<std::string, std::less<>> kProductTypes = {
        "usdt-futures", "coin-futures", "usdc-futures", "susdt-futures", "scoin-futures", "susdc-futures"};
    if (pt.empty()) return RejectInfo{"40019", "Parameter productType cannot be empty"};
    const std::string l = lower(pt);
    if (!kProductTypes.count(l)) return RejectInfo{"40020", "Parameter productType error"};
    return l == "usdt-futures";
  }

  /// Request context of a mix call: product type, then (when `need_symbol` or given) the symbol.
  struct MixCtx {
    bool usdt = false;
    const Instrument* in = nullptr;  // nullptr when no symbol was given
    std::optional<RejectInfo> err;
    std::string sym() const { return in ? in->symbol : std::string(); }
  };

  MixCtx mix_ctx(std::string_view pt, std::string_view wire, bool need_symbol) {
    MixCtx c;
    auto p = product_type(pt);
    if (auto* e = std::get_if<RejectInfo>(&p)) {
      c.err = *e;
      return c;
    }
    c.usdt = std::get<bool>(p);
    if (wire.empty()) {
      if (need_symbol) c.err = RejectInfo{"40019", "Parameter symbol cannot be empty"};
      return c;
    }
    c.in = c.usdt ? perp_inst(wire) : nullptr;
    if (!c.in) c.err = RejectInfo{"40034", "Parameter symbol does not exist"};
    return c;
  }
  MixCtx mix_ctx(const HttpServerRequest& r, bool need_symbol) {
    return mix_ctx(r.query_param("productType"), r.query_param("symbol"), need_symbol);
  }
  static HttpServerResponse reject(const RejectInfo& e) { return error(400, e.code, e.msg); }

  HttpServerResponse mix_handle(const HttpServerRequest& r) {
    const std::string& p = r.path;
    struct Pub {
      const char* path;
      HttpServerResponse (Impl::*fn)(const HttpServerRequest&);
    };
    static const Pub pub[] = {
        {"/api/v2/mix/market/contracts", &Impl::mix_contracts},
        {"/api/v2/mix/market/ticker", &Impl::mix_tickers},
        {"/api/v2/mix/market/tickers", &Impl::mix_tickers},
        {"/api/v2/mix/market/merge-depth", &Impl::mix_depth},
        {"/api/v2/mix/market/candles", &Impl::mix_candles},
        {"/api/v2/mix/market/history-candles", &Impl::mix_candles},
        {"/api/v2/mix/market/history-mark-candles", &Impl::mix_candles},
        {"/api/v2/mix/market/history-index-candles", &Impl::mix_candles},
        {"/api/v2/mix/market/current-fund-rate", &Impl::mix_fund_rate},
        {"/api/v2/mix/market/funding-time", &Impl::mix_funding_time},
        {"/api/v2/mix/market/symbol-price", &Impl::mix_symbol_price},
        {"/api/v2/mix/market/open-interest", &Impl::mix_open_interest},
        {"/api/v2/mix/market/history-fund-rate", &Impl::mix_history_fund_rate},
        {"/api/v2/mix/market/fills", &Impl::mix_public_fills},
        {"/api/v2/mix/market/fills-history", &Impl::mix_public_fills},
    };
    for (const auto& rt : pub) {
      if (p != rt.path) continue;
      if (r.method != "GET") return error(405, "40404", "Request method not supported");
      return (this->*rt.fn)(r);
    }
    struct Priv {
      const char* method;
      const char* path;
      HttpServerResponse (Impl::*fn)(const HttpServerRequest&);
    };
    static const Priv priv[] = {
        {"GET", "/api/v2/mix/account/accounts", &Impl::mix_accounts},
        {"GET", "/api/v2/mix/account/account", &Impl::mix_account},
        {"POST", "/api/v2/mix/account/set-leverage", &Impl::mix_set_leverage},
        {"POST", "/api/v2/mix/account/set-margin-mode", &Impl::mix_set_margin_mode},
        {"POST", "/api/v2/mix/account/set-position-mode", &Impl::mix_set_position_mode},
        {"GET", "/api/v2/mix/account/bill", &Impl::mix_bills},
        {"GET", "/api/v2/mix/position/all-position", &Impl::mix_all_positions},
        {"GET", "/api/v2/mix/position/single-position", &Impl::mix_single_position},
        {"POST", "/api/v2/mix/order/place-order", &Impl::mix_place_order},
        {"POST", "/api/v2/mix/order/batch-place-order", &Impl::mix_batch_place},
        {"POST", "/api/v2/mix/order/cancel-order", &Impl::mix_cancel_order},
        {"POST", "/api/v2/mix/order/batch-cancel-orders", &Impl::mix_batch_cancel},
        {"POST", "/api/v2/mix/order/cancel-all-orders", &Impl::mix_cancel_all},
        {"GET", "/api/v2/mix/order/detail", &Impl::mix_detail},
        {"GET", "/api/v2/mix/order/orders-pending", &Impl::mix_orders_pending},
        {"GET", "/api/v2/mix/order/orders-history", &Impl::mix_orders_history},
        {"GET", "/api/v2/mix/order/fills", &Impl::mix_fills},
        {"GET", "/api/v2/mix/order/fill-history", &Impl::mix_fills},
    };
    for (const auto& rt : priv) {
      if (p != rt.path) continue;
      if (r.method != rt.method) return error(405, "40404", "Request method not supported");
      AccountId account = 0;
      if (auto e = authenticate(r, account)) return *e;
      return (this->*rt.fn)(r);
    }
    return error(404, "40404", "Request URL NOT FOUND");
  }

  // ---- public ----

  HttpServerResponse mix_contracts(const HttpServerRequest& r) {
    auto c = mix_ctx(r, false);
    if (c.err) return reject(*c.err);
    json::array a;
    if (c.usdt)
      for (const auto& sym : perp_symbols())
        if (!c.in || c.in->symbol == sym) a.push_back(contract_json(inst(sym)));
    return ok(std::move(a));
  }

  HttpServerResponse mix_tickers(const HttpServerRequest& r) {
    const bool one = r.path.ends_with("/ticker");
    auto c = mix_ctx(r, one);
    if (c.err) return reject(*c.err);
    json::array a;
    if (c.usdt)
      for (const auto& sym : perp_symbols())
        if (!c.in || c.in->symbol == sym) a.push_back(mix_ticker(sym, true));
    return ok(std::move(a));
  }

  /// merge-depth: levels as JSON numbers like the official examples (the fixed-decimal strings unquoted).
  HttpServerResponse mix_depth(const HttpServerRequest& r) {
    auto c = mix_ctx(r, true);
    if (c.err) return reject(*c.err);
    const std::string lim = r.query_param("limit");
    std::size_t limit = 100;
    if (lim == "max")
      limit = SIZE_MAX;
    else if (all_digits(lim) && lim.size() <= 6)
      limit = std::max<std::size_t>(std::stoul(lim), 1);
    std::string precision = r.query_param("precision");
    if (precision.empty()) precision = "scale0";
    if (precision != "scale0" && precision != "scale1" && precision != "scale2" && precision != "scale3")
      return reject(RejectInfo{"40020", "Parameter precision error"});
    const Instrument& in = *c.in;
    L2Book b = engine.book(in.symbol, limit);
    auto side = [&](const std::vector<L2Level>& ls) {
      std::string s = "[";
      for (std::size_t i = 0; i < ls.size(); ++i) {
        if (i) s += ',';
        s += '[' + in.format_price(ls[i].price) + ',' + in.format_size(ls[i].qty) + ']';
      }
      return s + "]";
    };
    return ok_raw(R"({"asks":)" + side(b.asks) + R"(,"bids":)" + side(b.bids) + R"(,"ts":")" +
                  std::to_string(now_ms()) + R"(","scale":")" + in.tick.to_string() + R"(","precision":")" +
                  precision + R"(","isMaxPrecision":"NO"})");
  }

  /// candles / history-candles (/-mark-/-index-: the market candles; the simulated mark follows the book).
  /// Rows: [ts, open, high, low, close, baseVolume, quoteVolume] (7 strings).
  HttpServerResponse mix_candles(const HttpServerRequest& r) {
    auto c = mix_ctx(r, true);
    if (c.err) return reject(*c.err);
    const std::string g = r.query_param("granularity");
    if (g.empty()) return reject(RejectInfo{"40019", "Parameter granularity cannot be empty"});
    std::optional<Interval> iv = parse_interval(g, /*ws=*/true);
    if (!iv && g == "2H") iv = Interval{Interval::Kind::kFixed, 2 * kHourMs, 0};
    if (!iv) return reject(RejectInfo{"40020", "Parameter granularity error"});
    const std::string st = r.query_param("startTime");
    const std::string et = r.query_param("endTime");
    if ((!st.empty() && (!all_digits(st) || st.size() > 15)) ||
        (!et.empty() && (!all_digits(et) || et.size() > 15)))
      return reject(RejectInfo{"40020", "Parameter startTime/endTime error"});
    const int64_t from = st.empty() ? std::numeric_limits<int64_t>::min() : std::stoll(st);
    const int64_t to = et.empty() ? std::numeric_limits<int64_t>::max() : std::stoll(et);
    const bool history = r.path.find("history-") != std::string::npos;
    json::array rows = candle_rows(c.in->symbol, *iv, from, to, parse_limit(r, 100, history ? 200 : 1000));
    for (auto& row : rows) row.as_array().pop_back();
    return ok(std::move(rows));
  }

  HttpServerResponse mix_fund_rate(const HttpServerRequest& r) {
    auto c = mix_ctx(r, false);
    if (c.err) return reject(*c.err);
    json::array a;
    if (c.usdt)
      for (const auto& sym : perp_symbols()) {
        if (c.in && c.in->symbol != sym) continue;
        a.push_back(json::object{{"symbol", wire_symbol(sym)},
                                 {"fundingRate", engine.funding_rate(sym).to_string()},
                                 {"fundingRateInterval", interval_hours(inst(sym).funding_interval_ms)},
                                 {"nextUpdate", std::to_string(engine.next_funding_ms(sym))},
                                 {"minFundingRate", "-0.003"},
                                 {"maxFundingRate", "0.003"}});
      }
    return ok(std::move(a));
  }

  HttpServerResponse mix_funding_time(const HttpServerRequest& r) {
    auto c = mix_ctx(r, false);
    if (c.err) return reject(*c.err);
    json::array a;
    if (c.usdt)
      for (const auto& sym : perp_symbols()) {
        if (c.in && c.in->symbol != sym) continue;
        a.push_back(json::object{{"symbol", wire_symbol(sym)},
                                 {"nextFundingTime", std::to_string(engine.next_funding_ms(sym))},
                                 {"ratePeriod", interval_hours(inst(sym).funding_interval_ms)}});
      }
    return ok(std::move(a));
  }

  HttpServerResponse mix_symbol_price(const HttpServerRequest& r) {
    auto c = mix_ctx(r, false);
    if (c.err) return reject(*c.err);
    json::array a;
    if (c.usdt)
      for (const auto& sym : perp_symbols()) {
        if (c.in && c.in->symbol != sym) continue;
        const auto& in = inst(sym);
        const std::string mark = in.format_price(mark_of(sym));
        a.push_back(json::object{{"symbol", wire_symbol(sym)},
                                 {"price", in.format_price(stats[sym].last)},
                                 {"indexPrice", mark},
                                 {"markPrice", mark},
                                 {"ts", std::to_string(now_ms())}});
      }
    return ok(std::move(a));
  }

  HttpServerResponse mix_open_interest(const HttpServerRequest& r) {
    auto c = mix_ctx(r, true);
    if (c.err) return reject(*c.err);
    return ok(json::object{
        {"openInterestList", json::array{json::object{{"symbol", wire_symbol(c.in->symbol)},
                                                      {"size", open_interest(c.in->symbol).to_string()}}}},
        {"ts", std::to_string(now_ms())}});
  }

  HttpServerResponse mix_history_fund_rate(const HttpServerRequest& r) {
    auto c = mix_ctx(r, true);
    if (c.err) return reject(*c.err);
    const std::string ps = r.query_param("pageSize");
    const std::string pn = r.query_param("pageNo");
    const std::size_t size =
        all_digits(ps) && ps.size() <= 4 ? std::clamp<std::size_t>(std::stoul(ps), 1, 100) : 20;
    const std::size_t page = all_digits(pn) && pn.size() <= 6 ? std::max<std::size_t>(std::stoul(pn), 1) : 1;
    json::array a;
    auto it = funding_history.find(c.in->symbol);
    if (it != funding_history.end())
      for (std::size_t i = (page - 1) * size; i < it->second.size() && a.size() < size; ++i)
        a.push_back(json::object{{"symbol", wire_symbol(c.in->symbol)},
                                 {"fundingRate", it->second[i].rate.to_string()},
                                 {"fundingTime", std::to_string(it->second[i].time)}});
    return ok(std::move(a));
  }

  HttpServerResponse mix_public_fills(const HttpServerRequest& r) {
    auto c = mix_ctx(r, true);
    if (c.err) return reject(*c.err);
    const bool history = r.path.ends_with("-history");
    json::array a;
    for (const auto& t : engine.recent_trades(c.in->symbol, parse_limit(r, 100, history ? 1000 : 100))) {
      json::object j = trade_json(t);
      j["symbol"] = wire_symbol(t.symbol);
      a.push_back(std::move(j));
    }
    return ok(std::move(a));
  }

  // ---- private ----

  /// Parameters of a POST (JSON body) as a context; `body` receives the parsed object.
  std::optional<RejectInfo> post_ctx(const HttpServerRequest& r, json::object& body, MixCtx& c,
                                     bool need_symbol) {
    auto b = parse_body(r);
    if (!b) return RejectInfo{"40017", "Parameter verification failed: body is not a JSON object"};
    body = std::move(*b);
    c = mix_ctx(get_str(body, "productType").value_or(""), get_str(body, "symbol").value_or(""), need_symbol);
    if (c.err) return c.err;
    if (auto mc = get_str(body, "marginCoin"); mc && !mc->empty() && lower(*mc) != "usdt")
      return RejectInfo{"40020", "Parameter marginCoin error"};
    return std::nullopt;
  }

  HttpServerResponse mix_accounts(const HttpServerRequest& r) {
    auto c = mix_ctx(r, false);
    if (c.err) return reject(*c.err);
    json::array a;
    if (c.usdt) a.push_back(mix_account_core(false));
    return ok(std::move(a));
  }

  HttpServerResponse mix_account(const HttpServerRequest& r) {
    auto c = mix_ctx(r, true);
    if (c.err) return reject(*c.err);
    const std::string mc = r.query_param("marginCoin");
    if (mc.empty()) return reject(RejectInfo{"40019", "Parameter marginCoin cannot be empty"});
    if (lower(mc) != "usdt") return reject(RejectInfo{"40020", "Parameter marginCoin error"});
    json::object j = mix_account_core(false);
    const std::string lev = engine.leverage(kFuturesAccount, c.in->symbol).to_string();
    j["crossedMarginLeverage"] = lev;
    j["isolatedLongLever"] = lev;
    j["isolatedShortLever"] = lev;
    j["marginMode"] = margin_mode_str(engine.margin_mode(kFuturesAccount, c.in->symbol));
    j["posMode"] = pos_mode_str(engine.position_mode(kFuturesAccount));
    return ok(std::move(j));
  }

  json::object leverage_json(const std::string& sym) {
    const std::string lev = engine.leverage(kFuturesAccount, sym).to_string();
    return json::object{{"symbol", wire_symbol(sym)},
                        {"marginCoin", "USDT"},
                        {"longLeverage", lev},
                        {"shortLeverage", lev},
                        {"crossMarginLeverage", lev},
                        {"marginMode", margin_mode_str(engine.margin_mode(kFuturesAccount, sym))}};
  }

  HttpServerResponse mix_set_leverage(const HttpServerRequest& r) {
    json::object b;
    MixCtx c;
    if (auto e = post_ctx(r, b, c, true)) return reject(*e);
    const std::string ls = get_str(b, "leverage").value_or("");
    if (ls.empty()) return reject(RejectInfo{"40019", "Parameter leverage cannot be empty"});
    auto lev = Decimal::try_parse(ls);
    if (!lev || !lev->is_positive()) return reject(RejectInfo{"40020", "Parameter leverage error"});
    if (auto hs = get_str(b, "holdSide"); hs && !hs->empty() && lower(*hs) != "long" && lower(*hs) != "short")
      return reject(RejectInfo{"40020", "Parameter holdSide error"});
    PerpResult res = engine.set_leverage(kFuturesAccount, c.in->symbol, *lev);
    if (res.reason == RejectReason::kLeverageOutOfRange)
      return reject(RejectInfo{"40797", "Exceeded the maximum settable leverage: " + res.message});
    if (res.reason == RejectReason::kInsufficientMargin)
      return reject(RejectInfo{
          "40893", "Unable to update the leverage factor of this position, there is not enough margin! " +
                       res.message});
    if (!res.ok()) return reject(RejectInfo{"40017", "Parameter verification failed: " + res.message});
    return ok(leverage_json(c.in->symbol));
  }

  HttpServerResponse mix_set_margin_mode(const HttpServerRequest& r) {
    json::object b;
    MixCtx c;
    if (auto e = post_ctx(r, b, c, true)) return reject(*e);
    const std::string mm = lower(get_str(b, "marginMode").value_or(""));
    if (mm.empty()) return reject(RejectInfo{"40019", "Parameter marginMode cannot be empty"});
    if (mm != "crossed" && mm != "isolated") return reject(RejectInfo{"40020", "Parameter marginMode error"});
    PerpResult res = engine.set_margin_mode(kFuturesAccount, c.in->symbol,
                                            mm == "isolated" ? MarginMode::kIsolated : MarginMode::kCross);
    if (res.reason == RejectReason::kOpenPositionsOrOrders)
      return reject(
          RejectInfo{"45117", "Currently holding positions or orders, the margin mode cannot be adjusted"});
    if (!res.ok()) return reject(RejectInfo{"40017", "Parameter verification failed: " + res.message});
    return ok(leverage_json(c.in->symbol));
  }

  HttpServerResponse mix_set_position_mode(const HttpServerRequest& r) {
    json::object b;
    MixCtx c;
    if (auto e = post_ctx(r, b, c, false)) return reject(*e);
    const std::string pm = lower(get_str(b, "posMode").value_or(""));
    if (pm.empty()) return reject(RejectInfo{"40019", "Parameter posMode cannot be empty"});
    if (pm != "one_way_mode" && pm != "hedge_mode")
      return reject(RejectInfo{"40020", "Parameter posMode error"});
    if (!c.usdt) return ok(json::object{{"posMode", pm}});
    PerpResult res = engine.set_position_mode(
        kFuturesAccount, pm == "hedge_mode" ? PositionMode::kHedge : PositionMode::kOneway);
    if (res.reason == RejectReason::kOpenPositionsOrOrders)
      return reject(RejectInfo{"40920", "Position or order exists, the position mode cannot be switched"});
    if (!res.ok()) return reject(RejectInfo{"40017", "Parameter verification failed: " + res.message});
    return ok(json::object{{"posMode", pm}});
  }

  HttpServerResponse mix_all_positions(const HttpServerRequest& r) {
    auto c = mix_ctx(r, false);
    if (c.err) return reject(*c.err);
    return ok(c.usdt ? mix_positions_json("", false) : json::array{});
  }

  HttpServerResponse mix_single_position(const HttpServerRequest& r) {
    auto c = mix_ctx(r, true);
    if (c.err) return reject(*c.err);
    return ok(mix_positions_json(c.in->symbol, false));
  }

  RejectInfo mix_map_reject(const PlaceResult& r, const OrderRequest& req) {
    switch (r.reason) {
      case RejectReason::kUnknownSymbol:
        return {"40034", "Parameter symbol does not exist"};
      case RejectReason::kPriceNotOnTick:
        return {"40808", "Parameter verification exception price checkBDScale error: " + r.message};
      case RejectReason::kSizeNotOnLot:
        return {"40808", "Parameter verification exception size checkBDScale error: " + r.message};
      case RejectReason::kBelowMinSize:
        return {"45111", "less than the minimum order quantity: " + r.message};
      case RejectReason::kBelowMinNotional:
        return {"45110", "less than the minimum amount 5 USDT: " + r.message};
      case RejectReason::kInsufficientMargin:
      case RejectReason::kInsufficientBalance:
        return {"40762", "The order amount exceeds the balance: " + r.message};
      case RejectReason::kDuplicateClientId:
        return {"40786", "Duplicate clientOid"};
      case RejectReason::kPositionModeMismatch:
        return {"40774", "The order type for unilateral position must also be the unilateral position type."};
      case RejectReason::kReduceOnlyWouldIncrease:
        return {"22002", "No position to close"};
      case RejectReason::kCloseExceedsPosition: {
        // The position the order would close: hedge (close + sell = long), one-way (the opposite of the
        // side).
        PositionSide ps = req.side == Side::kBuy ? PositionSide::kShort : PositionSide::kLong;
        const bool hedge = req.position_action != PositionAction::kNil;
        auto pos = engine.position(kFuturesAccount, req.symbol, hedge ? ps : PositionSide::kBoth);
        if (!pos || (!hedge && pos->side != ps)) return {"22002", "No position to close"};
        return {"40757", "Not enough position is available: " + r.message};
      }
      default:
        return {"40017", "Parameter verification failed: " + r.message};
    }
  }

  std::variant<json::object, RejectInfo> mix_place_one(const json::object& b, const std::string& def_sym,
                                                       const std::string& def_pt, const std::string& def_mm) {
    const std::string wire = get_str(b, "symbol").value_or(def_sym);
    auto c = mix_ctx(get_str(b, "productType").value_or(def_pt), wire, true);
    if (c.err) return *c.err;
    if (auto mc = get_str(b, "marginCoin"); mc && !mc->empty() && lower(*mc) != "usdt")
      return RejectInfo{"40020", "Parameter marginCoin error"};
    const std::string& sym = c.in->symbol;
    const std::string mm = lower(get_str(b, "marginMode").value_or(def_mm));
    if (!mm.empty() && mm != "crossed" && mm != "isolated")
      return RejectInfo{"40020", "Parameter marginMode error"};
    const std::string side = lower(get_str(b, "side").value_or(""));
    const std::string type = lower(get_str(b, "orderType").value_or(""));
    std::string force = lower(get_str(b, "force").value_or(""));
    if (force.empty()) force = "gtc";
    const std::string price_s = get_str(b, "price").value_or("");
    const std::string size_s = get_str(b, "size").value_or("");
    const std::string trade_side = lower(get_str(b, "tradeSide").value_or(""));
    const std::string reduce = lower(get_str(b, "reduceOnly").value_or(""));
    std::string coid = get_str(b, "clientOid").value_or("");
    if (side != "buy" && side != "sell") return RejectInfo{"40020", "Parameter side error"};
    if (type != "limit" && type != "market") return RejectInfo{"40020", "Parameter orderType error"};
    if (size_s.empty()) return RejectInfo{"40019", "Parameter size cannot be empty"};
    auto size = Decimal::try_parse(size_s);
    if (!size || !size->is_positive()) return RejectInfo{"40020", "Parameter size error"};
    if (coid.size() > 64) return RejectInfo{"40017", "Parameter clientOid error: too long"};
    if (!reduce.empty() && reduce != "yes" && reduce != "no")
      return RejectInfo{"40020", "Parameter reduceOnly error"};
    const bool hedge = engine.position_mode(kFuturesAccount) == PositionMode::kHedge;
    Side s = side == "buy" ? Side::kBuy : Side::kSell;
    PositionAction action = PositionAction::kNil;
    if (hedge) {
      if (trade_side.empty())
        return RejectInfo{"40774",
                          "The order type for unilateral position must also be the unilateral position "
                          "type. (hedge_mode requires tradeSide open|close)"};
      if (trade_side == "open") {
        action = PositionAction::kOpen;
      } else if (trade_side == "close") {
        action = PositionAction::kClose;
        s = opposite(s);  // close long = side buy + tradeSide close: the trade itself sells
      } else {
        return RejectInfo{"40020", "Parameter tradeSide error"};
      }
    }
    if (coid.empty()) coid = "sim" + std::to_string(now_ms()) + "_" + std::to_string(next_client_oid++);
    OrderRequest req;
    if (type == "market") {
      req = OrderRequest::market(kFuturesAccount, sym, s, *size, coid);
    } else {
      if (price_s.empty()) return RejectInfo{"40019", "Parameter price cannot be empty"};
      auto price = Decimal::try_parse(price_s);
      if (!price || !price->is_positive()) return RejectInfo{"40020", "Parameter price error"};
      if (force == "post_only") {
        req = OrderRequest::post_only(kFuturesAccount, sym, s, *price, *size, coid);
      } else {
        TimeInForce tif = TimeInForce::kGtc;
        if (force == "ioc")
          tif = TimeInForce::kIoc;
        else if (force == "fok")
          tif = TimeInForce::kFok;
        else if (force != "gtc")
          return RejectInfo{"40020", "Parameter force error"};
        req = OrderRequest::limit(kFuturesAccount, sym, s, *price, *size, tif, coid);
      }
    }
    req.position_action = action;
    if (!hedge) req.reduce_only = reduce == "yes";
    // The order's marginMode: switch the symbol when nothing is open there, otherwise keep its current mode.
    if (!mm.empty()) {
      const MarginMode want = mm == "isolated" ? MarginMode::kIsolated : MarginMode::kCross;
      if (engine.margin_mode(kFuturesAccount, sym) != want)
        engine.set_margin_mode(kFuturesAccount, sym, want);
    }
    PlaceResult res = engine.place(req);
    if (!res.ok() && !(res.reason == RejectReason::kPostOnlyWouldCross && res.order_id != 0))
      return mix_map_reject(res, req);
    return json::object{{"clientOid", coid}, {"orderId", order_id_string(res.order_id)}};
  }

  HttpServerResponse mix_place_order(const HttpServerRequest& r) {
    auto b = parse_body(r);
    if (!b) return reject(RejectInfo{"40017", "Parameter verification failed: body is not a JSON object"});
    auto res = mix_place_one(*b, {}, {}, {});
    if (auto* e = std::get_if<RejectInfo>(&res)) return reject(*e);
    return ok(std::get<json::object>(std::move(res)));
  }

  HttpServerResponse mix_batch_place(const HttpServerRequest& r) {
    json::object b;
    MixCtx c;
    if (auto e = post_ctx(r, b, c, true)) return reject(*e);
    auto it = b.find("orderList");
    if (it == b.end() || !it->value().is_array() || it->value().as_array().empty())
      return reject(RejectInfo{"40019", "Parameter orderList cannot be empty"});
    const auto& list = it->value().as_array();
    if (list.size() > 50) return reject(RejectInfo{"40017", "Parameter orderList size must be 1..50"});
    const std::string sym = get_str(b, "symbol").value_or("");
    const std::string pt = get_str(b, "productType").value_or("");
    const std::string mm = get_str(b, "marginMode").value_or("");
    return ok(
        batch_result(list, /*with_order_id=*/true, /*fail_non_objects=*/true, [&](const json::object& item) {
          json::object o = item;  // the batch's symbol and productType apply, not the element's
          o.erase("symbol");
          o.erase("productType");
          return mix_place_one(o, sym, pt, mm);
        }));
  }

  /// The futures account's order by orderId or clientOid (live or remembered), on `sym` when non-empty.
  std::optional<Order> mix_find_order(std::string_view oid, std::string_view coid, std::string_view sym) {
    std::optional<Order> o;
    if (!oid.empty()) {
      if (auto id = parse_order_id(oid)) o = engine.order(*id);
    } else if (!coid.empty()) {
      o = engine.order_by_client_id(kFuturesAccount, coid);
    }
    if (!o || o->account != kFuturesAccount || (!sym.empty() && o->symbol != sym)) return std::nullopt;
    return o;
  }

  std::variant<json::object, RejectInfo> mix_cancel_one(const json::object& b, const std::string& sym) {
    const std::string oid = get_str(b, "orderId").value_or("");
    const std::string coid = get_str(b, "clientOid").value_or("");
    if (oid.empty() && coid.empty())
      return RejectInfo{"40019", "Parameter orderId or clientOid cannot be empty"};
    auto o = mix_find_order(oid, coid, sym);
    if (!o || !o->is_live()) return RejectInfo{"40768", "Order does not exist"};
    if (!engine.cancel(kFuturesAccount, o->id).ok()) return RejectInfo{"40768", "Order does not exist"};
    return json::object{{"orderId", o->id_string()}, {"clientOid", o->client_id}};
  }

  HttpServerResponse mix_cancel_order(const HttpServerRequest& r) {
    json::object b;
    MixCtx c;
    if (auto e = post_ctx(r, b, c, true)) return reject(*e);
    auto res = mix_cancel_one(b, c.in->symbol);
    if (auto* e = std::get_if<RejectInfo>(&res)) return reject(*e);
    return ok(std::get<json::object>(std::move(res)));
  }

  HttpServerResponse mix_batch_cancel(const HttpServerRequest& r) {
    json::object b;
    MixCtx c;
    if (auto e = post_ctx(r, b, c, false)) return reject(*e);
    auto it = b.find("orderIdList");
    if (it != b.end() && it->value().is_array() && !it->value().as_array().empty()) {
      const std::string sym = c.sym();
      return ok(batch_result(it->value().as_array(), /*with_order_id=*/true, /*fail_non_objects=*/false,
                             [&](const json::object& item) { return mix_cancel_one(item, sym); }));
    }
    json::array okl, fail;
    if (c.usdt) {
      if (!c.in) return reject(RejectInfo{"40019", "Parameter orderIdList cannot be empty"});
      for (const auto& o : engine.open_orders(kFuturesAccount, c.in->symbol))
        if (engine.cancel(kFuturesAccount, o.id).ok())
          okl.push_back(json::object{{"orderId", o.id_string()}, {"clientOid", o.client_id}});
    }
    return ok(json::object{{"successList", std::move(okl)}, {"failureList", std::move(fail)}});
  }

  HttpServerResponse mix_cancel_all(const HttpServerRequest& r) {
    json::object b;
    MixCtx c;
    if (auto e = post_ctx(r, b, c, false)) return reject(*e);
    json::array okl;
    if (c.usdt)
      for (const auto& o : engine.open_orders(kFuturesAccount, c.sym()))
        if (engine.cancel(kFuturesAccount, o.id).ok())
          okl.push_back(json::object{{"orderId", o.id_string()}, {"clientOid", o.client_id}});
    return ok(json::object{{"successList", std::move(okl)}, {"failureList", json::array{}}});
  }

  HttpServerResponse mix_detail(const HttpServerRequest& r) {
    auto c = mix_ctx(r, true);
    if (c.err) return reject(*c.err);
    const std::string oid = r.query_param("orderId");
    const std::string coid = r.query_param("clientOid");
    if (oid.empty() && coid.empty())
      return reject(RejectInfo{"40019", "Parameter orderId or clientOid cannot be empty"});
    auto o = mix_find_order(oid, coid, c.in->symbol);
    if (!o)
      return reject(
          RejectInfo{"40109", "The data of the order cannot be found, please confirm the order number"});
    return ok(mix_rest_order(*o, true));
  }

  /// {entrustedList: [...] | null, endId} with idLessThan / limit / time / status filters, newest first.
  HttpServerResponse mix_order_list(const HttpServerRequest& r, const std::vector<Order>& orders) {
    const std::size_t limit = parse_limit(r, 100, 100);
    const std::string idlt = r.query_param("idLessThan");
    const std::string st = r.query_param("startTime");
    const std::string et = r.query_param("endTime");
    const std::string oid = r.query_param("orderId");
    const std::string coid = r.query_param("clientOid");
    const std::string status = r.query_param("status");
    json::array a;
    std::string end_id;
    for (const auto& o : orders) {
      if (a.size() >= limit) break;
      if (all_digits(idlt) && o.id >= std::stoull(idlt)) continue;
      if (all_digits(oid) && o.id != std::stoull(oid)) continue;
      if (!coid.empty() && o.client_id != coid) continue;
      if (all_digits(st) && o.created_ms < std::stoll(st)) continue;
      if (all_digits(et) && o.created_ms > std::stoll(et)) continue;
      if (!status.empty() && mix_state(o.status) != status) continue;
      a.push_back(mix_rest_order(o, false));
      end_id = o.id_string();
    }
    json::object d;
    if (a.empty())
      d["entrustedList"] = nullptr;
    else
      d["entrustedList"] = std::move(a);
    d["endId"] = end_id;
    return ok(std::move(d));
  }

  HttpServerResponse mix_orders_pending(const HttpServerRequest& r) {
    auto c = mix_ctx(r, false);
    if (c.err) return reject(*c.err);
    std::vector<Order> orders;
    if (c.usdt) {
      orders = engine.open_orders(kFuturesAccount, c.sym());
      std::reverse(orders.begin(), orders.end());
    }
    return mix_order_list(r, orders);
  }

  HttpServerResponse mix_orders_history(const HttpServerRequest& r) {
    auto c = mix_ctx(r, false);
    if (c.err) return reject(*c.err);
    std::vector<Order> orders;
    if (c.usdt) orders = engine.recent_orders(kFuturesAccount, c.sym());
    return mix_order_list(r, orders);
  }

  HttpServerResponse mix_fills(const HttpServerRequest& r) {
    auto c = mix_ctx(r, false);
    if (c.err) return reject(*c.err);
    const std::string oid_s = r.query_param("orderId");
    OrderId oid = 0;
    if (!oid_s.empty()) {
      auto id = parse_order_id(oid_s);
      if (!id) return ok(json::object{{"fillList", json::array{}}, {"endId", ""}});
      oid = *id;
    }
    const std::size_t limit = parse_limit(r, 100, 100);
    const std::string idlt = r.query_param("idLessThan");
    const std::string st = r.query_param("startTime");
    const std::string et = r.query_param("endTime");
    json::array a;
    std::string end_id;
    if (c.usdt)
      for (const auto& f : engine.recent_fills(kFuturesAccount, c.sym(), oid)) {
        if (a.size() >= limit) break;
        if (all_digits(idlt) && f.trade_id >= std::stoull(idlt)) continue;
        if (all_digits(st) && f.ts_ms < std::stoll(st)) continue;
        if (all_digits(et) && f.ts_ms > std::stoll(et)) continue;
        a.push_back(mix_fill_json(f, nullptr));
        end_id = std::to_string(f.trade_id);
      }
    return ok(json::object{{"fillList", std::move(a)}, {"endId", end_id}});
  }

  HttpServerResponse mix_bills(const HttpServerRequest& r) {
    auto c = mix_ctx(r, false);
    if (c.err) return reject(*c.err);
    const std::string bt = r.query_param("businessType");
    const std::string idlt = r.query_param("idLessThan");
    const std::string st = r.query_param("startTime");
    const std::string et = r.query_param("endTime");
    const std::size_t limit = parse_limit(r, 20, 100);
    json::array a;
    std::string end_id;
    if (c.usdt)
      for (const auto& bill : engine.bills(kFuturesAccount, all_digits(st) ? std::stoll(st) : 0, c.sym())) {
        if (a.size() >= limit) break;
        if (!bt.empty() && business_type(bill) != bt) continue;
        if (all_digits(idlt) && bill.id >= std::stoull(idlt)) continue;
        if (all_digits(et) && bill.ts_ms > std::stoll(et)) continue;
        a.push_back(bill_json(bill));
        end_id = std::to_string(bill.id);
      }
    return ok(json::object{{"bills", std::move(a)}, {"endId", end_id}});
  }
};

// ---------------------------------------------------------------------------------------------------------

BitgetSimulator::BitgetSimulator(boost::asio::io_context& io, const SimulatorOptions& options)
    : impl_(std::make_unique<Impl>(*this, io, options)) {
  impl_->setup();
}

BitgetSimulator::~BitgetSimulator() {
  impl_->alive->store(false);
  impl_->engine.remove_listener(impl_.get());
}

void BitgetSimulator::start() {
  ServerOptions so;
  so.faults = &impl_->fault_injector;
  so.answer_text_ping = true;
  impl_->server = std::make_unique<Server>(impl_->io, *this, impl_->options.port, so);
  impl_->server->start();
  impl_->arm_activity();
  impl_->arm_books();
}

void BitgetSimulator::stop() {
  if (impl_->stopped.exchange(true)) return;
  auto* impl = impl_.get();
  auto cancel = [impl, a = impl->alive] {
    if (!a->load()) return;
    impl->activity_timer.cancel();
    impl->book_timer.cancel();
  };
  if (impl->io.get_executor().running_in_this_thread())
    cancel();
  else
    asio::post(impl->io, cancel);
  if (impl->server) impl->server->stop();
}

std::string BitgetSimulator::perp_engine_symbol(std::string_view wire_symbol) {
  return Impl::perp_symbol(wire_symbol);
}

uint16_t BitgetSimulator::port() const noexcept {
  return impl_->server ? impl_->server->port() : 0;
}
const SimCredentials& BitgetSimulator::credentials() const noexcept {
  return impl_->creds;
}
std::string BitgetSimulator::rest_url() const {
  return "http://127.0.0.1:" + std::to_string(port());
}
std::string BitgetSimulator::ws_public_url() const {
  return "ws://127.0.0.1:" + std::to_string(port()) + "/v2/ws/public";
}
std::string BitgetSimulator::ws_private_url() const {
  return "ws://127.0.0.1:" + std::to_string(port()) + "/v2/ws/private";
}

SimulatorBanner BitgetSimulator::banner() const {
  SimulatorBanner b;
  b.exchange = "bitget";
  const SimEndpoints endpoints{rest_url(), ws_public_url(), ws_private_url()};
  b.urls = {{"rest", endpoints.rest}, {"ws_public", endpoints.ws_public}, {"ws_private", endpoints.ws_private}};
  b.credentials = {{"api_key", impl_->creds.api_key},
                   {"secret_key", impl_->creds.secret_key},
                   {"passphrase", impl_->creds.passphrase}};
  b.connectors = {{"bitget", endpoints}, {"bitget_perpetual", endpoints}};
  return b;
}

std::string BitgetSimulator::banner_json() const {
  return banner().to_json();
}

void register_simulator(SimulatorRegistry& registry) {
  registry.add(SimulatorInfo{
      "bitget", "Bitget", {"bitget", "bitget_perpetual"}, "Bitget V2: spot and USDT-M perpetuals",
      [](boost::asio::io_context& io, const SimulatorOptions& options) -> std::unique_ptr<ExchangeSimulator> {
        return std::make_unique<BitgetSimulator>(io, options);
      }});
}

MatchingEngine& BitgetSimulator::engine() noexcept {
  return impl_->engine;
}
Ledger& BitgetSimulator::ledger() noexcept {
  return impl_->engine.ledger();
}
FaultInjector& BitgetSimulator::faults() noexcept {
  return impl_->fault_injector;
}
void BitgetSimulator::set_activity_paused(bool paused) noexcept {
  impl_->paused.store(paused);
}

HttpServerResponse BitgetSimulator::on_http(const HttpServerRequest& request) {
  try {
    return impl_->handle(request);
  } catch (const std::exception& e) {
    return error(500, "50000", std::string("internal error: ") + e.what());
  }
}

void BitgetSimulator::on_ws_open(std::shared_ptr<WsSession> session) {
  auto st = std::make_shared<SessionState>();
  st->is_private = session->path().find("/private") != std::string::npos;
  session->user_data = st;
  impl_->sessions[session->id()] = session;
}

void BitgetSimulator::on_ws_message(std::shared_ptr<WsSession> session, std::string_view text) {
  try {
    impl_->ws_message(session, text);
  } catch (const std::exception& e) {
    session->send(Impl::ws_error("30016", std::string("param error: ") + e.what()));
  }
}

void BitgetSimulator::on_ws_close(std::shared_ptr<WsSession> session) {
  impl_->sessions.erase(session->id());
}

bool BitgetSimulator::accepts_ws_path(std::string_view path) {
  return path == "/v2/ws/public" || path == "/v2/ws/private";
}

HttpServerResponse BitgetSimulator::rate_limited_response() {
  HttpServerResponse r = error(429, "429", "Too Many Requests");
  r.headers.push_back({"Retry-After", "1"});
  return r;
}

}  // namespace nectar::sim::bitget
