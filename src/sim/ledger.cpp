#include "nectar/sim/ledger.hpp"

#include <algorithm>

namespace nectar::sim {

namespace {

LedgerResult fail(LedgerStatus status, std::string message) {
  return {status, std::move(message)};
}

LedgerResult invalid(AccountId account, std::string_view asset, Decimal amount) {
  return fail(LedgerStatus::kInvalidAmount, "account " + std::to_string(account) + ": negative amount " +
                                                amount.to_string() + " " + std::string(asset));
}

LedgerResult short_of(LedgerStatus status, AccountId account, std::string_view asset, Decimal have,
                      Decimal need) {
  const char* what = status == LedgerStatus::kInsufficientAvailable ? "available" : "frozen";
  return fail(status, "account " + std::to_string(account) + ": insufficient " + what + " " +
                          std::string(asset) + ": have " + have.to_string() + ", need " + need.to_string());
}

}  // namespace

std::string_view to_string(LedgerStatus s) {
  switch (s) {
    case LedgerStatus::kOk:
      return "ok";
    case LedgerStatus::kInvalidAmount:
      return "invalid_amount";
    case LedgerStatus::kInsufficientAvailable:
      return "insufficient_available";
    case LedgerStatus::kInsufficientFrozen:
      return "insufficient_frozen";
  }
  return "unknown";
}

Balance& Ledger::slot(AccountId account, std::string_view asset) {
  auto& balances = accounts_[account].balances;
  auto it = balances.find(asset);
  if (it == balances.end()) it = balances.emplace(std::string(asset), Balance{}).first;
  return it->second;
}

void Ledger::emit(AccountId account, std::string_view asset, const Balance& b) {
  if (listener_) listener_(BalanceChange{account, std::string(asset), b.available, b.frozen});
}

LedgerResult Ledger::deposit(AccountId account, std::string_view asset, Decimal amount) {
  if (amount.is_negative()) return invalid(account, asset, amount);
  if (amount.is_zero()) return {};
  Balance& b = slot(account, asset);
  b.available += amount;
  emit(account, asset, b);
  return {};
}

LedgerResult Ledger::withdraw(AccountId account, std::string_view asset, Decimal amount) {
  return shift(account, asset, amount, &Balance::available, nullptr);
}

LedgerResult Ledger::freeze(AccountId account, std::string_view asset, Decimal amount) {
  return shift(account, asset, amount, &Balance::available, &Balance::frozen);
}

LedgerResult Ledger::unfreeze(AccountId account, std::string_view asset, Decimal amount) {
  return shift(account, asset, amount, &Balance::frozen, &Balance::available);
}

LedgerStatus Ledger::shortage_status(Decimal Balance::*source) {
  return source == &Balance::frozen ? LedgerStatus::kInsufficientFrozen
                                    : LedgerStatus::kInsufficientAvailable;
}

LedgerResult Ledger::shift(AccountId account, std::string_view asset, Decimal amount,
                           Decimal Balance::*source, Decimal Balance::*target) {
  if (amount.is_negative()) return invalid(account, asset, amount);
  if (amount.is_zero()) return {};
  Balance& b = slot(account, asset);
  if (b.*source < amount) return short_of(shortage_status(source), account, asset, b.*source, amount);
  b.*source -= amount;
  if (target) b.*target += amount;
  emit(account, asset, b);
  return {};
}

LedgerResult Ledger::transfer_frozen(AccountId from, AccountId to, std::string_view asset, Decimal amount) {
  return transfer_from(&Balance::frozen, from, to, asset, amount);
}

LedgerResult Ledger::transfer_available(AccountId from, AccountId to, std::string_view asset,
                                        Decimal amount) {
  return transfer_from(&Balance::available, from, to, asset, amount);
}

LedgerResult Ledger::transfer_from(Decimal Balance::*source, AccountId from, AccountId to,
                                   std::string_view asset, Decimal amount) {
  if (amount.is_negative()) return invalid(from, asset, amount);
  if (amount.is_zero()) return {};
  Balance& src = slot(from, asset);
  if (src.*source < amount) return short_of(shortage_status(source), from, asset, src.*source, amount);
  // `slot` may insert into accounts_ (rehash) but Balance lives in a node-based std::map inside Account,
  // and unordered_map never moves its elements, so `src` stays valid.
  Balance& dst = slot(to, asset);
  src.*source -= amount;
  dst.available += amount;
  emit(from, asset, src);
  if (from != to) emit(to, asset, dst);
  return {};
}

Balance Ledger::balance(AccountId account, std::string_view asset) const {
  auto acc = accounts_.find(account);
  if (acc == accounts_.end()) return {};
  auto it = acc->second.balances.find(asset);
  return it == acc->second.balances.end() ? Balance{} : it->second;
}

const Account* Ledger::account(AccountId account) const {
  auto it = accounts_.find(account);
  return it == accounts_.end() ? nullptr : &it->second;
}

std::vector<AccountId> Ledger::accounts() const {
  std::vector<AccountId> ids;
  ids.reserve(accounts_.size());
  for (const auto& [id, acc] : accounts_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

Decimal Ledger::total_supply(std::string_view asset) const {
  Decimal sum;
  for (const auto& [id, acc] : accounts_) {
    auto it = acc.balances.find(asset);
    if (it != acc.balances.end()) sum += it->second.total();
  }
  return sum;
}

}  // namespace nectar::sim
