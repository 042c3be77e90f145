// The gateway's access log: one line per request on standard error, as text or one JSON object a line. It holds
// no prompt or answer text and no key.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <mutex>
#include <string>
#include <vector>
#include <string_view>

namespace moltbot::gateway {

struct AccessRecord {
    int64_t timeMs = 0;  // epoch milliseconds at arrival
    std::string method;
    std::string path;
    int status = 0;            // 499: the client went away first
    std::string modelAsked;    // as the client wrote it ("" for the configured primary)
    std::string model;         // the ref that answered (or failed last)
    int attempts = 0;          // models tried
    bool stream = false;
    int64_t promptTokens = -1; // -1: unknown
    int64_t completionTokens = -1;
    int64_t cachedTokens = -1;
    double cost = -1;
    double durationMs = 0;
    double firstByteMs = -1;   // time to the first byte of the answer, -1 when none was sent
    std::string error;         // the error code, for failures
    std::string key;           // the gateway key's name, "" without keys
    std::string provider;      // the upstream's serving provider, when it said
    int64_t cacheWriteTokens = -1;
    bool costEstimated = false;  // `cost` from the catalog's prices, not the upstream's figure
    std::vector<std::string> skipped;  // fallbacks left out: outside the key's model patterns
    int retries = 0;           // extra attempts on a model already tried
    bool fellBack = false;     // answered by a model other than the chain's first
    std::string stickyProvider;  // the provider slug the session's request was pinned to (gateway.stickySeconds)
};

class AccessLog {
public:
    AccessLog(std::ostream &out, bool json) : out_(out), json_(json) {}
    void write(const AccessRecord &record);
    // A free-form line of the server's own ("moltbot: reloaded the config").
    void note(std::string_view line);

private:
    std::ostream &out_;
    bool json_;
    std::mutex mutex_;
};

}  // namespace moltbot::gateway
