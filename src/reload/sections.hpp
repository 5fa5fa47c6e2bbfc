// Which named sections of a section reload (Reloader::reload_sections) exist.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "hotreload/document.hpp"
#include "hotreload/error.hpp"
#include "hotreload/result.hpp"

namespace hotreload::detail {

// A usage error ("unknown section \"zzz\": ...") for each section that is a path
// of neither the live document nor the files as they are now. `load` reads the files; it is called
// only when the live document lacks a section (a section the files just added is fine). When it
// fails, nothing is reported here: the reload itself reports why the files cannot be read.
Errors unknown_sections(const std::vector<std::string>& sections, const Document& live,
                        const std::function<Result<Document, Errors>()>& load);

}  // namespace hotreload::detail
