#include "core/scalar.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace hotreload::detail {
namespace {

TEST(Scalar, CoreSchemaNullAndBool) {
  for (const char* text : {"", "~", "null", "Null", "NULL"}) EXPECT_TRUE(resolve_plain_scalar(text).is_null()) << text;
  EXPECT_EQ(resolve_plain_scalar("true"), Value(true));
  EXPECT_EQ(resolve_plain_scalar("FALSE"), Value(false));
}

TEST(Scalar, Yaml11BooleansStayStrings) {
  for (const char* text : {"yes", "no", "on", "off", "y", "n"}) {
    EXPECT_EQ(resolve_plain_scalar(text), Value(std::string(text))) << text;
  }
}

TEST(Scalar, Integers) {
  EXPECT_EQ(resolve_plain_scalar("200"), Value(std::int64_t{200}));
  EXPECT_EQ(resolve_plain_scalar("-7"), Value(std::int64_t{-7}));
  EXPECT_EQ(resolve_plain_scalar("+7"), Value(std::int64_t{7}));
  EXPECT_EQ(resolve_plain_scalar("0x1F"), Value(std::int64_t{31}));
  EXPECT_EQ(resolve_plain_scalar("0o17"), Value(std::int64_t{15}));
  EXPECT_TRUE(resolve_plain_scalar("99999999999999999999").is_double());
}

TEST(Scalar, Floats) {
  EXPECT_EQ(resolve_plain_scalar("1.5"), Value(1.5));
  EXPECT_EQ(resolve_plain_scalar(".5"), Value(0.5));
  EXPECT_EQ(resolve_plain_scalar("1e3"), Value(1000.0));
  EXPECT_EQ(resolve_plain_scalar("-.inf"), Value(-INFINITY));
  EXPECT_TRUE(std::isnan(resolve_plain_scalar(".nan").as_double()));
}

TEST(Scalar, AnythingElseIsAString) {
  for (const char* text : {"ten", "1.2.3", "0x", "5s", "1e", ".", "-", "0xZZ", "12abc"}) {
    EXPECT_EQ(resolve_plain_scalar(text), Value(std::string(text))) << text;
  }
}

}  // namespace
}  // namespace hotreload::detail
