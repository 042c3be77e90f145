// Test helpers: an in-process simulator on an ephemeral port and a small HTTP client for it.
#pragma once

#include "tests/simulator/server.hpp"

#include <Poco/Net/NameValueCollection.h>
#include <rapidjson/document.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace moltbot::sim::test {

struct Reply {
    int status = 0;
    Poco::Net::NameValueCollection headers;  // case-insensitive names
    std::string body{};

    rapidjson::Document json() const;  // fails the test when the body is not JSON
    std::string header(const std::string &name) const { return headers.get(name, ""); }
};

struct Call {
    std::string method = "GET";
    std::string path{};  // e.g. "/api/v1/models" or "/_sim/faults"
    std::string body{};
    std::map<std::string, std::string> headers{};
    bool auth = true;  // send Authorization: Bearer <key>
    std::string key = kDefaultKey;
    std::chrono::milliseconds timeout{10000};
};

// A running simulator plus helpers to talk to it. Each test gets its own, so no state leaks between tests.
class Fixture {
public:
    explicit Fixture(Options options = {});
    Reply call(const Call &call);
    Reply get(const std::string &path, bool auth = true);
    Reply post(const std::string &path, const std::string &body, bool auth = true);
    // POST /api/v1/chat/completions with `body`.
    Reply chat(const std::string &body);
    // Queues faults; the reply must be 200.
    void faults(const std::string &json);

    Simulator simulator;
};

// The `data:` payloads of an SSE body, in order, and its comment lines.
struct SseEvents {
    std::vector<std::string> data;
    std::vector<std::string> comments;
};
SseEvents parseSse(const std::string &body);

rapidjson::Document parseJson(const std::string &text);

// A JSON string's text, or "<not a string>": a CHECK on it then names what was there instead.
inline std::string str(const rapidjson::Value &value) {
    return value.IsString() ? value.GetString() : "<not a string>";
}

// {"model": model, "messages": [{"role": "user", "content": text}]} plus `extra` members ("\"stream\":true").
std::string chatBody(const std::string &model, const std::string &text, const std::string &extra = "");

}  // namespace moltbot::sim::test
