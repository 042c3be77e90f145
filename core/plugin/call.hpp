// What one call into a provider reports: its result, and the sink and cancel check its events and polls go through.
// One set of types from the plugin call (core/plugin/provider_instance.hpp) up through the runtime's backend to the
// pipeline's runner, which includes this header and nothing else of core/plugin (docs/architecture.md).
#pragma once

#include <moltbot/plugin.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace moltbot::plugin {

struct CallResult {
    int32_t status = MB_OK;    // MB_OK or an MB_ERR_* code
    int32_t httpStatus = 0;    // the upstream's HTTP status, or 0
    int64_t retryAfterMs = -1; // how long the upstream asked to wait, or -1
    std::string message;       // the plugin's error text, or the host's description of what the plugin did wrong
    bool ok() const { return status == MB_OK; }
};

// Receives each event (an MB_EVENT_* kind and its JSON object) on the calling thread. Returning false cancels.
// An exception thrown here stops the call and is rethrown by the ProviderInstance function once the plugin returned.
using EventSink = std::function<bool(uint32_t kind, std::string_view json)>;
// Polled while the call runs (when the plugin asks whether it was cancelled): true ends it as MB_ERR_CANCELLED.
// May be empty.
using CancelCheck = std::function<bool()>;

}  // namespace moltbot::plugin
