#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>

#include "core/utf8.hpp"
#include "hotreload/json_text.hpp"

namespace hotreload {
namespace {

// nlohmann's own dump() throws type_error.316 here, after part of the text was produced.
TEST(JsonText, InvalidUtf8IsReplacedInTheWholeTextInsteadOfThrowing) {
  nlohmann::ordered_json json = {{"ok", "x"}, {"bad", std::string("a\xff" "b")}};
  EXPECT_THROW((void)json.dump(), nlohmann::json::type_error);
  EXPECT_EQ(dump_json(json), "{\"ok\":\"x\",\"bad\":\"a\xEF\xBF\xBD" "b\"}");
  EXPECT_EQ(dump_json(nlohmann::json(std::string("\xc0"))), "\"\xEF\xBF\xBD\"");
  EXPECT_EQ(dump_json(nlohmann::json::array({1}), 2), "[\n  1\n]");
}

TEST(Utf8, FindsTheFirstInvalidByteAfterLongAsciiRuns) {
  using detail::find_invalid_utf8;
  std::string ascii(100, 'a');
  EXPECT_EQ(find_invalid_utf8(ascii), std::string::npos);
  EXPECT_EQ(find_invalid_utf8(ascii + "\xc3\xa9" + ascii + "\xf0\x9f\x99\x82"), std::string::npos);
  for (std::size_t at : {0u, 7u, 8u, 9u, 63u, 99u}) {
    std::string text = ascii;
    text[at] = '\xff';
    EXPECT_EQ(find_invalid_utf8(text), at);
  }
  EXPECT_EQ(find_invalid_utf8(ascii + "\xe2\x82"), 100u);  // cut short at the end
}

}  // namespace
}  // namespace hotreload
