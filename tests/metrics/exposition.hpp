// Reading samples back out of a text exposition, for the metrics tests.
#pragma once

#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace hotreload::testing {

// The value of the sample whose series (name and labels, exactly as printed) is `series`;
// nullopt when there is no such line.
inline std::optional<double> sample(const std::string& exposition, std::string_view series) {
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);) {
    if (line.size() > series.size() && line.starts_with(series) && line[series.size()] == ' ') {
      return std::strtod(line.c_str() + series.size() + 1, nullptr);
    }
  }
  return std::nullopt;
}

}  // namespace hotreload::testing
