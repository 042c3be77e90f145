// Shared by `moltbot logs` and `moltbot usage`: the --since flag and opening the request log for reading.
#pragma once

#include "core/requestlog/queries.hpp"
#include "host/cli.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace moltbot::cli {

// --since DURATION as an epoch-millisecond lower bound (now minus the duration); std::nullopt without the flag.
// A bad duration is a UsageError naming the flag.
std::optional<int64_t> sinceFlag(const Invocation &invocation);

// The request log to read, or std::nullopt when there is none yet (nothing was logged). A file that cannot be read
// is a UsageError.
std::optional<requestlog::LogReader> openRequestLog();

// "$0.001069"; "~$0.001069" when estimated.
std::string costText(double usd, bool estimated = false);

}  // namespace moltbot::cli
