#include "hotreload/log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "hotreload/document.hpp"
#include "hotreload/fields.hpp"

namespace hotreload {
namespace {

Value yaml(std::string_view text) {
  Result<Document> parsed = parse(text, Format::yaml, "test.yaml");
  if (!parsed) {
    ADD_FAILURE() << parsed.error().to_string();
    return Value();
  }
  return std::move(parsed->root);
}

// A CallbackSink that keeps every message as "LEVEL message".
struct Captured {
  std::vector<std::string> lines;
  CallbackSink sink{[this](LogLevel level, std::string_view message) {
                      lines.push_back(std::string(level_tag(level)) + " " + std::string(message));
                    },
                    LogLevel::trace};
};

// A pipe whose write end a StderrSink can use; small writes never block.
class Pipe {
 public:
  Pipe() {
    if (::pipe2(fds_, O_NONBLOCK) != 0) throw std::runtime_error("pipe2");
  }
  ~Pipe() {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  int write_end() const { return fds_[1]; }
  std::string drain() const {
    std::string out;
    char buffer[4096];
    for (ssize_t n; (n = ::read(fds_[0], buffer, sizeof buffer)) > 0;) out.append(buffer, static_cast<std::size_t>(n));
    return out;
  }

 private:
  int fds_[2] = {-1, -1};
};

TEST(LogLevels, ParseAcceptsEveryNameCaseInsensitively) {
  EXPECT_EQ(parse_log_level("trace"), LogLevel::trace);
  EXPECT_EQ(parse_log_level("debug"), LogLevel::debug);
  EXPECT_EQ(parse_log_level("info"), LogLevel::info);
  EXPECT_EQ(parse_log_level("INFO"), LogLevel::info);
  EXPECT_EQ(parse_log_level("warn"), LogLevel::warn);
  EXPECT_EQ(parse_log_level("Warning"), LogLevel::warn);
  EXPECT_EQ(parse_log_level("error"), LogLevel::error);
  EXPECT_EQ(parse_log_level("off"), LogLevel::off);
  EXPECT_EQ(parse_log_level("verbose"), std::nullopt);
  EXPECT_EQ(parse_log_level(""), std::nullopt);
  for (LogLevel level : {LogLevel::trace, LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error}) {
    EXPECT_EQ(parse_log_level(to_string(level)), level);
  }
}

TEST(LogSink, MessagesBelowTheLevelAreDroppedAndTheLevelChangesAtRunTime) {
  Captured captured;
  captured.sink.set_level(LogLevel::info);
  captured.sink.debug("hidden");
  captured.sink.info("shown");
  captured.sink.error("also shown");
  captured.sink.set_level(LogLevel::debug);
  EXPECT_TRUE(captured.sink.enabled(LogLevel::debug));
  EXPECT_FALSE(captured.sink.enabled(LogLevel::trace));
  captured.sink.debug("now shown");
  captured.sink.set_level(LogLevel::off);
  captured.sink.error("silenced");
  EXPECT_FALSE(captured.sink.enabled(LogLevel::error));
  EXPECT_EQ(captured.lines, (std::vector<std::string>{"INFO shown", "ERROR also shown", "DEBUG now shown"}));
}

TEST(LogSink, StderrSinkWritesLevelAndMessageLines) {
  Pipe pipe;
  StderrSink sink(LogLevel::debug, pipe.write_end());
  sink.info("reload 2 applied");
  sink.warn("two\nlines\n");
  sink.trace("hidden");
  sink.error("");
  EXPECT_EQ(pipe.drain(), "INFO reload 2 applied\nWARN two\nWARN lines\nERROR \n");
}

TEST(LogSink, StderrSinkDefaultsToStandardError) {
  StderrSink sink;
  ::testing::internal::CaptureStderr();
  sink.info("to stderr");
  sink.debug("below info");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "INFO to stderr\n");
}

TEST(LogSink, ANewlineInAMessageCannotForgeALineOfAnotherLevel) {
  Pipe pipe;
  StderrSink sink(LogLevel::info, pipe.write_end());
  sink.info("value\nERROR forged");
  EXPECT_EQ(pipe.drain(), "INFO value\nINFO ERROR forged\n");
}

TEST(LogSink, CallbackExceptionsAreSwallowed) {
  int calls = 0;
  CallbackSink sink([&](LogLevel, std::string_view) {
    ++calls;
    throw std::runtime_error("sink broken");
  });
  EXPECT_NO_THROW(sink.info("a"));
  EXPECT_NO_THROW(sink.info("b"));
  EXPECT_EQ(calls, 2);
}

TEST(LogChanges, ChangeLinesAreSeed004Lines) {
  std::vector<Change> changes = diff(yaml("database:\n  max_conns: 100\n  host: a\nlog_level: info\n"),
                                     yaml("database:\n  max_conns: 200\nlog_level: debug\ncache: {ttl: 5}\n"));
  EXPECT_EQ(change_lines(changes), (std::vector<std::string>{
                                       "database.max_conns: 100 -> 200",
                                       "database.host: \"a\" -> (absent)",
                                       "log_level: \"info\" -> \"debug\"",
                                       "cache: (absent) -> {\"ttl\":5}",
                                   }));
  EXPECT_EQ(format_changes(changes),
            "database.max_conns: 100 -> 200\ndatabase.host: \"a\" -> (absent)\nlog_level: \"info\" -> \"debug\"\n"
            "cache: (absent) -> {\"ttl\":5}\n");
  EXPECT_EQ(format_changes({}), "");
}

TEST(LogChanges, SecretValuesAreRedacted) {
  std::vector<Change> changes = diff(yaml("database:\n  password: hunter2\n  max_conns: 1\n"),
                                     yaml("database:\n  password: correct-horse\n  max_conns: 2\n"
                                          "api: {token: tok-123}\n"));
  FieldRules rules;
  rules.secret("database.password").secret("*.token");
  redact_changes(changes, rules);
  const std::string text = format_changes(changes);
  EXPECT_NE(text.find("database.password: <redacted> -> <redacted>\n"), std::string::npos) << text;
  EXPECT_NE(text.find("database.max_conns: 1 -> 2\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("hunter2"), std::string::npos) << text;
  EXPECT_EQ(text.find("correct-horse"), std::string::npos) << text;
  EXPECT_EQ(text.find("tok-123"), std::string::npos) << text;
}

}  // namespace
}  // namespace hotreload
