// The limit flags of `moltbot keys create` and `moltbot keys update` (--budget, --period, --rpm, --tpm, --models,
// --expires), read into a gateway key. Every error is a UsageError naming the flag and the value.
#pragma once

#include "core/keys/key_store.hpp"
#include "host/cli.hpp"

#include <Poco/Util/OptionSet.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace moltbot::cli {

// Adds the limit flags to a command; `update` adds the "none"/"never" spellings to their help.
void defineLimitFlags(Poco::Util::OptionSet &options, bool update);

// Applies the limit flags present in `invocation` to `key`. With `update`, "none" clears --budget, --rpm, --tpm and
// --models, and "never" clears --expires. Returns whether any limit flag was given.
bool applyLimitFlags(const Invocation &invocation, keys::GatewayKey &key, int64_t nowMs, bool update);

// The end of an --expires value: a positive duration from `nowMs` (util::parseDuration: 30m, 12h, 7d, 2w, 1h30m),
// a date (2027-01-31: that day's 00:00 UTC) or a UTC time (2027-01-31T12:00:00Z). std::nullopt when `text` is none
// of them.
std::optional<int64_t> parseExpiry(std::string_view text, int64_t nowMs);

}  // namespace moltbot::cli
