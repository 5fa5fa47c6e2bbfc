#include "metrics/text_format.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace hotreload::metrics_text {
namespace {

std::string label(std::string_view value) {
  std::string out;
  append_label_value(out, value);
  return out;
}

std::string help(std::string_view text) {
  std::string out;
  append_help(out, text);
  return out;
}

TEST(MetricsTextFormat, NumbersReadBackByGo) {
  EXPECT_EQ(format_double(0), "0");
  EXPECT_EQ(format_double(42), "42");
  EXPECT_EQ(format_double(-3), "-3");
  EXPECT_EQ(format_double(0.005), "0.005");
  EXPECT_EQ(format_double(2.5), "2.5");
  EXPECT_EQ(format_double(0.0005), "0.0005");   // Go's %g: plain down to 1e-4...
  EXPECT_EQ(format_double(0.0001), "0.0001");
  EXPECT_EQ(format_double(0.00001), "1e-05");    // ...exponent form below
  EXPECT_EQ(format_double(123456), "123456");    // plain below 1e6...
  EXPECT_EQ(format_double(1e6), "1e+06");        // ...exponent form from there, as client_golang prints
  EXPECT_EQ(format_double(1234567), "1.234567e+06");
  EXPECT_EQ(format_double(-0.5), "-0.5");
  EXPECT_EQ(format_double(1.5e-7), "1.5e-07");
  EXPECT_EQ(format_double(0.1 + 0.2), "0.30000000000000004");  // shortest round-trip, not rounded
  EXPECT_EQ(format_double(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_double(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_double(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(format_double(std::numeric_limits<double>::max()), "1.7976931348623157e+308");
}

TEST(MetricsTextFormat, LabelValuesEscapeBackslashQuoteAndNewline) {
  EXPECT_EQ(label("plain"), "\"plain\"");
  EXPECT_EQ(label(""), "\"\"");
  EXPECT_EQ(label("a\\b"), "\"a\\\\b\"");
  EXPECT_EQ(label("say \"hi\""), "\"say \\\"hi\\\"\"");
  EXPECT_EQ(label("two\nlines"), "\"two\\nlines\"");
  EXPECT_EQ(label("tab\there"), "\"tab\there\"");  // only the three are escaped
  EXPECT_EQ(label("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
}

TEST(MetricsTextFormat, HelpEscapesBackslashAndNewlineButNotQuotes) {
  EXPECT_EQ(help("a \"quoted\" word"), "a \"quoted\" word");
  EXPECT_EQ(help("C:\\path\nnext"), "C:\\\\path\\nnext");
}

TEST(MetricsTextFormat, InvalidUtf8IsReplaced) {
  EXPECT_EQ(valid_utf8("ok"), "ok");
  EXPECT_EQ(valid_utf8("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(valid_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");          // overlong '/'
  EXPECT_EQ(valid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  EXPECT_EQ(valid_utf8("\xF4\x90\x80\x80").substr(0, 3), "\xEF\xBF\xBD");  // above U+10FFFF
  EXPECT_EQ(valid_utf8("cut \xE2\x82"), "cut \xEF\xBF\xBD\xEF\xBF\xBD");   // truncated sequence
  EXPECT_EQ(label("\xFF\""), "\"\xEF\xBF\xBD\\\"\"");
}

}  // namespace
}  // namespace hotreload::metrics_text
