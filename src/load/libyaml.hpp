// Owners for libyaml's C objects, which must be deleted however a read ends: a parser reading one
// text, and one event from it. Both YAML readers built on libyaml use them (yaml_fast_path.cpp,
// yaml_unclosed.cpp).
#pragma once

#include <yaml.h>

#include <string_view>

namespace hotreload::detail {

class LibyamlParser {
 public:
  explicit LibyamlParser(std::string_view text) {
    ready_ = yaml_parser_initialize(&parser_) != 0;
    if (ready_) {
      yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    }
  }
  ~LibyamlParser() {
    if (ready_) yaml_parser_delete(&parser_);
  }
  LibyamlParser(const LibyamlParser&) = delete;
  LibyamlParser& operator=(const LibyamlParser&) = delete;

  bool ready() const { return ready_; }
  yaml_parser_t& get() { return parser_; }

 private:
  yaml_parser_t parser_{};
  bool ready_ = false;
};

// The next event of `parser`; ok() is false on a syntax error (the parser says which) or when
// memory ran out.
class LibyamlEvent {
 public:
  explicit LibyamlEvent(yaml_parser_t& parser) : ok_(yaml_parser_parse(&parser, &event_) != 0) {}
  ~LibyamlEvent() {
    if (ok_) yaml_event_delete(&event_);
  }
  LibyamlEvent(const LibyamlEvent&) = delete;
  LibyamlEvent& operator=(const LibyamlEvent&) = delete;

  bool ok() const { return ok_; }
  const yaml_event_t& get() const { return event_; }

 private:
  yaml_event_t event_{};
  bool ok_ = false;
};

}  // namespace hotreload::detail
