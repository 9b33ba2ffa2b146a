// Bitget error codes (REST envelopes and WebSocket error events) mapped to typed errors in plain words.
#pragma once

#include <string_view>

#include "nectar/connectors/errors.hpp"

namespace nectar::bitget {

/// The kind of a Bitget error code; `message` disambiguates generic codes (e.g. 40034 for a symbol).
ErrorKind error_kind(std::string_view code, std::string_view message);

/// A typed error for a Bitget REST rejection: the plain-words problem first, then Bitget's own code and text.
/// `context` names the call (e.g. "placing order nctB...").
ExchangeError rest_error(std::string_view code, std::string_view message, int http_status,
                         std::string_view context);

/// A typed error for a WebSocket `event:error` (login or subscribe).
ExchangeError ws_error(std::string_view code, std::string_view message);

}  // namespace nectar::bitget
