// The simulator's mutable state and the HTTP helpers shared by its request handlers (server.cpp, chat.cpp).
#pragma once

#include "tests/simulator/faults.hpp"
#include "tests/simulator/prompt.hpp"
#include "tests/simulator/server.hpp"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace moltbot::sim {

using Headers = std::vector<std::pair<std::string, std::string>>;

// An error as OpenRouter sends it: {"error":{"message","code","metadata"?},"user_id"?}.
struct ApiError {
    int status = 500;
    std::string message;
    std::string metadata;  // a serialised JSON object, or empty
    Headers headers;       // extra response headers (Retry-After, X-RateLimit-*)
};

struct KeyInfo {
    std::string label;  // empty: the masked key
    std::optional<double> limit;
    std::string limitReset;  // daily|weekly|monthly, or empty for null
    double usage = 0;        // USD, grows with every served generation
    double totalCredits = 100;
    bool freeTier = false;
    bool management = false;
};

struct Generation {
    std::string id;
    std::string key;
    std::string model;
    std::string providerName;
    std::int64_t createdMs = 0;
    Usage usage;
    double cacheDiscount = 0;  // saved by cache reads (positive), or paid extra for writes (negative)
    std::string finishReason;
    std::string nativeFinishReason;
    bool streamed = false;
    std::string origin;  // HTTP-Referer
    std::string userAgent;
    std::string user;       // body "user"
    std::string sessionId;  // body session_id, else the x-session-id header
};

// One routing attempt: which model and endpoint, and the status it ended with.
struct Attempt {
    std::string model;
    std::string provider;  // endpoint tag; empty for a model-level failure
    int status = 0;
};

struct RecordedRequest {
    std::uint64_t seq = 0;
    std::string method;
    std::string path;
    std::string query;
    Headers headers;
    std::string body;
    int status = 0;
    std::string model;         // the model that served
    std::string provider;      // display name of the endpoint that served
    std::string providerSlug;  // its tag
    std::string generationId;
    std::vector<Attempt> attempts;
};

struct Simulator::State {
    explicit State(Options opts);

    Options options;
    FaultBook faults;
    PromptCache cache;
    std::atomic<bool> stopping{false};
    std::atomic<std::uint64_t> balanceTurn{0};  // --balance round-robin: the next request's first endpoint

    mutable std::mutex mutex;  // guards everything below
    std::map<std::string, KeyInfo> keys;
    std::map<std::string, Generation> generations;
    std::vector<RecordedRequest> requests;
    std::uint64_t nextSeq = 1;
    std::map<std::string, std::deque<SimClock::time_point>> freeRequests;  // per key, within the last minute
    SimClock::duration clockOffset{};

    // Time as the simulator sees it: real time moved on by POST /_sim/clock.
    SimClock::time_point now() const;
    std::int64_t epochMs() const;
    // Sleeps up to `ms`; false when the server is stopping.
    bool sleepFor(int ms) const;
    // Applies `update` to the recorded request `seq`, if it is still recorded.
    template <typename F>
    void updateRecord(std::uint64_t seq, F update) {
        std::lock_guard lock(mutex);
        for (auto it = requests.rbegin(); it != requests.rend(); ++it) {
            if (it->seq == seq) {
                update(*it);
                return;
            }
        }
    }
};

void sendJson(Poco::Net::HTTPServerResponse &response, int status, const std::string &body,
              const Headers &headers = {});
void sendError(Poco::Net::HTTPServerResponse &response, const ApiError &error);
// The default message and metadata.error_type for an error status.
const char *defaultErrorMessage(int status);
const char *errorType(int status);

// POST /chat/completions after authentication; the body has already been parsed.
void handleChat(Simulator::State &state, Poco::Net::HTTPServerRequest &request, Poco::Net::HTTPServerResponse &response,
                std::uint64_t seq, const std::string &key, const rapidjson::Document &body);

}  // namespace moltbot::sim
