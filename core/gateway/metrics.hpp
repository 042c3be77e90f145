// The gateway's Prometheus metrics, served as text on GET /metrics (docs/gateway.md#metrics). The registry, the
// metric types and the text format are prometheus-cpp's core library; this class only names the series and keeps
// the request path cheap. Thread-safe: every request thread of the server calls it at once.
//
// Label cardinality stays bounded because no label ever holds what a client wrote:
// - `model` is a resolved ref from the session's chain (a catalog model or a configured fallback), never the raw
//   `model` string of a request: a request whose model did not resolve is passed as "" and counted as "unknown".
//   As a safety net, past 1000 distinct models any new one is counted as "other".
// - `key` is the name of a gateway key from the keys file, never the secret a client presented (a refused or
//   unknown key is ""); "" is counted as "none", which is also every request of a gateway without keys.
// - `status` is the HTTP status sent, as a string ("200", "429", "499" for a client that left).
// - `reason` (rejections) is one of a fixed set; anything else is counted as "other".
#pragma once

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace prometheus {
class Registry;
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace moltbot::gateway {

// One chat completion request, once its answer was sent (or the client left).
struct RequestSample {
    std::string model;          // the resolved ref that answered (or failed last); "" when none resolved
    std::string key;            // gateway key name; "" without keys
    int status = 0;             // HTTP status sent (499 for a client that left)
    double latencySeconds = 0;  // arrival to the last byte
    double ttftSeconds = -1;    // arrival to the first byte of a streamed answer; < 0: none (or not streamed)
    int64_t promptTokens = 0;   // tokens as the upstream reported them; <= 0: none counted
    int64_t completionTokens = 0;
    int64_t cachedTokens = 0;   // the part of promptTokens read from a prompt cache
    double costUsd = 0;         // <= 0: none counted
    int retries = 0;            // extra attempts on the same model, over the whole chain
    bool fellBack = false;      // answered by a model other than the first of the chain
};

class Metrics {
public:
    Metrics();
    ~Metrics();
    Metrics(const Metrics &) = delete;
    Metrics &operator=(const Metrics &) = delete;

    // A chat request began (in flight +1); each is ended by exactly one requestFinished.
    void requestStarted();
    // In flight -1, then the request's counters and histograms. The first call for a (model, key, status)
    // registers its series; every later one is a lookup under a shared lock and atomic adds.
    void requestFinished(const RequestSample &sample);
    // A request refused before any upstream call, for `reason`: "budget" (the key's budget is spent), "rpm", "tpm"
    // (its rate limits), "auth" (no or an unknown, revoked or expired key: pass "" as `key`), "model" (the key may
    // not use the model), "state" (the state backend could not count it: a 503). Counted besides requestFinished, which counts the request with its status.
    void rejected(const std::string &key, std::string_view reason);
    // The state backend (core/state) answered, or could not: moltbot_state_backend_up 1 or 0.
    void stateUp(bool up);
    // Session stickiness: a request sent to its session's provider (moltbot_sticky_pins_total), and a state backend
    // error on the sticky path, which never fails the request (moltbot_sticky_errors_total).
    void stickyPinned();
    void stickyError();
    // The pipeline put `model` (a resolved ref) in cooldown.
    void cooldownStarted(const std::string &model);
    // A plugin call serving `model` never returned after its request's deadline: its thread is written off.
    void pluginCallWrittenOff(const std::string &model);

    // Every series in Prometheus's text exposition format (version 0.0.4).
    std::string render() const;
    static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

private:
    struct Series;  // the metrics one (model, key, status) touches, looked up once and cached

    const Series &series(const std::string &model, const std::string &key, int status);
    // The model's label: "unknown" for "", "other" once the cap of distinct models is reached. Under the lock.
    const std::string &modelLabel(const std::string &model);

    std::shared_ptr<prometheus::Registry> registry_;
    prometheus::Family<prometheus::Counter> &requests_;
    prometheus::Family<prometheus::Histogram> &latency_;
    prometheus::Family<prometheus::Histogram> &ttft_;
    prometheus::Family<prometheus::Counter> &promptTokens_;
    prometheus::Family<prometheus::Counter> &completionTokens_;
    prometheus::Family<prometheus::Counter> &cachedTokens_;
    prometheus::Family<prometheus::Counter> &cost_;
    prometheus::Family<prometheus::Counter> &fallbacks_;
    prometheus::Family<prometheus::Counter> &rejections_;
    prometheus::Family<prometheus::Counter> &cooldowns_;
    prometheus::Family<prometheus::Counter> &writtenOff_;
    prometheus::Counter &retries_;
    prometheus::Counter &stickyPins_;
    prometheus::Counter &stickyErrors_;
    prometheus::Gauge &inFlight_;
    prometheus::Gauge &stateUp_;

    // (model, key, status) as the caller gave them -> its series; looked up without building a string.
    struct SeriesKey {
        std::string model;
        std::string key;
        int status = 0;
    };
    struct SeriesKeyView {
        std::string_view model;
        std::string_view key;
        int status = 0;
    };
    struct SeriesHash {
        using is_transparent = void;
        std::size_t operator()(const SeriesKeyView &k) const noexcept;
        std::size_t operator()(const SeriesKey &k) const noexcept { return (*this)(SeriesKeyView{k.model, k.key, k.status}); }
    };
    struct SeriesEqual {
        using is_transparent = void;
        static SeriesKeyView view(const SeriesKey &k) { return {k.model, k.key, k.status}; }
        static SeriesKeyView view(const SeriesKeyView &k) { return k; }
        template <typename A, typename B>
        bool operator()(const A &a, const B &b) const noexcept {
            SeriesKeyView x = view(a), y = view(b);
            return x.status == y.status && x.model == y.model && x.key == y.key;
        }
    };

    mutable std::shared_mutex mutex_;
    // Bounded by the model cap × keys × statuses (a model past the cap shares the "other" entry).
    std::unordered_map<SeriesKey, std::unique_ptr<Series>, SeriesHash, SeriesEqual> series_;
    std::unordered_set<std::string> models_;  // the distinct model labels given out, for the cap
};

}  // namespace moltbot::gateway
