// The pieces of the Prometheus text format 0.0.4 that need care: numbers, escaping, UTF-8.
// Private to src/metrics.
#pragma once

#include <string>
#include <string_view>

namespace hotreload::metrics_text {

// A sample value as Go's strconv.ParseFloat reads it and as client_golang writes it: "+Inf",
// "-Inf", "NaN", otherwise the shortest text that reads back as the same double, formatted like
// Go's %g ("0.005", "42", "1e+06", "1.234567e+06").
void append_double(std::string& out, double value);
std::string format_double(double value);

// A label value inside double quotes: backslash, double quote and line feed escaped as \\, \" and
// \n; invalid UTF-8 replaced by U+FFFD (the format requires UTF-8).
void append_label_value(std::string& out, std::string_view value);

// HELP text: backslash and line feed escaped as \\ and \n; invalid UTF-8 replaced by U+FFFD.
void append_help(std::string& out, std::string_view help);

// `text` with every invalid UTF-8 sequence replaced by U+FFFD.
std::string valid_utf8(std::string_view text);

}  // namespace hotreload::metrics_text
