// Small ASCII text helpers shared by the client and the command-line tools.
#pragma once

#include <cctype>
#include <string>

namespace nectar::client {

inline std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

inline std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace nectar::client
