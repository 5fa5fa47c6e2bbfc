#include "metrics/text_format.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <system_error>

#include "core/utf8.hpp"

namespace hotreload::metrics_text {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Appends `text` as valid UTF-8, passing each valid character to `emit`.
template <class Emit>
void for_each_valid(std::string& out, std::string_view text, Emit emit) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = detail::utf8_sequence_length(text, i);
    if (length == 0) {
      out += kReplacement;
      ++i;
    } else if (length == 1) {
      emit(text[i]);
      ++i;
    } else {
      out.append(text, i, length);
      i += length;
    }
  }
}

}  // namespace

void append_double(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
    return;
  }
  // Go's strconv.FormatFloat(value, 'g', -1, 64), which the reference client (client_golang)
  // prints with: the shortest round-trip digits, in exponent form when the decimal exponent is
  // below -4 or at least 6 ("1e+06", "1.5e-07"), plainly otherwise ("0.0005", "123456"). Matching
  // it keeps `le` label values identical to other clients' for the same bounds.
  char buffer[64];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  if (error != std::errc{}) return;  // unreachable: 64 bytes hold any double
  const std::string_view scientific(buffer, static_cast<std::size_t>(end - buffer));
  int exponent = 0;
  const std::size_t e = scientific.find('e');
  std::from_chars(scientific.data() + e + (scientific[e + 1] == '+' ? 2 : 1), scientific.data() + scientific.size(),
                  exponent);
  if (exponent < -4 || exponent >= 6) {
    out += scientific;
    return;
  }
  const auto [fixed_end, fixed_error] = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed);
  if (fixed_error == std::errc{}) out.append(buffer, fixed_end);
}

std::string format_double(double value) {
  std::string out;
  append_double(out, value);
  return out;
}

void append_label_value(std::string& out, std::string_view value) {
  out += '"';
  for_each_valid(out, value, [&](char c) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  });
  out += '"';
}

void append_help(std::string& out, std::string_view help) {
  for_each_valid(out, help, [&](char c) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  });
}

std::string valid_utf8(std::string_view text) { return detail::replace_invalid_utf8(text); }

}  // namespace hotreload::metrics_text
