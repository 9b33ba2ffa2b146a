// Small ASCII text helpers shared by the client and the command-line tools.
#pragma once

#include <cctype>
#include <string>
#include <vector>

namespace nectar::client {

inline std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

inline std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

/// The words of a line, split at white space.
std::vector<std::string> split_words(const std::string& line);

/// A left-aligned text table: the header, then one line per row, columns 4 spaces apart, each line starting
/// with `indent` and ending with a newline (trailing spaces trimmed).
std::string table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                  const std::string& indent = "    ");

}  // namespace nectar::client
