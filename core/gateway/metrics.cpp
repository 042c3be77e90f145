#include "core/gateway/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <array>
#include <cmath>
#include <functional>
#include <mutex>

namespace moltbot::gateway {

namespace {

constexpr std::size_t kMaxModels = 1000;  // distinct model labels; past it, "other"
const std::string kUnknown = "unknown";
const std::string kOther = "other";
const std::string kNone = "none";

// Whole requests, non-streamed answers included: from a fast refusal to a long generation.
const prometheus::Histogram::BucketBoundaries kLatencyBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                                  2.5,   5,    10,    20,   30,  60,   120};
// Time to the first byte of a streamed answer: the upstream's queue and prompt processing.
const prometheus::Histogram::BucketBoundaries kTtftBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                               1,     2,    3,     5,    10,  20,   30};

const std::string &keyLabel(const std::string &key) { return key.empty() ? kNone : key; }

prometheus::Family<prometheus::Counter> &counter(prometheus::Registry &registry, const char *name, const char *help) {
    return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

prometheus::Family<prometheus::Histogram> &histogram(prometheus::Registry &registry, const char *name,
                                                     const char *help) {
    return prometheus::BuildHistogram().Name(name).Help(help).Register(registry);
}

bool positive(double value) { return value > 0 && std::isfinite(value); }

}  // namespace

struct Metrics::Series {
    prometheus::Counter &requests;
    prometheus::Histogram &latency;
    prometheus::Histogram &ttft;
    prometheus::Counter &promptTokens;
    prometheus::Counter &completionTokens;
    prometheus::Counter &cachedTokens;
    prometheus::Counter &cost;
    prometheus::Counter &fallbacks;
};

std::size_t Metrics::SeriesHash::operator()(const SeriesKeyView &k) const noexcept {
    std::size_t h = std::hash<std::string_view>{}(k.model);
    h ^= std::hash<std::string_view>{}(k.key) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h ^= std::hash<int>{}(k.status) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h;
}

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(counter(*registry_, "moltbot_requests_total",
                        "Chat completion requests answered, by the model that answered (or failed last), the gateway "
                        "key and the HTTP status sent")),
      latency_(histogram(*registry_, "moltbot_request_duration_seconds",
                         "Chat completion requests from arrival to the last byte of the answer, by model")),
      ttft_(histogram(*registry_, "moltbot_time_to_first_token_seconds",
                      "Streamed chat completions from arrival to the first byte of the stream, by model")),
      promptTokens_(counter(*registry_, "moltbot_prompt_tokens_total",
                            "Prompt tokens the upstreams reported, cached ones included, by model and gateway key")),
      completionTokens_(counter(*registry_, "moltbot_completion_tokens_total",
                                "Completion tokens the upstreams reported, by model and gateway key")),
      cachedTokens_(counter(*registry_, "moltbot_cached_tokens_total",
                            "Prompt tokens read from a prompt cache (a part of the prompt tokens), by model and "
                            "gateway key")),
      cost_(counter(*registry_, "moltbot_cost_usd_total",
                    "Cost in US dollars of the requests (the access log's cost), by model and gateway key")),
      fallbacks_(counter(*registry_, "moltbot_fallbacks_total",
                         "Requests answered by a model other than the first of their chain, by the model that "
                         "answered")),
      rejections_(counter(*registry_, "moltbot_rejections_total",
                          "Requests refused before any upstream call, by gateway key and reason (budget, rpm, tpm, "
                          "auth, model, state)")),
      cooldowns_(counter(*registry_, "moltbot_cooldowns_started_total",
                         "Cooldowns started, by the model put in cooldown")),
      writtenOff_(counter(*registry_, "moltbot_plugin_calls_written_off_total",
                          "Plugin calls that did not return within the grace after their request's deadline: the "
                          "client was answered 504 and the call's thread left behind, by model")),
      retries_(counter(*registry_, "moltbot_retries_total",
                       "Extra attempts on the same model after a retryable failure, over all requests")
                   .Add({})),
      stickyPins_(counter(*registry_, "moltbot_sticky_pins_total",
                          "Requests sent to the upstream provider their session used before (gateway.stickySeconds)")
                      .Add({})),
      stickyErrors_(counter(*registry_, "moltbot_sticky_errors_total",
                            "State backend errors on the session stickiness path; the request went on unpinned")
                        .Add({})),
      inFlight_(prometheus::BuildGauge()
                    .Name("moltbot_requests_in_flight")
                    .Help("Chat completion requests running now")
                    .Register(*registry_)
                    .Add({})),
      stateUp_(prometheus::BuildGauge()
                   .Name("moltbot_state_backend_up")
                   .Help("1 when the state backend (the state folder, or the shared Redis) answered at the last look, "
                         "else 0")
                   .Register(*registry_)
                   .Add({})) {
    stateUp_.Set(1);
}

Metrics::~Metrics() = default;

const std::string &Metrics::modelLabel(const std::string &model) {
    if (model.empty()) return kUnknown;
    if (auto it = models_.find(model); it != models_.end()) return *it;
    if (models_.size() >= kMaxModels) return kOther;
    return *models_.insert(model).first;  // a set's elements stay where they are
}

const Metrics::Series &Metrics::series(const std::string &model, const std::string &key, int status) {
    {
        std::shared_lock lock(mutex_);
        if (auto it = series_.find(SeriesKeyView{model, key, status}); it != series_.end()) return *it->second;
    }
    std::unique_lock lock(mutex_);
    if (auto it = series_.find(SeriesKeyView{model, key, status}); it != series_.end()) return *it->second;
    const std::string &label = modelLabel(model);
    // A model past the cap is never cached under its own name: it shares the entry of "other".
    auto [it, inserted] = series_.try_emplace(SeriesKey{&label == &kOther ? kOther : model, key, status});
    if (inserted) {
        const std::string &keyName = keyLabel(key);
        prometheus::Labels byModel{{"model", label}};
        prometheus::Labels byModelKey{{"model", label}, {"key", keyName}};
        it->second.reset(new Series{
            requests_.Add({{"model", label}, {"key", keyName}, {"status", std::to_string(status)}}),
            latency_.Add(byModel, kLatencyBuckets),
            ttft_.Add(byModel, kTtftBuckets),
            promptTokens_.Add(byModelKey),
            completionTokens_.Add(byModelKey),
            cachedTokens_.Add(byModelKey),
            cost_.Add(byModelKey),
            fallbacks_.Add(byModel),
        });
    }
    return *it->second;
}

void Metrics::requestStarted() { inFlight_.Increment(); }

void Metrics::stateUp(bool up) { stateUp_.Set(up ? 1 : 0); }

void Metrics::stickyPinned() { stickyPins_.Increment(); }

void Metrics::stickyError() { stickyErrors_.Increment(); }

void Metrics::requestFinished(const RequestSample &sample) {
    inFlight_.Decrement();
    const Series &s = series(sample.model, sample.key, sample.status);
    s.requests.Increment();
    if (std::isfinite(sample.latencySeconds)) s.latency.Observe(sample.latencySeconds < 0 ? 0 : sample.latencySeconds);
    if (sample.ttftSeconds >= 0 && std::isfinite(sample.ttftSeconds)) s.ttft.Observe(sample.ttftSeconds);
    if (sample.promptTokens > 0) s.promptTokens.Increment(static_cast<double>(sample.promptTokens));
    if (sample.completionTokens > 0) s.completionTokens.Increment(static_cast<double>(sample.completionTokens));
    if (sample.cachedTokens > 0) s.cachedTokens.Increment(static_cast<double>(sample.cachedTokens));
    if (positive(sample.costUsd)) s.cost.Increment(sample.costUsd);
    if (sample.fellBack) s.fallbacks.Increment();
    if (sample.retries > 0) retries_.Increment(sample.retries);
}

void Metrics::rejected(const std::string &key, std::string_view reason) {
    static constexpr std::array<std::string_view, 6> kReasons = {"budget", "rpm", "tpm", "auth", "model", "state"};
    std::string_view known = kOther;
    for (std::string_view r : kReasons) {
        if (r == reason) known = r;
    }
    // Rejections are off the upstream path: Family::Add's own lookup (a map under its mutex) is cheap enough.
    rejections_.Add({{"key", keyLabel(key)}, {"reason", std::string(known)}}).Increment();
}

void Metrics::cooldownStarted(const std::string &model) {
    std::string label;
    {
        std::unique_lock lock(mutex_);
        label = modelLabel(model);
    }
    cooldowns_.Add({{"model", label}}).Increment();
}

void Metrics::pluginCallWrittenOff(const std::string &model) {
    std::string label;
    {
        std::unique_lock lock(mutex_);
        label = modelLabel(model);
    }
    writtenOff_.Add({{"model", label}}).Increment();
}

std::string Metrics::render() const { return prometheus::TextSerializer().Serialize(registry_->Collect()); }

}  // namespace moltbot::gateway
