#include "nectar/connectors/client_order_id.hpp"

#include <cctype>
#include <stdexcept>

#include <fmt/format.h>

namespace nectar {

ClientOrderIdGenerator::ClientOrderIdGenerator(ClientOrderIdRules rules) : rules_(std::move(rules)) {
  std::random_device rd;
  rng_.seed((static_cast<uint64_t>(rd()) << 32) ^ rd());
  if (rules_.max_length < rules_.prefix.size() + 12) {
    throw std::invalid_argument("client order id limit too short for prefix '" + rules_.prefix + "'");
  }
}

std::string ClientOrderIdGenerator::next(TradeType side, const TradingPair& pair, int64_t now_us) {
  std::string id = rules_.prefix;
  id += side == TradeType::kBuy ? 'B' : 'S';
  auto initials = [](const std::string& s) {
    std::string out;
    for (char c : s)
      if (std::isalnum(static_cast<unsigned char>(c)) && out.size() < 2)
        out += static_cast<char>(std::toupper(c));
    return out;
  };
  id += initials(pair.base) + initials(pair.quote);
  // Microsecond time keeps ids sortable by creation; the counter separates ids made in the same microsecond.
  id += fmt::format("{:x}{:03x}", static_cast<uint64_t>(now_us), static_cast<unsigned>(++counter_ & 0xfff));
  id += fmt::format("{:016x}", rng_());
  if (id.size() > rules_.max_length) id.resize(rules_.max_length);
  return id;
}

bool ClientOrderIdGenerator::valid(std::string_view id) const {
  if (id.empty() || id.size() > rules_.max_length) return false;
  for (char c : id) {
    if (std::isalnum(static_cast<unsigned char>(c))) continue;
    if (rules_.allowed_extra.find(c) == std::string_view::npos) return false;
  }
  return true;
}

}  // namespace nectar
