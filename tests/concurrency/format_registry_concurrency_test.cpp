// The format registry under concurrent parses and registrations; CI runs this binary under
// ThreadSanitizer. Lookups take the registry's shared lock, a registration the exclusive one, and
// a parser runs outside the lock on an entry that never moves.
#include "hotreload/formats.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "hotreload/document.hpp"

namespace hotreload {
namespace {

Result<Value> parse_nothing(std::string_view, std::string_view, const ParseLimits&) {
  Value root{Object{}};
  root.origin = Origin{0, 1, 1};
  return root;
}

TEST(FormatRegistryConcurrency, ParsingWhileFormatsAreRegisteredNeitherRacesNorFails) {
  constexpr int kParsers = 3;
  constexpr int kFormats = 50;
  std::latch start(kParsers + 1);
  std::atomic<bool> registering{true};
  std::atomic<int> failures{0};
  std::vector<std::thread> parsers;
  for (int t = 0; t < kParsers; ++t) {
    parsers.emplace_back([&] {
      start.arrive_and_wait();
      // At least one round, then as long as registrations go on.
      do {
        if (!parse("a: 1\n", Format::yaml, "x.yaml") || !parse("a 1\n", Format::keyvalue, "torrc")) ++failures;
        if (!parse_format("json") || registered_formats().size() < 4) ++failures;
      } while (registering);
    });
  }
  static int round = 0;  // names stay new under --gtest_repeat
  const std::string prefix = "concurrent-" + std::to_string(round++) + "-";
  start.arrive_and_wait();
  int registered = 0;
  for (int i = 0; i < kFormats; ++i) {
    Result<Format> format = register_format({.name = prefix + std::to_string(i), .parser = parse_nothing});
    if (format && parse("x\n", *format, "x").has_value()) ++registered;
  }
  registering = false;
  for (std::thread& thread : parsers) thread.join();
  EXPECT_EQ(registered, kFormats);
  EXPECT_EQ(failures, 0);
  EXPECT_TRUE(parse_format(prefix + std::to_string(kFormats - 1)).has_value());
}

}  // namespace
}  // namespace hotreload
