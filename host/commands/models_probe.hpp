// What `moltbot models status` adds beyond the config: with --probe, each provider's answer about its API key (the
// MB_EXT_KEY_INFO extension, which `moltbot onboard` also asks), and always the models the pipeline has put in
// cooldown (<state dir>/cooldowns.json).
#pragma once

#include "core/config/config.hpp"
#include "core/pipeline/cooldowns.hpp"
#include "core/runtime/runtime.hpp"

#include <rapidjson/document.h>

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace moltbot::cli {

struct KeyProbe {
    enum class Result { Valid, Rejected, Unsupported, Failed };
    std::string provider;
    Result result = Result::Failed;
    std::string message;                 // why it was rejected or could not be checked
    rapidjson::Document info;            // the provider's key object when valid (OpenRouter: GET /key's data)
};

struct StatusExtras {
    std::vector<KeyProbe> probes;  // empty without --probe
    std::vector<std::pair<std::string, pipeline::Cooldown>> cooldowns;  // still running, soonest first

    // False when a probe found a key rejected.
    bool keysAccepted() const;
    void printText(std::ostream &out) const;
    void addJson(rapidjson::Document &doc) const;
};

// One cooldown as `models status` and `models cooldowns` show it: "REF until 2026-11-25T04:45:01Z (in 2m;
// rate_limited, 1 failure)", and as JSON {model, until, untilMs, reason, failures}.
std::string cooldownLine(const std::string &ref, const pipeline::Cooldown &entry, int64_t nowMs);
rapidjson::Value cooldownJson(const std::string &ref, const pipeline::Cooldown &entry,
                              rapidjson::Document::AllocatorType &allocator);

// Asks the plugin serving `provider` about the key it is configured with (the MB_EXT_KEY_INFO extension; OpenRouter:
// GET /key). Never throws: a failure to check is Result::Failed with its message.
KeyProbe probeKey(runtime::Runtime &host, const std::string &provider);

// Probes the keys of `providers` (those with a key) through `host` when `probe` is set, and reads the cooldowns.
// `host` is the status command's own runtime: plugins are loaded once per process.
StatusExtras collectStatusExtras(runtime::Runtime &host, const std::vector<std::string> &providers, bool probe);

}  // namespace moltbot::cli
