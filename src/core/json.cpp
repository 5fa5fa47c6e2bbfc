#include "hotreload/json.hpp"

namespace hotreload {

nlohmann::ordered_json to_json(const Error& error) {
  auto text_or_null = [](const std::string& text) -> nlohmann::ordered_json {
    return text.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(text);
  };
  auto number_or_null = [](std::uint32_t number) -> nlohmann::ordered_json {
    return number == 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(number);
  };
  nlohmann::ordered_json out;
  out["code"] = to_string(error.code);
  out["message"] = error.message;
  out["file"] = text_or_null(error.location.file);
  out["line"] = number_or_null(error.location.line);
  out["column"] = number_or_null(error.location.column);
  out["path"] = text_or_null(error.path);
  return out;
}

}  // namespace hotreload
