// The gateway's pieces without a server: reading a chat request, encoding chunks and responses, mapping failures.
#include "core/gateway/api_error.hpp"
#include "core/gateway/chat_request.hpp"
#include "core/gateway/completion_encoder.hpp"

#include <moltbot/plugin.h>

#include <doctest/doctest.h>

using namespace moltbot::gateway;

namespace {

rapidjson::Document parse(const std::string &text) {
    rapidjson::Document document;
    document.Parse(text.c_str());
    REQUIRE(!document.HasParseError());
    return document;
}

ApiError refusal(const std::string &body) {
    try {
        parseChatRequest(body);
    } catch (const ApiError &error) {
        return error;
    }
    FAIL("accepted: " << body);
    return {};
}

std::string payload(const std::string &event) {
    REQUIRE(event.rfind("data: ", 0) == 0);
    REQUIRE(event.size() > 8);
    return event.substr(6, event.size() - 8);
}

}  // namespace

TEST_CASE("a chat request: model, models and stream are taken out, everything else stays as sent") {
    ChatRequest request = parseChatRequest(
        R"({"model":"sonnet","models":["a/b","gpt"],"stream":true,"stream_options":{"include_usage":true},)"
        R"("messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:x"}}]}],"tools":[],"x":1})");
    CHECK(request.model == "sonnet");
    CHECK(request.models == std::vector<std::string>{"a/b", "gpt"});
    CHECK(request.stream);
    CHECK(request.includeUsage);
    CHECK_FALSE(request.body.HasMember("model"));
    CHECK_FALSE(request.body.HasMember("models"));
    CHECK_FALSE(request.body.HasMember("stream"));
    CHECK(request.body.HasMember("stream_options"));
    CHECK(request.body["x"].GetInt() == 1);
    CHECK(std::string(request.body["messages"][0]["content"][0]["image_url"]["url"].GetString()) == "data:x");

    // A key given twice counts as its last value, as in JavaScript, and no copy reaches the plugin.
    ChatRequest twice = parseChatRequest(R"({"model":"a/b","messages":[],"model":"c/d","stream":true,"stream":false})");
    CHECK(twice.model == "c/d");
    CHECK_FALSE(twice.stream);
    CHECK_FALSE(twice.body.HasMember("model"));
    CHECK_FALSE(twice.body.HasMember("stream"));

    ChatRequest bare = parseChatRequest(R"({"messages":[]})");
    CHECK_FALSE(bare.model.has_value());
    CHECK_FALSE(bare.stream);
}

TEST_CASE("a request that is not one is refused with a 400 that says where") {
    ApiError syntax = refusal(R"({"messages":[1,})");
    CHECK(syntax.status == 400);
    CHECK(syntax.code == "invalid_json");
    CHECK(syntax.message.find("byte offset 15") != std::string::npos);
    CHECK(refusal("\"text\"").code == "invalid_request");
    CHECK(refusal("{}").param == "messages");
    CHECK(refusal(R"({"messages":[],"models":[1]})").code == "invalid_models");
    CHECK(refusal(R"({"messages":[],"stream_options":{"include_usage":1}})").param == "stream_options.include_usage");
    CHECK(refusal("{\"messages\":[],\"x\":\"\xc3\"}").code == "invalid_utf8");
    // A \u escape of a lone surrogate decodes to bytes that are not UTF-8 either (found by the chat-request fuzzer),
    // in a value or in a member name; a pair is one character and passes.
    CHECK(refusal(R"({"messages":[{"role":"user\udeae","content":"a"}]})").code == "invalid_utf8");
    CHECK(refusal(R"({"messages":[],"\udc00":1})").code == "invalid_utf8");
    CHECK(refusal(R"({"messages":[],"x":"\ud83d"})").code == "invalid_json");  // rapidjson refuses a lone high one
    CHECK(parseChatRequest(R"({"messages":[{"role":"user","content":"\ud83d\ude00"}]})").body.IsObject());
    std::string deep = std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']');
    CHECK(refusal(deep).message.find("deeper") != std::string::npos);
    // Brackets inside strings do not count as depth.
    CHECK_NOTHROW(parseChatRequest(R"({"messages":[{"role":"user","content":")" + std::string(1000, '[') + R"("}]})"));
}

TEST_CASE("stream chunks: role first, content, tool calls, finish, the usage chunk, [DONE]") {
    ChunkEncoder encoder("chatcmpl-1", 1700000000, true);
    encoder.setModel("openrouter/x/y");
    auto first = parse(payload(encoder.encode(MB_EVENT_TEXT_DELTA, parse(R"({"text":"Hi"})"))));
    CHECK(std::string(first["object"].GetString()) == "chat.completion.chunk");
    CHECK(std::string(first["model"].GetString()) == "openrouter/x/y");
    CHECK(std::string(first["choices"][0]["delta"]["role"].GetString()) == "assistant");
    CHECK(std::string(first["choices"][0]["delta"]["content"].GetString()) == "Hi");
    CHECK(first["choices"][0]["finish_reason"].IsNull());
    CHECK(first["usage"].IsNull());
    auto tool = parse(payload(encoder.encode(
        MB_EVENT_TOOL_CALL_DELTA, parse(R"({"index":0,"id":"call_1","name":"f","arguments":""})"))));
    CHECK_FALSE(tool["choices"][0]["delta"].HasMember("role"));
    const auto &call = tool["choices"][0]["delta"]["tool_calls"][0];
    CHECK(std::string(call["id"].GetString()) == "call_1");
    CHECK(std::string(call["type"].GetString()) == "function");
    CHECK(std::string(call["function"]["name"].GetString()) == "f");
    CHECK(encoder.encode(MB_EVENT_META, parse(R"({"model":"x"})")).empty());
    auto done = parse(payload(encoder.encode(MB_EVENT_DONE, parse(R"({"finish_reason":"tool_calls"})"))));
    CHECK(std::string(done["choices"][0]["finish_reason"].GetString()) == "tool_calls");

    moltbot::pipeline::Outcome outcome;
    outcome.usage = {true, 10, 5, 4, 0, 0.25};
    std::string tail = encoder.finish(outcome);
    std::size_t split = tail.find("\n\ndata: [DONE]");
    REQUIRE(split != std::string::npos);
    auto usage = parse(tail.substr(6, split - 6));
    CHECK(usage["choices"].Empty());
    CHECK(usage["usage"]["total_tokens"].GetInt() == 15);
    CHECK(usage["usage"]["prompt_tokens_details"]["cached_tokens"].GetInt() == 4);
    CHECK(usage["usage"]["cost"].GetDouble() == doctest::Approx(0.25));
}

TEST_CASE("a whole response: the plugin's object completed, or one assembled from deltas") {
    moltbot::pipeline::Outcome outcome;
    outcome.usage = {true, 3, 2, 0, 0, -1};
    ResponseBuilder fromPlugin;
    fromPlugin.add(MB_EVENT_RESPONSE, parse(R"({"id":"gen-1","choices":[{"index":0,"message":{"role":"assistant","content":"x"}}],"provider":"P"})"));
    auto whole = parse(fromPlugin.build(outcome, "openrouter/a/b", 42));
    CHECK(std::string(whole["id"].GetString()) == "gen-1");
    CHECK(std::string(whole["object"].GetString()) == "chat.completion");
    CHECK(whole["created"].GetInt() == 42);
    CHECK(std::string(whole["model"].GetString()) == "openrouter/a/b");
    CHECK(whole["system_fingerprint"].IsNull());
    CHECK(std::string(whole["choices"][0]["finish_reason"].GetString()) == "stop");
    CHECK(whole["usage"]["total_tokens"].GetInt() == 5);
    CHECK_FALSE(whole["usage"].HasMember("cost"));
    CHECK(std::string(whole["provider"].GetString()) == "P");

    ResponseBuilder fromDeltas;
    fromDeltas.add(MB_EVENT_TOOL_CALL_DELTA, parse(R"({"index":0,"id":"c1","name":"f","arguments":"{\"a\""})"));
    fromDeltas.add(MB_EVENT_TOOL_CALL_DELTA, parse(R"({"index":0,"arguments":":1}"})"));
    outcome.finishReason = "tool_calls";
    auto assembled = parse(fromDeltas.build(outcome, "p/m", 1));
    const auto &message = assembled["choices"][0]["message"];
    CHECK(message["content"].IsNull());
    CHECK(std::string(message["tool_calls"][0]["function"]["arguments"].GetString()) == "{\"a\":1}");
    CHECK(std::string(assembled["choices"][0]["finish_reason"].GetString()) == "tool_calls");
    CHECK(std::string(assembled["id"].GetString()).rfind("chatcmpl-", 0) == 0);
}

TEST_CASE("failures map to statuses; every model rate limited is a 429 with the shortest wait") {
    moltbot::pipeline::Outcome limited;
    limited.status = MB_ERR_RATE_LIMITED;
    limited.error = "all models failed";
    limited.attempts = {{"p/a", 1, "rate_limited", 429, "slow down", 5, 4500},
                        {"p/b", 0, "skipped", 0, "cooling down until 10:00:00 after rate_limited", 0, 60000}};
    ApiError error = outcomeError(limited);
    CHECK(error.status == 429);
    CHECK(error.retryAfterSeconds == 5);
    CHECK(errorBody(error).find("\"type\":\"rate_limit_error\"") != std::string::npos);

    limited.attempts.push_back({"p/c", 1, "unavailable", 503, "down", 5, -1});
    limited.status = MB_ERR_UNAVAILABLE;
    CHECK(outcomeError(limited).status == 503);
    limited.status = MB_ERR_TIMEOUT;
    CHECK(outcomeError(limited).status == 504);
    limited.status = MB_ERR_AUTH;
    CHECK(outcomeError(limited).status == 502);
    limited.status = MB_ERR_INVALID_REQUEST;
    CHECK(outcomeError(limited).status == 400);
}
