// UTF-8 well-formedness (RFC 3629), shared by the loaders that refuse invalid text and the
// writers that replace it, so both agree on what "invalid" means.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hotreload::detail {

// The length of the well-formed UTF-8 sequence starting at text[i], or 0 if there is none:
// overlong forms, surrogates, code points above U+10FFFF and cut-short sequences are invalid,
// as in Go's utf8.ValidString and nlohmann's dump().
std::size_t utf8_sequence_length(std::string_view text, std::size_t i);

// `text` with each byte that starts no well-formed sequence replaced by U+FFFD, for quoting
// untrusted bytes in a message.
std::string replace_invalid_utf8(std::string_view text);

// The offset of the first byte that is not part of a well-formed sequence, or npos.
std::size_t find_invalid_utf8(std::string_view text);

}  // namespace hotreload::detail
