// Account ledger of the simulated exchange: per account, per asset, available and frozen balances.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "nectar/core/decimal.hpp"

namespace nectar::sim {

using AccountId = uint64_t;

/// One asset of one account. total() == available + frozen holds exactly, by construction (total is not
/// stored). Both parts are never negative: every operation that would drive one below zero fails without
/// effect.
struct Balance {
  Decimal available;  ///< free to trade or withdraw
  Decimal frozen;     ///< held by open orders
  Decimal total() const { return available + frozen; }
  friend bool operator==(const Balance&, const Balance&) = default;
};

/// Emitted after every successful mutation, once per (account, asset) it touched, with the new state.
struct BalanceChange {
  AccountId account = 0;
  std::string asset;
  Decimal available;
  Decimal frozen;
  Decimal total() const { return available + frozen; }
};

enum class LedgerStatus : uint8_t {
  kOk,
  kInvalidAmount,          ///< negative amount
  kInsufficientAvailable,  ///< available is less than the amount
  kInsufficientFrozen,     ///< frozen is less than the amount
};
std::string_view to_string(LedgerStatus s);

/// Outcome of a ledger operation. On failure nothing changed and `message` says what was short, e.g.
/// "account 7: insufficient available USDT: have 10, need 12.5".
struct LedgerResult {
  LedgerStatus status = LedgerStatus::kOk;
  std::string message;
  bool ok() const { return status == LedgerStatus::kOk; }
  explicit operator bool() const { return ok(); }
};

/// All balances of one account. Perpetual positions, leverage and bills live in MatchingEngine; their
/// margins are the frozen part of the settle asset's balance here (docs/perpetuals-sim.md).
struct Account {
  std::map<std::string, Balance, std::less<>> balances;  ///< by asset, sorted (deterministic listing)
};

/// Per-account, per-asset balances with exact Decimal amounts.
///
/// Amounts are in asset units and must be >= 0; a zero amount is a successful no-op that emits nothing.
/// Single-threaded: call from one thread (the exchange's event loop). The listener is called synchronously,
/// after the mutation, once per touched (account, asset), in the order documented on each operation.
class Ledger {
 public:
  using Listener = std::function<void(const BalanceChange&)>;

  /// Replaces the balance-change listener (one at a time; MatchingEngine installs its own on its ledger and
  /// re-publishes through EngineListener::on_balance).
  void set_listener(Listener listener) { listener_ = std::move(listener); }

  /// available += amount.
  LedgerResult deposit(AccountId account, std::string_view asset, Decimal amount);
  /// available -= amount; fails if available < amount.
  LedgerResult withdraw(AccountId account, std::string_view asset, Decimal amount);
  /// available -> frozen; fails (kInsufficientAvailable) if available < amount.
  LedgerResult freeze(AccountId account, std::string_view asset, Decimal amount);
  /// frozen -> available; fails (kInsufficientFrozen) if frozen < amount.
  LedgerResult unfreeze(AccountId account, std::string_view asset, Decimal amount);
  /// Settlement of a fill: from.frozen -= amount (spent), to.available += amount (received).
  /// Events: `from` first, then `to` (one event if from == to).
  LedgerResult transfer_frozen(AccountId from, AccountId to, std::string_view asset, Decimal amount);
  /// from.available -= amount, to.available += amount (fee payment). Events: `from`, then `to`.
  LedgerResult transfer_available(AccountId from, AccountId to, std::string_view asset, Decimal amount);
  /// Fee in the received asset: moves `fee` from the payer's available to `fee_account` (the exchange's
  /// revenue account), so the total of every asset over all accounts is conserved by trading.
  LedgerResult charge_fee(AccountId payer, std::string_view asset, Decimal fee, AccountId fee_account) {
    return transfer_available(payer, fee_account, asset, fee);
  }

  /// Balance of one asset; zeros when the account or asset was never touched.
  Balance balance(AccountId account, std::string_view asset) const;
  /// Account, or nullptr when it was never touched.
  const Account* account(AccountId account) const;
  /// All account ids ever touched, ascending.
  std::vector<AccountId> accounts() const;
  /// Sum of totals of `asset` over all accounts (conservation checks in tests).
  Decimal total_supply(std::string_view asset) const;

 private:
  Balance& slot(AccountId account, std::string_view asset);
  /// Moves `amount` out of `source` (available or frozen) of `from` into the available part of `to`.
  LedgerResult transfer_from(Decimal Balance::*source, AccountId from, AccountId to, std::string_view asset,
                             Decimal amount);
  /// Moves `amount` from one part of a balance to another (target nullptr: out of the ledger).
  LedgerResult shift(AccountId account, std::string_view asset, Decimal amount, Decimal Balance::*source,
                     Decimal Balance::*target);
  static LedgerStatus shortage_status(Decimal Balance::*source);
  void emit(AccountId account, std::string_view asset, const Balance& b);

  std::unordered_map<AccountId, Account> accounts_;
  Listener listener_;
};

}  // namespace nectar::sim
