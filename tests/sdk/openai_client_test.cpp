// sdk/openai/client.hpp against a fake host: the request chat() sends, the drain after [DONE], error answers, the
// key kept out of messages, and the bounded fetch beneath it.
#include "tests/openrouter/fake_host.hpp"

#include <moltbot/plugin.h>
#include <moltbot/sdk/guard.hpp>
#include <moltbot/sdk/host.hpp>
#include <moltbot/sdk/json.hpp>
#include <moltbot/sdk/openai/client.hpp>
#include <moltbot/sdk/openai/request.hpp>

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

using namespace moltbot::openrouter::test;  // the fake host: Canned answers, recorded Events
namespace json = moltbot::sdk::json;
namespace openai = moltbot::sdk::openai;

namespace {

const openai::Dialect kLocal("local");
const std::string kKey = "sk-test-0123456789abcdef";
const std::string kRequest = R"({"model":"llama3","messages":[{"role":"user","content":"hi"}]})";

const std::string kAnswer =
    "data: {\"id\":\"c1\",\"model\":\"llama3\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"}}]}\n\n"
    "data: {\"id\":\"c1\",\"model\":\"llama3\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
    "data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}\n\n"
    "data: [DONE]\n\n";

struct Outcome {
    int32_t code = MB_OK;
    std::string message;
    int32_t http = 0;
    int64_t retryAfterMs = -1;
};

// A fake host answering /chat/completions with `answers`, and chat() against it.
struct Rig {
    explicit Rig(std::vector<Canned> answers) { host.route("/chat/completions", std::move(answers)); }

    Outcome chat(bool stream, openai::Limits limits = {}) {
        openai::Endpoint endpoint;
        endpoint.url = "http://127.0.0.1:9/v1/chat/completions";
        endpoint.apiKey = kKey;
        endpoint.headers = "X-Title: test\n";
        endpoint.limits = limits;
        Outcome out;
        try {
            out.code = openai::chat(moltbot::sdk::Host(host.api()), moltbot::sdk::Call(&events.call), kLocal, endpoint,
                                    openai::requestBody(kRequest, "", stream), stream);
        } catch (const moltbot::sdk::Failure &failure) {
            out = {failure.code(), failure.message(), failure.httpStatus(), failure.retryAfterMs()};
        }
        return out;
    }

    // The code and message of a call expected to fail.
    std::pair<int32_t, std::string> failure(bool stream, openai::Limits limits = {}) {
        Outcome out = chat(stream, limits);
        return {out.code, out.message};
    }

    FakeHost host;
    Events events;
};

using Failed = std::pair<int32_t, std::string>;

}  // namespace

TEST_CASE("chat: POST with the key, Accept and the provider's headers; a stream's events") {
    Rig rig({Canned{200, kSseHeaders, kAnswer}});
    REQUIRE(rig.chat(true).code == MB_OK);
    auto sent = rig.host.requestsTo("/chat/completions");
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].method == "POST");
    CHECK(sent[0].headers == "Authorization: Bearer " + kKey +
                                 "\nContent-Type: application/json\nAccept: text/event-stream\nX-Title: test\n");
    rapidjson::Document body;
    REQUIRE(json::parse(body, sent[0].body));
    CHECK(body["stream_options"]["include_usage"].IsTrue());
    CHECK(rig.events.kinds() ==
          std::vector<uint32_t>{MB_EVENT_META, MB_EVENT_TEXT_DELTA, MB_EVENT_USAGE, MB_EVENT_DONE});
}

TEST_CASE("chat: [DONE] then more bytes are drained, not aborted, and emit nothing") {
    Rig rig({Canned{200, kSseHeaders, kAnswer + "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n"
                                                 ": trailing\n\n"}});
    CHECK(rig.chat(true).code == MB_OK);
    CHECK(rig.host.aborts == 0);
    CHECK(rig.events.kinds().back() == MB_EVENT_DONE);
    CHECK(rig.events.of(MB_EVENT_TEXT_DELTA).size() == 1);

    // An upstream that keeps sending after [DONE] is cut at the drain bound: the answer is still complete.
    Rig endless({Canned{200, kSseHeaders, kAnswer + std::string(200, ':') + "\n"}});
    openai::Limits limits;
    limits.maxDrainBytes = 100;
    CHECK(endless.chat(true, limits).code == MB_OK);
    CHECK(endless.host.aborts == 1);
    CHECK(endless.events.kinds().back() == MB_EVENT_DONE);
}

TEST_CASE("chat: HTTP errors, error chunks and JSON errors instead of a stream are classified alike") {
    Rig rig({Canned{429, std::string(kJsonHeaders) + "Retry-After: 3\r\n", R"({"error":{"message":"slow down"}})"},
             Canned{200, kSseHeaders,
                    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n"
                    "data: {\"error\":{\"message\":\"slow down\",\"code\":429}}\n\n"},
             Canned{200, kJsonHeaders, R"({"error":{"message":"slow down","code":429}})"},
             Canned{200, kJsonHeaders, "<html>"}});
    Outcome status = rig.chat(true);
    CHECK(status.code == MB_ERR_RATE_LIMITED);
    CHECK(status.http == 429);
    CHECK(status.retryAfterMs == 3000);
    CHECK(status.message == "local HTTP 429: slow down");
    CHECK(rig.failure(true) == Failed{MB_ERR_RATE_LIMITED, "local stream error 429: slow down"});
    CHECK(rig.failure(true) == Failed{MB_ERR_RATE_LIMITED, "local response error 429: slow down"});
    CHECK(rig.failure(true) ==
          Failed{MB_ERR_UPSTREAM_PROTOCOL, "local answered a stream request without an event stream"});
}

TEST_CASE("chat: the key never reaches a message; a transport failure names the upstream") {
    Rig rig({Canned{401, "", "invalid key " + kKey + " (" + kKey + ")"}, Canned{0, "", "", MB_ERR_TRANSPORT}});
    CHECK(rig.failure(false) == Failed{MB_ERR_AUTH, "local HTTP 401: invalid key [redacted] ([redacted])"});
    CHECK(rig.failure(false) == Failed{MB_ERR_TRANSPORT, "local request failed: canned transport failure"});
}

TEST_CASE("chat: complete() answers META, RESPONSE, USAGE; a body over its bound fails; cancellation") {
    const std::string answer = R"({"id":"r1","model":"llama3","choices":[{"index":0,"message":{"content":"Hi"},)"
                               R"("finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1}})";
    Rig rig({Canned{200, kJsonHeaders, answer}, Canned{200, kJsonHeaders, std::string(2000, ' ') + answer}});
    REQUIRE(rig.chat(false).code == MB_OK);
    CHECK(rig.events.kinds() == std::vector<uint32_t>{MB_EVENT_META, MB_EVENT_RESPONSE, MB_EVENT_USAGE});
    CHECK(rig.host.requestsTo("/chat/completions")[0].headers.find("Accept: application/json\n") != std::string::npos);
    openai::Limits small;
    small.maxResponseBytes = 1000;
    CHECK(rig.failure(false, small) == Failed{MB_ERR_UPSTREAM_PROTOCOL, "local response larger than 1000 bytes"});

    rig.events.cancelled = true;
    std::size_t before = rig.host.requests.size();
    CHECK(rig.chat(true).code == MB_ERR_CANCELLED);
    CHECK(rig.host.requests.size() == before);  // nothing was sent
}

TEST_CASE("requestHeaders refuses a key with a line break; fetch keeps an error body up to its bound") {
    CHECK_THROWS_WITH(openai::requestHeaders(kLocal, "sk\r\nX-Evil: 1", "application/json", false, ""),
                      "The API key for local contains a line break.");
    CHECK(openai::requestHeaders(kLocal, "", "application/json", false, "A: b\n") ==
          "Accept: application/json\nA: b\n");  // no key: no Authorization header

    FakeHost host;
    host.route("/models", Canned{500, "", std::string(5000, 'e')});
    moltbot::sdk::Host::HttpRequest request;
    request.url = "http://127.0.0.1:9/v1/models";
    openai::Limits limits;
    limits.maxErrorBytes = 100;
    Events events;
    openai::Exchange answer = openai::fetch(moltbot::sdk::Host(host.api()), moltbot::sdk::Call(&events.call), kLocal,
                                            request, limits);
    CHECK(answer.status == 500);
    CHECK(answer.body.size() == 100);  // cut on purpose, and still an answer to classify
}
