#include <openssl/evp.h>

#include <array>
#include <fstream>
#include <memory>

#include "hotreload/audit.hpp"

namespace hotreload {
namespace {

struct DigestContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using DigestContext = std::unique_ptr<EVP_MD_CTX, DigestContextDeleter>;

std::string to_hex(const unsigned char* bytes, unsigned length) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned i = 0; i < length; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 0x0f]);
  }
  return out;
}

// Feeds chunks from `next` (which returns false when done) into one SHA-256; nullopt on failure.
template <class Next>
std::optional<std::string> digest(Next&& next) {
  DigestContext context(EVP_MD_CTX_new());
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1) return std::nullopt;
  std::string_view chunk;
  bool ok = true;
  while (next(chunk, ok)) {
    if (EVP_DigestUpdate(context.get(), chunk.data(), chunk.size()) != 1) return std::nullopt;
  }
  if (!ok) return std::nullopt;
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned length = 0;
  if (EVP_DigestFinal_ex(context.get(), out.data(), &length) != 1) return std::nullopt;
  return to_hex(out.data(), length);
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  bool done = false;
  auto hash = digest([&](std::string_view& chunk, bool&) {
    if (done) return false;
    chunk = bytes;
    done = true;
    return true;
  });
  return hash.value_or("");
}

std::optional<std::string> sha256_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::array<char, 65536> buffer{};
  return digest([&](std::string_view& chunk, bool& ok) {
    in.read(buffer.data(), buffer.size());
    std::streamsize got = in.gcount();
    if (in.bad()) {
      ok = false;
      return false;
    }
    if (got <= 0) return false;
    chunk = std::string_view(buffer.data(), static_cast<std::size_t>(got));
    return true;
  });
}

}  // namespace hotreload
