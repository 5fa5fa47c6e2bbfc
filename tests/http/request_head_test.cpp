// The serving layer's reading of a request head: framing, limits, refusals.
#include "http/request_head.hpp"

#include <gtest/gtest.h>

namespace hotreload::http {
namespace {

std::variant<RequestHead, HeadError> parsed(std::string_view bytes, HeadLimits limits = {}) {
  auto result = parse_head(bytes, limits);
  EXPECT_TRUE(result.has_value()) << bytes;
  return result.value_or(HeadError{0, "incomplete"});
}

HeadError error_of(std::string_view bytes, HeadLimits limits = {}) {
  auto result = parsed(bytes, limits);
  EXPECT_TRUE(std::holds_alternative<HeadError>(result)) << bytes;
  return std::holds_alternative<HeadError>(result) ? std::get<HeadError>(result) : HeadError{0, "parsed"};
}

TEST(HttpHead, IncompleteHeadWaitsForMore) {
  EXPECT_FALSE(parse_head("", {}).has_value());
  EXPECT_FALSE(parse_head("GET /healthz HTTP/1.1\r\nHost: x\r\n", {}).has_value());
}

TEST(HttpHead, CompleteHeadHasItsFieldsAndLength) {
  auto result = parsed("POST /reload?sections=a HTTP/1.1\r\nHost: x\r\ncontent-length:  12 \r\nExpect: 100-continue\r\n\r\nbody");
  ASSERT_TRUE(std::holds_alternative<RequestHead>(result));
  const auto& head = std::get<RequestHead>(result);
  EXPECT_EQ(head.method, "POST");
  EXPECT_EQ(head.target, "/reload?sections=a");
  EXPECT_EQ(head.path(), "/reload");
  EXPECT_EQ(head.content_length, 12u);
  EXPECT_EQ(head.header("HOST"), "x");
  EXPECT_TRUE(head.expects_continue());
  EXPECT_EQ(head.size, std::string_view("POST /reload?sections=a HTTP/1.1\r\nHost: x\r\ncontent-length:  12 \r\n"
                                        "Expect: 100-continue\r\n\r\n")
                           .size());
  EXPECT_EQ(head.serialize({"expect"}), "POST /reload?sections=a HTTP/1.1\r\nHost: x\r\ncontent-length: 12\r\n\r\n");
}

TEST(HttpHead, NoContentLengthMeansNoBody) {
  auto result = parsed("POST /reload HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(std::holds_alternative<RequestHead>(result));
  EXPECT_EQ(std::get<RequestHead>(result).content_length, 0u);
}

TEST(HttpHead, NegativeOrAbsurdContentLengthIs400) {
  for (const char* value : {"-1", "99999999999999999999", "+5", "1e3", "", "0x10", "5 5"}) {
    HeadError error = error_of(std::string("POST /reload HTTP/1.1\r\nContent-Length: ") + value + "\r\n\r\n");
    EXPECT_EQ(error.status, 400) << value;
    EXPECT_EQ(error.message, std::string("invalid Content-Length \"") + value + "\"") << value;
  }
}

TEST(HttpHead, ConflictingContentLengthsAre400) {
  HeadError error = error_of("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n");
  EXPECT_EQ(error.status, 400);
  EXPECT_EQ(error.message, "conflicting Content-Length headers");
  EXPECT_TRUE(std::holds_alternative<RequestHead>(parsed("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n")));
}

TEST(HttpHead, TransferEncodingIs411) {
  HeadError error = error_of("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(error.status, 411);
  EXPECT_EQ(error.message, "a request body must be sent with Content-Length, not Transfer-Encoding");
}

TEST(HttpHead, MalformedLinesAre400) {
  EXPECT_EQ(error_of("GET\r\n\r\n").message, "malformed request line");
  EXPECT_EQ(error_of("GET /a b HTTP/1.1\r\n\r\n").message, "malformed request line");
  EXPECT_EQ(error_of("GET / HTTP/2\r\n\r\n").message, "unsupported HTTP version");
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nno colon\r\n\r\n").message, "malformed header line");
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nA: 1\r\n folded\r\n\r\n").message, "malformed header line");
}

TEST(HttpHead, LongTargetIs414EvenBeforeTheLineEnds) {
  HeadLimits limits{.max_target = 64, .max_head = 1024};
  EXPECT_EQ(error_of("GET /" + std::string(100, 'a') + " HTTP/1.1\r\n\r\n", limits).status, 414);
  EXPECT_EQ(error_of("GET /" + std::string(200, 'a'), limits).status, 414);
  EXPECT_FALSE(parse_head("GET /" + std::string(60, 'a'), limits).has_value());
}

TEST(HttpHead, LongHeadIs431) {
  HeadLimits limits{.max_target = 64, .max_head = 256};
  HeadError error = error_of("GET / HTTP/1.1\r\nX: " + std::string(300, 'a'), limits);
  EXPECT_EQ(error.status, 431);
  EXPECT_EQ(error.message, "request header fields too large");
}

}  // namespace
}  // namespace hotreload::http
