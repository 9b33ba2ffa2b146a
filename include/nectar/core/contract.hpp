// The contract model: what one unit of an instrument's quantity is worth, and the one set of formulas every
// layer (connectors' local checks, the paper connector, the simulator's settlement) computes positions with.
//
// Kinds:
//  - spot:    quantity is the base asset itself (contract_size 1); value = base × price in quote.
//  - linear:  a contract is `contract_size` base units (Bitget 1, BitMart BTCUSDT 0.001, BitMEX XBTUSDT
//             0.000001 XBT); value, margin, P&L and funding in the quote/settle coin:
//             value = contracts × cs × price, P&L = contracts × cs × (exit − entry) for a long.
//  - inverse: a contract is `contract_size` QUOTE units (BitMEX XBTUSD: 1 USD); value, margin, P&L and
//             funding in the BASE coin: value = contracts × cs / price,
//             P&L = contracts × cs × (1/entry − 1/exit) for a long (a long gains when the price rises).
//  - quanto:  value = contracts × cs × price, but cs converts price points into a third settle coin
//             (BitMEX ETHUSD: XBT per 1 USD of price); the formulas are the linear ones.
// All values are exact Decimal: the only rounding is the explicit one named by each function.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "nectar/core/decimal.hpp"
#include "nectar/core/types.hpp"

namespace nectar {

namespace contract {

/// Value of `contracts` at `price` in the settlement currency: linear/quanto/spot contracts × cs × price,
/// inverse contracts × cs / price. Throws DecimalError for a non-positive price on an inverse contract.
Decimal notional(const ContractSpec& spec, Decimal contracts, Decimal price,
                 Rounding rounding = Rounding::kHalfUp);

/// Base amount of `contracts` (inverse: contracts × cs / price, so the price matters).
Decimal to_base(const ContractSpec& spec, Decimal contracts, Decimal price,
                Rounding rounding = Rounding::kHalfUp);
/// Contracts for a base amount (inverse: base × price / cs); rounded with `rounding` to whole `lot`s when
/// lot > 0 (so a connector never sends a fraction of a contract).
Decimal to_contracts(const ContractSpec& spec, Decimal base, Decimal price, Decimal lot = {},
                     Rounding rounding = Rounding::kDown);

/// Initial margin of `value` (a notional) at `leverage` (>= 1 expected; throws DecimalError for zero),
/// rounded up: the exchange never lends a fraction of a unit.
Decimal initial_margin(Decimal value, Decimal leverage);

/// P&L of a position whose open part cost `entry_value` (notional at entry) and is now worth `exit_value`
/// (notional at exit), both in the settlement currency. Linear: long exit − entry, short entry − exit.
/// Inverse: long entry − exit, short exit − entry (a coin value falls as the price rises). Exact.
/// `side` must be kLong or kShort (throws std::invalid_argument for kBoth).
Decimal pnl_of_values(const ContractSpec& spec, PositionSide side, Decimal entry_value, Decimal exit_value);

/// P&L of closing `contracts` opened at `entry_price` at `exit_price` (realised at a fill, unrealised at the
/// mark), each value rounded half-up before the difference.
Decimal pnl(const ContractSpec& spec, PositionSide side, Decimal contracts, Decimal entry_price,
            Decimal exit_price);

/// Funding of one funding event, signed from the position's point of view (positive = received).
/// Amount = notional at the mark × |rate|; with rate > 0 longs pay and shorts receive, with rate < 0 the
/// reverse (Bitget, BitMart, BitMEX alike). The payer's amount rounds up, the receiver's down, so the
/// exchange never pays out more than it collects.
Decimal funding_payment(const ContractSpec& spec, PositionSide side, Decimal contracts, Decimal mark,
                        Decimal rate);

/// Average entry price of a position whose entry notional is `entry_value` for `contracts`: linear
/// entry_value / (contracts × cs); inverse contracts × cs / entry_value (the harmonic mean of the fill
/// prices, i.e. averaged in 1/price). Half-up; zero when contracts or entry_value is zero.
Decimal entry_price(const ContractSpec& spec, Decimal contracts, Decimal entry_value);

/// Average entry after adding `add` contracts at `add_price` to `held` contracts entered at `held_entry`.
Decimal average_entry(const ContractSpec& spec, Decimal held, Decimal held_entry, Decimal add,
                      Decimal add_price);

/// The price at which a position's equity (buffer + P&L) equals its maintenance margin
/// (notional at that price × mmr): `buffer` is the margin that backs it (isolated: its margin; cross: the
/// free equity of the account). Linear long (E − B)/(q(1 − m)), short (E + B)/(q(1 + m)) with q =
/// contracts × cs; inverse long q(1 + m)/(E + B), short q(1 − m)/(E − B), q = contracts × cs and E the coin
/// entry value. Half-up; zero when no positive price liquidates it.
Decimal liquidation_price(const ContractSpec& spec, PositionSide side, Decimal contracts, Decimal entry_value,
                          Decimal buffer, Decimal maintenance_rate);

}  // namespace contract
}  // namespace nectar
