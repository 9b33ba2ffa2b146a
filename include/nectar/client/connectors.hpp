// Every connector nectar ships, registered once: the exchange connectors and an `<id>_paper_trade` for each.
#pragma once

namespace nectar::client {

/// Idempotent and thread-safe.
void register_all_connectors();

}  // namespace nectar::client
