#include "nectar/connectors/error_table.hpp"

#include <cctype>

namespace nectar {

bool contains_icase(std::string_view text, std::string_view word) {
  if (word.size() > text.size()) return false;
  for (std::size_t i = 0; i + word.size() <= text.size(); ++i) {
    bool same = true;
    for (std::size_t j = 0; j < word.size() && same; ++j) {
      same = std::tolower(static_cast<unsigned char>(text[i + j])) ==
             std::tolower(static_cast<unsigned char>(word[j]));
    }
    if (same) return true;
  }
  return false;
}

ErrorKind match_error(const ErrorTable& table, std::string_view code, std::string_view message) {
  for (const ErrorRule& r : table.rules) {
    if (r.code != kAnyErrorCode && r.code != code) continue;
    if (!r.if_contains.empty() && !contains_icase(message, r.if_contains)) continue;
    if (!r.unless_contains.empty() && contains_icase(message, r.unless_contains)) continue;
    return r.kind;
  }
  return ErrorKind::kOther;
}

std::string_view plain_words(const ErrorTable& table, ErrorKind kind) {
  for (const ErrorWords& w : table.words)
    if (w.kind == kind) return w.words;
  return table.fallback_words;
}

std::string format_error_message(const ErrorTable& table, ErrorKind kind, std::string_view code,
                                 std::string_view message, int http_status, std::string_view context) {
  std::string text(table.exchange);
  text.append(": ");
  if (!context.empty()) text.append(context).append(": ");
  text.append(plain_words(table, kind));
  text.append(" (code ").append(code.empty() ? "none" : code);
  if (!message.empty()) text.append(": ").append(message);
  if (http_status != 0) text.append(", HTTP ").append(std::to_string(http_status));
  text.append(")");
  return text;
}

ExchangeError make_exchange_error(const ErrorTable& table, std::string_view code, std::string_view message,
                                  int http_status, std::string_view context) {
  const ErrorKind kind = match_error(table, code, message);
  return ExchangeError(kind, std::string(code),
                       format_error_message(table, kind, code, message, http_status, context));
}

}  // namespace nectar
