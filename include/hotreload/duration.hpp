// Durations as people write them in configs ("500ms", "5s", "2m", "1h30m", "PT5S"), and their
// binding to std::chrono types through nlohmann::json's adl_serializer.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "hotreload/result.hpp"

namespace hotreload {

// Accepts a sequence of <number><unit> with units ns, us (or µs), ms, s, m, h, d, optionally
// signed, fractions allowed ("1.5s"), and ISO 8601 "PT1H30M5.5S" / "P1D". A bare number is refused:
// "5" could mean seconds or milliseconds, and guessing is how outages start.
Result<std::chrono::nanoseconds, std::string> parse_duration(std::string_view text);

// The shortest exact form: "500ms", "1h30m", "0s".
std::string format_duration(std::chrono::nanoseconds duration);

namespace detail {
// Converts, refusing values that would lose precision or overflow the target type.
template <class Rep, class Period>
Result<std::chrono::duration<Rep, Period>, std::string> narrow_duration(std::chrono::nanoseconds ns) {
  using Target = std::chrono::duration<Rep, Period>;
  using Wide = std::chrono::duration<long double, std::nano>;
  long double target_count = std::chrono::duration_cast<std::chrono::duration<long double, Period>>(Wide(ns.count())).count();
  if (target_count > static_cast<long double>(std::chrono::duration_values<Rep>::max()) ||
      target_count < static_cast<long double>(std::chrono::duration_values<Rep>::min())) {
    return unexpected(std::string("out of range"));
  }
  Target converted = std::chrono::duration_cast<Target>(ns);
  if constexpr (std::chrono::treat_as_floating_point_v<Rep>) {
    return converted;
  } else {
    if (std::chrono::duration_cast<std::chrono::nanoseconds>(converted) != ns) {
      return unexpected(std::string("not a whole number of ") + format_duration(std::chrono::duration_cast<std::chrono::nanoseconds>(Target(1))));
    }
    return converted;
  }
}
}  // namespace detail

}  // namespace hotreload

namespace nlohmann {

// Lets `j.get<std::chrono::milliseconds>()` and NLOHMANN_DEFINE_TYPE_* structs with chrono
// members read "500ms". Errors go through nlohmann's type_error so its diagnostics carry the
// JSON pointer, which hotreload maps back to file:line:col.
template <class Rep, class Period>
struct adl_serializer<std::chrono::duration<Rep, Period>> {
  template <class BasicJson>
  static void from_json(const BasicJson& j, std::chrono::duration<Rep, Period>& out) {
    if (!j.is_string()) {
      throw detail::type_error::create(302, std::string("expected a duration such as \"500ms\", got ") + j.type_name(), &j);
    }
    const auto& text = j.template get_ref<const typename BasicJson::string_t&>();
    auto parsed = hotreload::parse_duration(text);
    if (!parsed) {
      throw detail::type_error::create(302, "invalid duration \"" + text + "\": " + parsed.error(), &j);
    }
    auto narrowed = hotreload::detail::narrow_duration<Rep, Period>(*parsed);
    if (!narrowed) {
      throw detail::type_error::create(302, "duration \"" + text + "\" is " + narrowed.error(), &j);
    }
    out = *narrowed;
  }

  template <class BasicJson>
  static void to_json(BasicJson& j, const std::chrono::duration<Rep, Period>& value) {
    j = hotreload::format_duration(std::chrono::duration_cast<std::chrono::nanoseconds>(value));
  }
};

}  // namespace nlohmann
