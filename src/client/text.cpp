#include "text.hpp"

#include <algorithm>
#include <sstream>

namespace nectar::client {

std::vector<std::string> split_words(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

std::string table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                  const std::string& indent) {
  std::vector<std::size_t> width(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size() && i < width.size(); ++i) width[i] = std::max(width[i], r[i].size());
  std::ostringstream o;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text = indent;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      std::string cell = cells[i];
      if (i + 1 < cells.size()) cell.resize(width[i], ' ');
      text += cell;
      if (i + 1 < cells.size()) text += "    ";
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    o << text << "\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
  return o.str();
}

}  // namespace nectar::client
