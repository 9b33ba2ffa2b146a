// Reading exchange JSON on the cold paths (REST bodies, private pushes) with Boost.JSON: typed field readers
// that never pass money through binary floating point and never overflow.
//
// parse_exact() is the parser to use: a JSON number with a fraction or an exponent (BitMEX sends prices and
// sizes as numbers) and an integer too large for 64 bits come out as a json string holding the number's exact
// source text, so decimal() reads them exactly; Boost.JSON's own parser would have rounded them to a double.
// The hot book path does not come here (simdjson; see connectors/level_scanner.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

#include "nectar/core/decimal.hpp"

namespace nectar::json {

namespace bj = boost::json;

/// Parses `text` as one JSON document. Numbers with a fraction or an exponent, and integers outside
/// int64/uint64, become strings of their source text (e.g. 97910.5 → "97910.5"); other integers stay int64
/// (uint64 above INT64_MAX). On bad JSON sets `ec` and returns null.
bj::value parse_exact(std::string_view text, boost::system::error_code& ec);
/// As above; nullopt for bad JSON.
std::optional<bj::value> try_parse_exact(std::string_view text);

/// The field's value, or nullptr when the key is missing.
const bj::value* field(const bj::object& o, std::string_view key);
/// The object or array, or nullptr when `v` is something else.
const bj::object* object_of(const bj::value& v);
const bj::array* array_of(const bj::value& v);
const bj::object* object_field(const bj::object& o, std::string_view key);
const bj::array* array_field(const bj::object& o, std::string_view key);

/// A string field, or `fallback` when missing or not a string.
std::string_view str_or(const bj::object& o, std::string_view key, std::string_view fallback = {});
/// A scalar as text: a string as it is, an integer in decimal, a bool as true/false; nullopt for anything
/// else (null, objects, arrays). Codes that exchanges send as a number or a string read the same.
std::optional<std::string> text_of(const bj::value& v);
/// text_of the field, or "" when missing or not a scalar.
std::string text_or_empty(const bj::object& o, std::string_view key);

/// An exact decimal from a string ("65000.5", "1e-8"), an integer, or a number's source text kept by
/// parse_exact. Blank strings, null, a double (only the lossy Boost.JSON parser makes those), objects and
/// arrays give nullopt: money never passes through binary floating point.
std::optional<Decimal> decimal_of(const bj::value& v);
/// decimal_of the field; nullopt when missing.
std::optional<Decimal> decimal(const bj::object& o, std::string_view key);
Decimal decimal_or_zero(const bj::object& o, std::string_view key);

/// An integer from a JSON integer or a string of decimal digits (optionally signed). nullopt when it is
/// anything else or does not fit in int64 (never undefined behaviour).
std::optional<int64_t> int_of(const bj::value& v);
/// Decimal digits (optional sign) to int64; nullopt for other text or overflow.
std::optional<int64_t> parse_int(std::string_view text);
/// int_of the field, or `fallback` when missing or unreadable.
int64_t int_or(const bj::object& o, std::string_view key, int64_t fallback = 0);

/// A bool from true/false or the strings "true"/"false"; nullopt otherwise.
std::optional<bool> bool_of(const bj::value& v);

/// An exact decimal from one raw JSON token as simdjson's raw_json_token() gives it: a number's text or a
/// quoted string without escapes, surrounding white space allowed. nullopt otherwise.
std::optional<Decimal> decimal_from_token(std::string_view raw_token);

}  // namespace nectar::json
