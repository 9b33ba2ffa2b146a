#include "nectar/client/connectors.hpp"

#include <mutex>

#include "nectar/connectors/bitget/bitget_exchange.hpp"
#include "nectar/paper/paper_trade.hpp"

namespace nectar::client {

void register_all_connectors() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto& registry = ConnectorRegistry::instance();
    bitget::register_connectors(registry);
    // After the exchanges: paper trading is offered for each of them.
    paper::register_paper_connectors(registry);
  });
}

}  // namespace nectar::client
