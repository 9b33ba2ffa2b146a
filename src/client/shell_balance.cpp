#include "client/shell_balance.hpp"

#include <algorithm>
#include <fstream>

#include "client/shell_session.hpp"
#include "client/text.hpp"
#include "nectar/client/strategy_config.hpp"
#include "nectar/paper/paper_trade.hpp"

namespace nectar::client {

namespace {

/// `balance` values every asset in this currency.
constexpr const char* kBalanceValueCurrency = "USDT";

/// `balance limit` lists the limits; `balance limit <exchange> <asset> <amount>` sets one (-1 removes it).
void cmd_balance_limit(ShellSession& shell, const std::vector<std::string>& args) {
  BalanceLimits limits = load_balance_limits(shell.balance_limits_file());
  if (args.size() == 2) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [exchange, assets] : limits)
      for (const auto& [asset, amount] : assets) rows.push_back({exchange, asset, amount.to_string()});
    if (rows.empty())
      shell.say("No balance limits: strategies may use every available balance.");
    else
      shell.print() << "Balance limits (the most a strategy may commit):\n"
                    << table({"Exchange", "Asset", "Limit"}, rows) << std::flush;
    return;
  }
  if (args.size() != 5) {
    const auto ids = ConnectorRegistry::instance().ids();
    shell.say("Error: usage: balance limit <exchange> <asset> <amount>, e.g. balance limit " +
              (ids.empty() ? std::string("<exchange>") : ids.front()) + " USDT 100 (-1 removes it)");
    return;
  }
  const std::string exchange = lower(args[2]);
  if (!ConnectorRegistry::instance().find(exchange)) {
    shell.say("Error: '" + args[2] + "' is not an exchange nectar knows; `connect` lists them.");
    return;
  }
  const std::string asset = upper(args[3]);
  if (args[4] == "-1") {
    limits[exchange].erase(asset);
    save_balance_limits(limits, shell.balance_limits_file());
    shell.say("Balance limit of " + asset + " on " + exchange + " removed.");
    return;
  }
  const auto amount = Decimal::try_parse(args[4]);
  if (!amount || amount->is_negative()) {
    shell.say("Error: '" + args[4] + "' is not an amount (a number, 0 or more; -1 removes the limit).");
    return;
  }
  limits[exchange][asset] = *amount;
  save_balance_limits(limits, shell.balance_limits_file());
  shell.say(
      "Limit for " + asset + " on " + exchange + " set to " + amount->to_string() + "." +
      (shell.running && shell.running_exchange == exchange ? " It applies from the next `start`." : ""));
}

/// `balance paper` lists the paper balances; `balance paper <asset> <amount>` sets one.
void cmd_balance_paper(ShellSession& shell, const std::vector<std::string>& args) {
  auto balances = paper::parse_paper_balances(paper_balances_text(shell));
  if (args.size() == 2) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [asset, amount] : balances) rows.push_back({asset, amount.to_string()});
    shell.print() << "Paper trading starts with:\n" << table({"Asset", "Amount"}, rows) << std::flush;
    return;
  }
  if (args.size() != 4) {
    shell.say("Error: usage: balance paper <asset> <amount>, e.g. balance paper USDT 5000");
    return;
  }
  const std::string asset = upper(args[2]);
  const auto amount = Decimal::try_parse(args[3]);
  if (asset.empty() || !amount || amount->is_negative()) {
    shell.say("Error: '" + args[3] + "' is not an amount (a decimal number, 0 or more).");
    return;
  }
  balances[asset] = *amount;
  std::string text;
  for (const auto& [a, v] : balances) {
    if (v.is_zero()) continue;
    text += (text.empty() ? "" : ",") + a + ":" + v.to_string();
  }
  std::error_code ec;
  std::filesystem::create_directories(shell.options.config_dir, ec);
  {
    std::ofstream out(shell.paper_balances_file(), std::ios::trunc);
    out << text << "\n";
    if (!out) {
      shell.say("Error: cannot write " + shell.paper_balances_file().string());
      return;
    }
  }
  // Connected paper connectors take the new amount now.
  for (auto& [id, connection] : shell.connections) {
    auto* p = dynamic_cast<paper::PaperTradeConnector*>(connection.connector.get());
    if (!p) continue;
    shell.on_io([&] {
      const Decimal delta = *amount - p->balance(asset);
      return delta.is_zero() || p->adjust_balance(asset, delta);
    });
  }
  shell.say("Paper balance for " + asset + " set to " + amount->to_string() + ".");
}

/// `balance`: each connected exchange's balances, valued in kBalanceValueCurrency.
void cmd_balance_table(ShellSession& shell) {
  if (shell.connections.empty()) {
    shell.say("Error: no exchange connected; use `connect <exchange>` first.");
    return;
  }
  for (auto& [id, s] : shell.connections) {
    Connector* c = s.connector.get();
    if (!shell.wait_until([c] { return c->status().balances; }, shell.options.data_timeout)) {
      shell.say(id + ": balances not loaded yet; try again shortly.");
      continue;
    }
    // Each asset with its price in the value currency, from the mid of a followed <asset>-<quote> book.
    const std::string quote = kBalanceValueCurrency;
    auto [balances, prices] = shell.on_io([c, &quote] {
      std::map<std::string, Decimal> px;
      for (const auto& pair : c->trading_pairs()) {
        if (pair.quote != quote) continue;
        const OrderBook* b = c->order_book(pair);
        if (auto mid = b ? b->mid_price() : std::nullopt) px[pair.base] = *mid;
      }
      return std::pair{c->balances(), px};
    });
    prices[quote] = Decimal::one();
    std::sort(balances.begin(), balances.end(),
              [](const Balance& a, const Balance& b) { return a.asset < b.asset; });
    std::vector<std::vector<std::string>> rows;
    Decimal total_value;
    std::size_t unvalued = 0;
    for (const auto& b : balances) {
      if (b.total.is_zero() && b.available.is_zero()) continue;
      std::string value = "n/a";
      if (auto p = prices.find(b.asset); p != prices.end()) {
        const Decimal v = b.total.mul(p->second);
        total_value += v;
        value = v.to_string_fixed(2);
      } else {
        ++unvalued;
      }
      // Allocated, as Hummingbot shows it: the share of the asset held by open orders.
      std::string allocated = "0%";
      if (b.total.is_positive())
        allocated = (b.total - b.available).div(b.total).mul(Decimal::from_int(100)).to_string_fixed(0) + "%";
      rows.push_back({b.asset, b.total.to_string(), b.available.to_string(), value, allocated});
    }
    shell.print() << id << ":\n";
    if (rows.empty()) {
      shell.print() << "    You have no balance on this exchange.\n";
    } else {
      shell.print() << table({"Asset", "Total", "Available", quote + " Value", "Allocated"}, rows);
      shell.print() << "    Total value: " << total_value.to_string_fixed(2) << " " << quote
                    << (unvalued ? " (" + std::to_string(unvalued) + " asset(s) without a followed " + quote +
                                       " market not counted)"
                                 : std::string())
                    << "\n";
    }
    shell.print() << std::flush;
  }
}

}  // namespace

bool is_paper(const std::string& id) {
  constexpr std::string_view kSuffix = "_paper_trade";
  return id.size() > kSuffix.size() && id.compare(id.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0;
}

std::string paper_balances_text(const ShellSession& shell) {
  std::ifstream in(shell.paper_balances_file());
  std::string line;
  if (!(in && std::getline(in, line) && !line.empty())) return std::string(paper::kDefaultPaperBalances);
  try {
    (void)paper::parse_paper_balances(line);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(shell.paper_balances_file().string() + ": " + e.what() +
                                "; fix or delete the file (it was left as it is)");
  }
  return line;
}

void cmd_balance(ShellSession& shell, const std::vector<std::string>& args) {
  if (args.size() >= 2 && args[1] == "paper")
    cmd_balance_paper(shell, args);
  else if (args.size() >= 2 && args[1] == "limit")
    cmd_balance_limit(shell, args);
  else
    cmd_balance_table(shell);
}

}  // namespace nectar::client
