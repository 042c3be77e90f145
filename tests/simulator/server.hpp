// The OpenRouter simulator: an HTTP server on 127.0.0.1 speaking OpenRouter's API under /api/v1, plus a control API
// under /_sim for tests. Runs in-process (tests) or as the openrouter-sim program.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
}
}  // namespace Poco

namespace moltbot::sim {

// The keys known when none are configured: a user key and a management key (only the latter may call /credits).
inline constexpr const char *kDefaultKey = "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";
inline constexpr const char *kDefaultManagementKey =
    "sk-or-v1-ba5eba11ba5eba11ba5eba11ba5eba11ba5eba11ba5eba11ba5eba11ba5eba11";

struct Options {
    std::uint16_t port = 0;         // 0: an ephemeral port
    std::vector<std::string> keys;  // user keys; with no keys at all the two defaults above
    std::vector<std::string> managementKeys;
    int cacheMinTokens = 1024;       // shorter prompt prefixes are never cached
    int chunkDelayMs = 0;            // pause between streamed chunks
    bool leadingWhitespace = false;  // whitespace keep-alive before every non-streaming body
    int freeRequestsPerMinute = 20;  // per key, over all :free models; 0: unlimited
    // "cheapest" (the default): a request without provider.order goes to the cheapest endpoint first.
    // "round-robin": such a request goes to the model's endpoints in turn, as OpenRouter's load balancing spreads
    // them, so that a client's provider pinning (and its prompt caches, which are per provider) can be observed.
    std::string balance = "cheapest";
};

class Simulator {
public:
    explicit Simulator(Options options = {});
    ~Simulator();
    Simulator(const Simulator &) = delete;
    Simulator &operator=(const Simulator &) = delete;

    // Binds 127.0.0.1:port and serves on a thread pool. Also ignores SIGPIPE process-wide: the disconnect fault
    // writes to sockets it has just shut down.
    void start();
    // Stops accepting, aborts open connections (stalled streams included) and waits for the handlers.
    void stop();

    std::uint16_t port() const;
    // "http://127.0.0.1:PORT/api/v1"
    std::string baseUrl() const;

    // Queues faults given as JSON (see README.md); throws std::invalid_argument when they do not parse.
    void addFaults(const std::string &json);

    struct State;

private:
    std::unique_ptr<State> state_;
    std::unique_ptr<Poco::ThreadPool> pool_;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
};

}  // namespace moltbot::sim
