// OpenRouter's answers through the SDK's chunk and response translation (sdk/openai/translate.hpp), with its dialect.
#include "samples.hpp"

#include "errors.hpp"

#include <moltbot/plugin.h>
#include <moltbot/sdk/json.hpp>
#include <moltbot/sdk/openai/translate.hpp>
#include <tests/sdk/translation.hpp>

#include <doctest/doctest.h>

using namespace moltbot::openrouter;
using moltbot::sdk::test::Run;
using Step = Run::Step;

namespace {

// OpenRouter's samples through the SDK's reader and translator, with OpenRouter's dialect.
Run translate(const std::string &body, int stopAfter = -1) {
    return moltbot::sdk::test::translate(body, dialect(), stopAfter);
}

bool translateResponse(std::string_view body, const moltbot::sdk::openai::EventSink &sink, int64_t nowMs) {
    return moltbot::sdk::openai::translateResponse(body, sink, dialect(), nowMs);
}

}  // namespace

TEST_CASE("stream: tool call chunks, finish, usage chunk with choices:[], [DONE]") {
    Run run = translate(test::kToolCallStream);
    CHECK(run.failure == MB_OK);
    CHECK(run.step == Step::done);
    std::vector<uint32_t> kinds;
    for (const auto &e : run.events) kinds.push_back(e.first);
    CHECK(kinds == std::vector<uint32_t>{MB_EVENT_META, MB_EVENT_TOOL_CALL_DELTA, MB_EVENT_TOOL_CALL_DELTA,
                                         MB_EVENT_USAGE, MB_EVENT_DONE});
    CHECK(run.of(MB_EVENT_META)[0] ==
          R"({"model":"anthropic/claude-4-sonnet-20250522","provider":"Google","id":"gen-1773323536-Ko6dI9bnZTkPeee45z6T"})");
    CHECK(run.of(MB_EVENT_TOOL_CALL_DELTA)[0] == R"({"index":0,"id":"toolu_vrtx_015P","name":"weather","arguments":""})");
    CHECK(run.of(MB_EVENT_TOOL_CALL_DELTA)[1] == R"({"index":0,"arguments":"{\"location\": \"Florence\"}"})");
    CHECK(run.of(MB_EVENT_USAGE)[0] ==
          R"({"prompt_tokens":394,"completion_tokens":67,"cached_tokens":0,"cache_write_tokens":0,"reasoning_tokens":0,"cost":0.002187})");
    CHECK(run.of(MB_EVENT_DONE)[0] ==
          R"({"finish_reason":"tool_calls","model":"anthropic/claude-4-sonnet-20250522","provider":"Google","id":"gen-1773323536-Ko6dI9bnZTkPeee45z6T"})");
}

TEST_CASE("stream: text and reasoning deltas; the 2025 usage chunk that keeps one empty choice") {
    Run run = translate(test::kTextStream2025);
    CHECK(run.failure == MB_OK);
    CHECK(run.of(MB_EVENT_REASONING_DELTA) == std::vector<std::string>{R"({"text":"Think."})"});
    CHECK(run.of(MB_EVENT_TEXT_DELTA) == std::vector<std::string>{R"({"text":"Hel"})", "{\"text\":\"lo \xC3\xA9\\n\"}"});
    CHECK(run.of(MB_EVENT_USAGE) ==
          std::vector<std::string>{R"({"prompt_tokens":1200,"completion_tokens":14,"cached_tokens":1000,"cost":0.00111})"});
    REQUIRE(run.of(MB_EVENT_DONE).size() == 1);
    CHECK(run.of(MB_EVENT_DONE)[0].find(R"("finish_reason":"stop")") != std::string::npos);
    CHECK(run.events.back().first == MB_EVENT_DONE);
}

TEST_CASE("stream: reasoning_details are used when there is no reasoning text") {
    Run run = translate(
        R"(data: {"id":"g","choices":[{"index":0,"delta":{"reasoning":null,"reasoning_details":[)"
        R"({"type":"reasoning.text","text":"a"},{"type":"reasoning.encrypted","data":"xx"},)"
        R"({"type":"reasoning.summary","summary":"b"}]}}]})"
        "\n\n"
        R"(data: {"id":"g","choices":[{"index":0,"delta":{"reasoning":"c","reasoning_details":[{"type":"reasoning.text","text":"c"}]},"finish_reason":"stop"}]})"
        "\n\ndata: [DONE]\n\n");
    CHECK(run.of(MB_EVENT_REASONING_DELTA) ==
          std::vector<std::string>{R"({"text":"a"})", R"({"text":"b"})", R"({"text":"c"})"});
}

TEST_CASE("stream: a mid-stream error chunk fails the call with its message, after the text before it") {
    Run run = translate(test::kMidStreamError);
    CHECK(run.failure == MB_ERR_UNAVAILABLE);
    CHECK(run.message == "OpenRouter stream error 502: Provider disconnected unexpectedly");
    CHECK(run.of(MB_EVENT_TEXT_DELTA) == std::vector<std::string>{R"({"text":"Part"})"});
    CHECK(run.of(MB_EVENT_DONE).empty());

    Run bare = translate("data: {\"error\":{\"message\":\"Overloaded\",\"code\":503}}\n\n");
    CHECK(bare.failure == MB_ERR_UNAVAILABLE);
    CHECK(bare.message.find("Overloaded") != std::string::npos);

    Run choiceOnly = translate(R"(data: {"id":"g","choices":[{"index":0,"delta":{},"finish_reason":"error"}]})" "\n\n");
    CHECK(choiceOnly.failure == MB_ERR_UNAVAILABLE);
}

TEST_CASE("stream: the end without [DONE]") {
    std::string finished = test::kToolCallStream;
    finished.resize(finished.find("data: [DONE]"));
    Run done = translate(finished);
    CHECK(done.failure == MB_OK);
    CHECK(done.step == Step::done);
    CHECK(done.events.back().first == MB_EVENT_DONE);

    std::string cut = test::kToolCallStream;
    cut.resize(cut.find("data: {", cut.find("Florence")));  // before the finish chunk
    Run early = translate(cut);
    CHECK(early.failure == MB_ERR_UPSTREAM_PROTOCOL);
    CHECK(early.message.find("ended early") != std::string::npos);
}

TEST_CASE("stream: malformed chunks are protocol errors; a stopping sink cancels") {
    Run bad = translate("data: {\"id\":\n\n");
    CHECK(bad.failure == MB_ERR_UPSTREAM_PROTOCOL);
    Run stopped = translate(test::kToolCallStream, 2);
    CHECK(stopped.step == Step::cancelled);
    CHECK(stopped.events.size() == 2);
}

TEST_CASE("response: keep-alive whitespace skipped; META, RESPONSE, USAGE") {
    std::vector<std::pair<uint32_t, std::string>> events;
    auto sink = [&](uint32_t kind, std::string_view json) {
        events.emplace_back(kind, std::string(json));
        return true;
    };
    REQUIRE(translateResponse(test::kCompletion, sink, 0));
    REQUIRE(events.size() == 3);
    CHECK(events[0].first == MB_EVENT_META);
    CHECK(events[0].second ==
          R"({"model":"anthropic/claude-sonnet-4","provider":"Amazon Bedrock","id":"gen-1758703529-ZmfakQzYpIkbRFyjUga0"})");
    CHECK(events[1].first == MB_EVENT_RESPONSE);
    CHECK(events[1].second.front() == '{');
    rapidjson::Document response;
    REQUIRE(moltbot::sdk::json::parse(response, events[1].second));
    CHECK(moltbot::sdk::json::getString(response["choices"][0]["message"], "content") == "I'll add them.");
    CHECK(events[2].first == MB_EVENT_USAGE);
    CHECK(events[2].second ==
          R"({"prompt_tokens":502,"completion_tokens":137,"cached_tokens":0,"reasoning_tokens":0,"cost":0.003561})");
}

TEST_CASE("response: errors under HTTP 200 and unreadable bodies") {
    auto sink = [](uint32_t, std::string_view) { return true; };
    CHECK_THROWS_WITH(translateResponse(R"({"error":{"code":402,"message":"Insufficient credits"},"user_id":"u"})",
                                        sink, 0),
                      "OpenRouter response error 402: Insufficient credits");
    CHECK_THROWS_WITH(translateResponse(R"({"id":"g","choices":[{"finish_reason":"error","error":{"code":502,)"
                                        R"("message":"Upstream died"},"message":{"content":"par"}}]})",
                                        sink, 0),
                      "OpenRouter response error 502: Upstream died");
    CHECK_THROWS_AS(translateResponse("   <html>", sink, 0), moltbot::sdk::Failure);
    CHECK_THROWS_AS(translateResponse("{\"id\":\"x\"}", sink, 0), moltbot::sdk::Failure);
    CHECK_FALSE(translateResponse(test::kCompletion, [](uint32_t, std::string_view) { return false; }, 0));
}
