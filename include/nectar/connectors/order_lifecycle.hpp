// Order lifecycle rules several exchanges share, as free functions (the stateful ones, such as fills that
// arrive before the exchange order id, are ExchangeBase services: find_order_for_push, deliver_fill).
#pragma once

#include <string>
#include <string_view>

#include "nectar/core/in_flight_order.hpp"

namespace nectar {

/// Why a post-only order the exchange cancelled at once failed, naming the exchange ("Bitget").
std::string post_only_crossed_reason(std::string_view exchange);

/// Exchanges that accept a post-only order that would cross and then cancel it at once (Bitget, BitMart,
/// HitBTC) report it as CANCELED: with nothing filled and no cancel asked for, the order failed (it never
/// rested), and the update says why. Leaves any other update alone.
void fail_crossed_post_only(const InFlightOrder& order, OrderUpdate& update, std::string_view exchange);

}  // namespace nectar
