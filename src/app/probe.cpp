#include "probe.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "client/terminal.hpp"
#include "client/text.hpp"
#include "nectar/client/connectors.hpp"
#include "nectar/client/headless.hpp"
#include "nectar/connectors/errors.hpp"
#include "nectar/connectors/registry.hpp"

namespace nectar::app {

namespace asio = boost::asio;
using namespace std::chrono_literals;

void register_all_connectors() {
  client::register_all_connectors();
}

namespace {

using client::upper;

/// Reads a secret from the terminal without echo (or a plain line when stdin is not a terminal).
std::string prompt_secret(const std::string& prompt) {
  return client::read_hidden_from_terminal(prompt + " >>> ", std::cerr).value_or("");
}

std::string describe_missing(const ConnectorStatus& s) {
  std::string out;
  auto add = [&](bool ok, const char* what) {
    if (!ok) out += (out.empty() ? "" : ", ") + std::string(what);
  };
  add(s.trading_rules, "trading rules");
  add(s.order_books, "order books");
  add(s.balances, "balances");
  add(s.user_stream, "user stream");
  return out;
}

void print_event(const Event& e) {
  std::visit(
      [](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, OrderCreatedEvent>) {
          std::printf("  event OrderCreated   %s (exchange id %s)\n", x.client_order_id.c_str(),
                      x.exchange_order_id.c_str());
        } else if constexpr (std::is_same_v<T, OrderFilledEvent>) {
          std::string fee;
          for (const auto& f : x.fee.flat_fees) fee += f.amount.to_string() + " " + f.token + " ";
          std::printf("  event OrderFilled    %s %s @ %s fee %s(trade %s)\n", x.client_order_id.c_str(),
                      x.amount.to_string().c_str(), x.price.to_string().c_str(), fee.c_str(),
                      x.trade_id.c_str());
        } else if constexpr (std::is_same_v<T, OrderCompletedEvent>) {
          std::printf("  event OrderCompleted %s %s base for %s quote\n", x.client_order_id.c_str(),
                      x.base_amount.to_string().c_str(), x.quote_amount.to_string().c_str());
        } else if constexpr (std::is_same_v<T, OrderCancelledEvent>) {
          std::printf("  event OrderCancelled %s\n", x.client_order_id.c_str());
        } else if constexpr (std::is_same_v<T, OrderFailedEvent>) {
          std::printf("  event OrderFailed    %s: %s\n", x.client_order_id.c_str(), x.reason.c_str());
        }
      },
      e);
  std::fflush(stdout);
}

asio::awaitable<void> pause(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  co_await t.async_wait(asio::use_awaitable);
}

asio::awaitable<int> probe(Connector& c, const ProbeOptions& o, TradingPair pair) {
  int rc = 0;
  c.start();
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(int64_t(o.timeout_s * 1000));
  std::string last;
  while (!c.ready() && std::chrono::steady_clock::now() < deadline) {
    const std::string missing = describe_missing(c.status());
    if (missing != last) std::printf("waiting for: %s\n", missing.c_str());
    last = missing;
    std::fflush(stdout);
    co_await pause(250ms);
  }
  if (!c.ready()) {
    std::printf("not ready after %.0f s; still waiting for: %s\n", o.timeout_s,
                describe_missing(c.status()).c_str());
    std::optional<ExchangeError> auth;
    try {
      co_await c.check_credentials();
    } catch (const ExchangeError& e) {
      auth = e;
    }
    if (auth) std::printf("credentials: %s\n", auth->what());
    co_await c.stop();
    co_return 1;
  }
  std::printf("ready: trading rules, order books, balances and user stream are live\n");
  if (const TradingRule* r = c.trading_rule(pair)) {
    std::printf("%s (%s): tick %s, lot %s, min order %s %s, min value %s %s%s\n", pair.str().c_str(),
                r->exchange_symbol.c_str(), r->min_price_increment.to_string().c_str(),
                r->min_base_amount_increment.to_string().c_str(), r->min_order_size.to_string().c_str(),
                pair.base.c_str(), r->min_notional_size.to_string().c_str(), pair.quote.c_str(),
                r->active ? "" : " (NOT TRADING)");
  }
  if (const OrderBook* b = c.order_book(pair)) {
    std::printf("%-24s | %s\n", "bids", "asks");
    for (std::size_t i = 0; i < 5; ++i) {
      std::string bid =
          i < b->bid_count() ? b->bid(i).size.to_string() + " @ " + b->bid(i).price.to_string() : "";
      std::string ask =
          i < b->ask_count() ? b->ask(i).price.to_string() + " x " + b->ask(i).size.to_string() : "";
      std::printf("%24s | %s\n", bid.c_str(), ask.c_str());
    }
  }
  if (auto* perp = dynamic_cast<PerpetualConnector*>(&c)) {
    std::printf("position mode %s\n", std::string(to_string(perp->position_mode())).c_str());
    if (auto f = perp->funding_info(pair)) {
      std::printf("mark %s, index %s, funding rate %s\n", f->mark_price.to_string().c_str(),
                  f->index_price.to_string().c_str(), f->rate.to_string().c_str());
    }
    for (const auto& p : perp->positions()) {
      std::printf("position %s %s %s @ %s, uPnL %s, %dx\n", p.pair.str().c_str(),
                  p.side == PositionSide::kLong ? "long" : "short", p.amount.to_string().c_str(),
                  p.entry_price.to_string().c_str(), p.unrealized_pnl.to_string().c_str(), p.leverage);
    }
  }
  std::printf("balances:\n");
  for (const auto& bal : c.balances()) {
    if (bal.total.is_zero()) continue;
    std::printf("  %-8s total %s, available %s\n", bal.asset.c_str(), bal.total.to_string().c_str(),
                bal.available.to_string().c_str());
  }
  std::fflush(stdout);

  if (!o.side.empty()) {
    const auto amount = Decimal::try_parse(o.amount);
    const auto price = o.price.empty() ? std::optional<Decimal>(Decimal{}) : Decimal::try_parse(o.price);
    const auto type = parse_order_type(o.type);
    if (!amount || !price || !type) {
      std::printf("bad order: amount '%s', price '%s', type '%s'\n", o.amount.c_str(), o.price.c_str(),
                  o.type.c_str());
      co_await c.stop();
      co_return 2;
    }
    const PositionAction action = o.action == "open"    ? PositionAction::kOpen
                                  : o.action == "close" ? PositionAction::kClose
                                                        : PositionAction::kNil;
    const std::string id = o.side == "buy" ? c.buy(pair, *amount, *type, *price, action)
                                           : c.sell(pair, *amount, *type, *price, action);
    std::printf("placed %s %s %s %s%s as %s\n", o.type.c_str(), o.side.c_str(), amount->to_string().c_str(),
                pair.base.c_str(), o.price.empty() ? "" : (" @ " + o.price).c_str(), id.c_str());
    std::fflush(stdout);
    const auto placed_at = std::chrono::steady_clock::now();
    bool cancel_sent = false;
    const auto order_deadline = placed_at + std::chrono::milliseconds(int64_t(o.timeout_s * 1000));
    while (std::chrono::steady_clock::now() < order_deadline) {
      const InFlightOrder* ord = c.order(id);
      if (!ord || ord->is_done()) break;
      if (!cancel_sent && o.cancel_after_s >= 0 && ord->is_open() &&
          std::chrono::steady_clock::now() - placed_at >
              std::chrono::milliseconds(int64_t(o.cancel_after_s * 1000))) {
        std::printf("cancelling %s\n", id.c_str());
        c.cancel(pair, id);
        cancel_sent = true;
      }
      if (!cancel_sent && o.cancel_after_s < 0 && ord->is_open()) break;  // leave it resting
      co_await pause(100ms);
    }
    const InFlightOrder* ord = c.order(id);
    std::printf("order %s: %s\n", id.c_str(), ord ? std::string(to_string(ord->state())).c_str() : "unknown");
    if (ord && ord->state() == OrderState::kFailed) rc = 1;
  }
  co_await c.stop();
  co_return rc;
}

}  // namespace

int run_probe(const ProbeOptions& o) {
  register_all_connectors();
  const ConnectorInfo* info = ConnectorRegistry::instance().find(o.connector);
  if (!info) {
    const auto& registry = ConnectorRegistry::instance();
    if (const auto* name = registry.planned(o.connector)) {
      std::fprintf(stderr, "nectar probe: %s (%s) is not available yet in this nectar\n", o.connector.c_str(),
                   name->c_str());
      return 2;
    }
    std::fprintf(stderr, "nectar probe: unknown connector '%s' (%s)\n", o.connector.c_str(),
                 registry.describe_known().c_str());
    return 2;
  }
  auto pair = TradingPair::try_parse(o.pair);
  if (!pair) {
    std::fprintf(stderr, "nectar probe: '%s' is not a trading pair like BTC-USDT\n", o.pair.c_str());
    return 2;
  }
  ConnectorConfig config;
  config.id = o.connector;
  config.trading_pairs = {*pair};
  if (auto env = parse_environment(o.environment)) {
    config.environment = *env;
  } else {
    std::fprintf(stderr, "nectar probe: unknown environment '%s' (production, demo, simulator)\n",
                 o.environment.c_str());
    return 2;
  }
  if (!o.sim_banner.empty()) {
    const auto banner = client::parse_sim_banner(o.sim_banner, o.connector);
    if (!banner) {
      std::fprintf(stderr, "nectar probe: --sim-banner is not the JSON line printed by %s\n",
                   client::sim_command_for(o.connector).c_str());
      return 2;
    }
    config.environment = Environment::kSimulator;
    config.endpoint_override = banner->endpoints;
    for (const auto& spec : info->credentials) {
      auto it = banner->credentials.find(spec.name);
      if (it != banner->credentials.end() && !it->second.empty()) config.credentials[spec.name] = it->second;
    }
  } else if (!o.rest.empty() || !o.ws_public.empty() || !o.ws_private.empty()) {
    if (o.rest.empty() || o.ws_public.empty() || o.ws_private.empty()) {
      std::fprintf(stderr, "nectar probe: give all three of --rest, --ws-public and --ws-private\n");
      return 2;
    }
    config.endpoint_override = Endpoints{o.rest, o.ws_public, o.ws_private};
  }
  // Keys: from the banner, else NECTAR_<CONNECTOR>_<NAME> variables, else asked for without echo.
  for (const auto& spec : info->credentials) {
    if (config.credentials.count(spec.name)) continue;
    const std::string var = "NECTAR_" + upper(o.connector) + "_" + upper(spec.name);
    if (const char* v = std::getenv(var.c_str()); v && *v) {
      config.credentials[spec.name] = Secret(v);
    } else {
      config.credentials[spec.name] = Secret(prompt_secret(spec.prompt + " (or set " + var + ")"));
    }
  }
  asio::io_context io;
  std::unique_ptr<Connector> connector;
  try {
    connector = ConnectorRegistry::instance().create(io.get_executor(), config);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nectar probe: %s\n", e.what());
    return 2;
  }
  const Endpoints shown = ConnectorRegistry::instance().endpoints_for(config);
  std::printf("probing %s (%s) at %s\n", o.connector.c_str(),
              std::string(to_string(config.environment)).c_str(), shown.rest.c_str());
  auto sub = connector->events().subscribe(print_event);
  int rc = 1;
  asio::co_spawn(io, probe(*connector, o, *pair), [&](std::exception_ptr e, int r) {
    rc = r;
    io.stop();  // idle keep-alive connections would otherwise keep run() going
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        std::fprintf(stderr, "nectar probe: %s\n", ex.what());
      }
      rc = 1;
    }
  });
  io.run();
  sub.reset();
  return rc;
}

}  // namespace nectar::app
