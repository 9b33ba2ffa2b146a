#include "nectar/sim/ledger.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace nectar::sim {
namespace {

struct LedgerFixture : ::testing::Test {
  Ledger ledger;
  std::vector<BalanceChange> changes;
  void SetUp() override {
    ledger.set_listener([this](const BalanceChange& c) { changes.push_back(c); });
  }
};

TEST_F(LedgerFixture, DepositWithdrawKeepTotalEqualAvailablePlusFrozen) {
  ASSERT_TRUE(ledger.deposit(1, "USDT", "1000.5"_d));
  ASSERT_TRUE(ledger.freeze(1, "USDT", "200.25"_d));
  ASSERT_TRUE(ledger.withdraw(1, "USDT", "0.25"_d));
  const Balance b = ledger.balance(1, "USDT");
  EXPECT_EQ(b.available, "800"_d);
  EXPECT_EQ(b.frozen, "200.25"_d);
  EXPECT_EQ(b.total(), "1000.25"_d);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].available, "1000.5"_d);
  EXPECT_EQ(changes[1].available, "800.25"_d);
  EXPECT_EQ(changes[1].frozen, "200.25"_d);
  EXPECT_EQ(changes[2].account, 1u);
  EXPECT_EQ(changes[2].asset, "USDT");
  EXPECT_EQ(changes[2].available, "800"_d);
  EXPECT_EQ(changes[2].total(), "1000.25"_d);
}

TEST_F(LedgerFixture, FreezeFailsWhenAvailableIsShortAndChangesNothing) {
  ledger.deposit(7, "USDT", "10"_d);
  changes.clear();
  const LedgerResult r = ledger.freeze(7, "USDT", "12.5"_d);
  EXPECT_FALSE(r);
  EXPECT_EQ(r.status, LedgerStatus::kInsufficientAvailable);
  EXPECT_EQ(r.message, "account 7: insufficient available USDT: have 10, need 12.5");
  EXPECT_EQ(ledger.balance(7, "USDT"), (Balance{"10"_d, "0"_d}));
  EXPECT_TRUE(changes.empty());
}

TEST_F(LedgerFixture, UnfreezeMoreThanFrozenFails) {
  ledger.deposit(1, "BTC", "1"_d);
  ledger.freeze(1, "BTC", "0.4"_d);
  const LedgerResult r = ledger.unfreeze(1, "BTC", "0.5"_d);
  EXPECT_EQ(r.status, LedgerStatus::kInsufficientFrozen);
  EXPECT_EQ(r.message, "account 1: insufficient frozen BTC: have 0.4, need 0.5");
  ASSERT_TRUE(ledger.unfreeze(1, "BTC", "0.4"_d));
  EXPECT_EQ(ledger.balance(1, "BTC"), (Balance{"1"_d, "0"_d}));
}

TEST_F(LedgerFixture, WithdrawCannotTouchFrozen) {
  ledger.deposit(1, "BTC", "1"_d);
  ledger.freeze(1, "BTC", "0.6"_d);
  EXPECT_EQ(ledger.withdraw(1, "BTC", "0.5"_d).status, LedgerStatus::kInsufficientAvailable);
  EXPECT_TRUE(ledger.withdraw(1, "BTC", "0.4"_d));
  EXPECT_EQ(ledger.balance(1, "BTC"), (Balance{"0"_d, "0.6"_d}));
}

TEST_F(LedgerFixture, NegativeAmountsAreInvalidAndZeroIsASilentNoOp) {
  EXPECT_EQ(ledger.deposit(1, "BTC", "-1"_d).status, LedgerStatus::kInvalidAmount);
  EXPECT_EQ(ledger.freeze(1, "BTC", "-1"_d).status, LedgerStatus::kInvalidAmount);
  EXPECT_EQ(ledger.transfer_frozen(1, 2, "BTC", "-1"_d).status, LedgerStatus::kInvalidAmount);
  EXPECT_TRUE(ledger.deposit(1, "BTC", "0"_d));
  EXPECT_TRUE(ledger.freeze(1, "BTC", "0"_d));
  EXPECT_TRUE(changes.empty());
}

TEST_F(LedgerFixture, SettlementMovesFrozenToCounterpartyAndFeesToFeeAccount) {
  ledger.deposit(1, "USDT", "1000"_d);  // buyer
  ledger.deposit(2, "BTC", "2"_d);      // seller
  ledger.freeze(1, "USDT", "100"_d);
  ledger.freeze(2, "BTC", "1"_d);
  changes.clear();

  ASSERT_TRUE(ledger.transfer_frozen(2, 1, "BTC", "1"_d));
  ASSERT_TRUE(ledger.transfer_frozen(1, 2, "USDT", "100"_d));
  ASSERT_TRUE(ledger.charge_fee(1, "BTC", "0.002"_d, 0));
  ASSERT_TRUE(ledger.charge_fee(2, "USDT", "0.1"_d, 0));

  EXPECT_EQ(ledger.balance(1, "USDT"), (Balance{"900"_d, "0"_d}));
  EXPECT_EQ(ledger.balance(1, "BTC"), (Balance{"0.998"_d, "0"_d}));
  EXPECT_EQ(ledger.balance(2, "BTC"), (Balance{"1"_d, "0"_d}));
  EXPECT_EQ(ledger.balance(2, "USDT"), (Balance{"99.9"_d, "0"_d}));
  EXPECT_EQ(ledger.balance(0, "BTC"), (Balance{"0.002"_d, "0"_d}));
  EXPECT_EQ(ledger.balance(0, "USDT"), (Balance{"0.1"_d, "0"_d}));
  EXPECT_EQ(ledger.total_supply("BTC"), "2"_d);
  EXPECT_EQ(ledger.total_supply("USDT"), "1000"_d);
  // from first, then to; one event per touched (account, asset).
  ASSERT_EQ(changes.size(), 8u);
  EXPECT_EQ(changes[0].account, 2u);
  EXPECT_EQ(changes[0].frozen, "0"_d);
  EXPECT_EQ(changes[1].account, 1u);
  EXPECT_EQ(changes[1].available, "1"_d);
  EXPECT_EQ(changes[5].account, 0u);
  EXPECT_EQ(changes[5].asset, "BTC");
}

TEST_F(LedgerFixture, TransferToSelfEmitsOneEvent) {
  ledger.deposit(3, "ETH", "5"_d);
  ledger.freeze(3, "ETH", "2"_d);
  changes.clear();
  ASSERT_TRUE(ledger.transfer_frozen(3, 3, "ETH", "2"_d));
  EXPECT_EQ(ledger.balance(3, "ETH"), (Balance{"5"_d, "0"_d}));
  EXPECT_EQ(changes.size(), 1u);
}

TEST_F(LedgerFixture, QueriesOnUnknownAccountsAndListing) {
  EXPECT_EQ(ledger.balance(42, "BTC"), Balance{});
  EXPECT_EQ(ledger.account(42), nullptr);
  ledger.deposit(9, "BTC", "1"_d);
  ledger.deposit(3, "USDT", "1"_d);
  ledger.deposit(3, "BTC", "1"_d);
  EXPECT_EQ(ledger.accounts(), (std::vector<AccountId>{3, 9}));
  const Account* a = ledger.account(3);
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->balances.size(), 2u);
  EXPECT_EQ(a->balances.begin()->first, "BTC");  // sorted by asset
  EXPECT_EQ(to_string(LedgerStatus::kInsufficientFrozen), "insufficient_frozen");
}

}  // namespace
}  // namespace nectar::sim
