// One matcher and one message formatter for exchange errors; each exchange supplies only its code table
// (e.g. src/connectors/bitget/errors.cpp). Rules are data, tried in order: the first that matches names the
// kind. No regex over bodies: the caller decodes the body once and passes the code and the message.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "nectar/connectors/errors.hpp"

namespace nectar {

/// A rule's code that matches every code (for exchanges that report errors by message only, e.g. BitMEX).
inline constexpr std::string_view kAnyErrorCode = "*";

/// One row of an exchange's error table.
struct ErrorRule {
  std::string_view code;  ///< the exchange's code as text, or kAnyErrorCode
  ErrorKind kind;
  std::string_view if_contains = {};      ///< the message must contain this (case-insensitive); "" = any
  std::string_view unless_contains = {};  ///< and must not contain this; "" = no condition
};

/// Plain words for an error kind, as the exchange's users should read them.
struct ErrorWords {
  ErrorKind kind;
  std::string_view words;
};

/// An exchange's error table.
struct ErrorTable {
  std::string_view exchange;          ///< the prefix of every message, e.g. "bitget"
  std::span<const ErrorRule> rules;   ///< tried in order
  std::span<const ErrorWords> words;  ///< kinds without a row here use `fallback_words`
  std::string_view fallback_words = "request failed";
};

/// Case-insensitive (ASCII) substring test.
bool contains_icase(std::string_view text, std::string_view word);

/// The kind of the first rule matching `code` and `message`, or kOther.
ErrorKind match_error(const ErrorTable& table, std::string_view code, std::string_view message);

/// The table's plain words for `kind`.
std::string_view plain_words(const ErrorTable& table, ErrorKind kind);

/// "<exchange>: <context>: <plain words> (code <code or none>: <message>, HTTP <status>)": the problem
/// first, then the exchange's own code and text. `context` and `message` may be empty; `http_status` 0
/// leaves the HTTP part out. The caller passes no secrets (they are never in an exchange's error text).
std::string format_error_message(const ErrorTable& table, ErrorKind kind, std::string_view code,
                                 std::string_view message, int http_status, std::string_view context);

/// match_error + format_error_message as a typed error carrying the exchange's code.
ExchangeError make_exchange_error(const ErrorTable& table, std::string_view code, std::string_view message,
                                  int http_status, std::string_view context);

}  // namespace nectar
