#include <ostream>

#include "nectar/core/decimal.hpp"

namespace nectar {

std::ostream& operator<<(std::ostream& os, Decimal d) {
  return os << d.to_string();
}

}  // namespace nectar
