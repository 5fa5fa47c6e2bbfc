// FlagSet: copy-on-write flag tables published through a Snapshot, and Unleash's bucketing.
#include <array>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

#include <murmurhash.h>

#include "hotreload/flags.hpp"

namespace hotreload {
namespace {

void print_unknown(std::string_view name) {
  std::fprintf(stderr, "hotreload: unknown feature flag \"%.*s\" is off\n", static_cast<int>(name.size()),
               name.data());
}

Result<void> check(const FlagConfig& flag) {
  if (flag.name.empty()) return unexpected(Error{ErrorCode::usage, "a feature flag needs a name", {}, {}});
  if (flag.percentage < 0 || flag.percentage > 100) {
    return unexpected(Error{ErrorCode::usage,
                            "feature flag \"" + flag.name + "\": percentage must be from 0 to 100, got " +
                                std::to_string(flag.percentage),
                            {},
                            {}});
  }
  return {};
}

detail::FlagTable::Entry entry_for(FlagConfig flag) {
  std::string group = flag.group.empty() ? flag.name : flag.group;
  return {std::move(flag), std::move(group)};
}

std::uint32_t murmur3_32(const char* data, std::size_t size) noexcept {
  std::uint32_t out[1] = {0};
  lmmh_x86_32(data, static_cast<unsigned int>(size), 0, out);
  return out[0];
}

}  // namespace

int FlagSet::bucket(std::string_view group, std::string_view user) noexcept {
  // The hash runs over the joined bytes; hashing the parts separately gives a different value,
  // so join them in a stack buffer and only fall back to the heap for unusually long input.
  const std::size_t size = group.size() + 1 + user.size();
  std::array<char, 256> stack;
  std::uint32_t hash = 0;
  if (size <= stack.size()) {
    std::memcpy(stack.data(), group.data(), group.size());
    stack[group.size()] = ':';
    std::memcpy(stack.data() + group.size() + 1, user.data(), user.size());
    hash = murmur3_32(stack.data(), size);
  } else {
    try {
      std::string joined;
      joined.reserve(size);
      joined.append(group).append(1, ':').append(user);
      hash = murmur3_32(joined.data(), joined.size());
    } catch (...) {
      return 100;  // out of memory: the last bucket, in a rollout only at 100%
    }
  }
  return static_cast<int>(hash % 100) + 1;
}

FlagSet::FlagSet(UnknownFlagSink on_unknown)
    : table_(std::make_shared<const detail::FlagTable>()),
      on_unknown_(on_unknown ? std::move(on_unknown) : UnknownFlagSink(print_unknown)) {}

Result<void> FlagSet::set(FlagConfig flag) {
  if (auto ok = check(flag); !ok) return ok;
  std::lock_guard lock(write_mu_);
  auto next = std::make_shared<detail::FlagTable>(*table_.load());
  std::string name = flag.name;
  next->flags.insert_or_assign(std::move(name), entry_for(std::move(flag)));
  table_.publish(std::move(next));
  return {};
}

namespace {

Result<std::shared_ptr<detail::FlagTable>> build_table(std::vector<FlagConfig> flags) {
  auto table = std::make_shared<detail::FlagTable>();
  table->flags.reserve(flags.size());
  for (FlagConfig& flag : flags) {
    if (auto ok = check(flag); !ok) return unexpected(ok.error());
    std::string name = flag.name;
    auto [it, inserted] = table->flags.try_emplace(std::move(name), entry_for(std::move(flag)));
    if (!inserted) {
      return unexpected(Error{ErrorCode::usage, "feature flag \"" + it->first + "\" is defined twice", {}, {}});
    }
  }
  return table;
}

}  // namespace

Result<void> FlagSet::replace(std::vector<FlagConfig> flags) {
  auto next = build_table(std::move(flags));
  if (!next) return unexpected(next.error());
  std::lock_guard lock(write_mu_);
  table_.publish(std::move(*next));
  return {};
}

Result<void> FlagSet::check_all(const std::vector<FlagConfig>& flags) {
  auto built = build_table(flags);
  if (!built) return unexpected(built.error());
  return {};
}

std::vector<FlagConfig> FlagSet::flags() const {
  auto table = table_.load();
  std::vector<FlagConfig> out;
  out.reserve(table->flags.size());
  for (const auto& [name, entry] : table->flags) out.push_back(entry.config);
  return out;
}

void FlagSet::report_unknown(std::string_view name) const {
  {
    std::lock_guard lock(unknown_mu_);
    if (reported_.find(name) != reported_.end()) return;
    try {
      reported_.emplace(name);
    } catch (...) {
      return;  // out of memory: skip the report rather than fail the check
    }
  }
  // Outside the lock: the sink may itself check flags.
  try {
    on_unknown_(name);
  } catch (...) {
    // A reporting sink must not turn a flag check into a failure.
  }
}

const detail::FlagTable::Entry* FlagView::lookup(std::string_view name) const {
  const auto& flags = table_->flags;
  auto it = flags.find(name);
  if (it == flags.end()) [[unlikely]] {
    set_->report_unknown(name);
    return nullptr;
  }
  return &it->second;
}

bool FlagView::is_enabled(std::string_view name) const {
  const auto* entry = lookup(name);
  return entry != nullptr && entry->config.enabled && entry->config.percentage >= 100;
}

bool FlagView::is_enabled_for_user(std::string_view name, std::string_view user) const {
  const auto* entry = lookup(name);
  if (entry == nullptr || !entry->config.enabled) return false;
  const int percentage = entry->config.percentage;
  if (percentage >= 100) return true;
  if (percentage <= 0) return false;
  return FlagSet::bucket(entry->group, user) <= percentage;
}

std::optional<FlagConfig> FlagView::find(std::string_view name) const {
  auto it = table_->flags.find(name);
  if (it == table_->flags.end()) return std::nullopt;
  return it->second.config;
}

}  // namespace hotreload
