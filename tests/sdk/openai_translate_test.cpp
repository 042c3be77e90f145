// sdk/openai/translate.hpp with the plain (OpenAI) dialect: stream chunks and whole responses into ABI events.
#include "tests/sdk/translation.hpp"

#include <moltbot/plugin.h>
#include <moltbot/sdk/openai/translate.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using moltbot::sdk::test::Run;
using moltbot::sdk::test::translate;
using Step = Run::Step;
namespace openai = moltbot::sdk::openai;

namespace {

const openai::Dialect kUpstream("upstream");

// One SSE event: a chunk of choice 0 with `delta`, and `extra` members after the choices.
std::string chunk(const std::string &delta, const std::string &finish = "null", const std::string &extra = "") {
    return R"(data: {"id":"c1","object":"chat.completion.chunk","model":"m1","choices":[{"index":0,"delta":)" + delta +
           R"(,"finish_reason":)" + finish + "}]" + extra + "}\n\n";
}

const std::string kDone = "data: [DONE]\n\n";

Run run(const std::string &body) { return translate(body, kUpstream); }

}  // namespace

TEST_CASE("text deltas, META once, then done with finish_reason, model and id") {
    Run r = run(chunk(R"({"role":"assistant","content":"Hel"})") + chunk(R"({"content":"lo \"x\"\n"})") +
                chunk("{}", R"("length")") + kDone);
    CHECK(r.failure == MB_OK);
    CHECK(r.step == Step::done);
    CHECK(r.kinds() == std::vector<uint32_t>{MB_EVENT_META, MB_EVENT_TEXT_DELTA, MB_EVENT_TEXT_DELTA, MB_EVENT_DONE});
    CHECK(r.of(MB_EVENT_META)[0] == R"({"model":"m1","id":"c1"})");
    CHECK(r.of(MB_EVENT_TEXT_DELTA)[1] == R"({"text":"lo \"x\"\n"})");
    CHECK(r.of(MB_EVENT_DONE)[0] == R"({"finish_reason":"length","model":"m1","id":"c1"})");
}

TEST_CASE("reasoning: reasoning or reasoning_content before the chunk's text; reasoning_details without either") {
    Run r = run(chunk(R"({"reasoning_content":"think","content":"answer"})") +
                chunk(R"({"reasoning":"same","reasoning_content":"same"})") +
                chunk(R"({"reasoning_details":[{"type":"reasoning.text","text":"a"},)"
                      R"({"type":"reasoning.encrypted","data":"x"},{"type":"reasoning.summary","summary":"b"}]})") +
                chunk("{}", R"("stop")") + kDone);
    CHECK(r.failure == MB_OK);
    CHECK(r.kinds() == std::vector<uint32_t>{MB_EVENT_META, MB_EVENT_REASONING_DELTA, MB_EVENT_TEXT_DELTA,
                                             MB_EVENT_REASONING_DELTA, MB_EVENT_REASONING_DELTA,
                                             MB_EVENT_REASONING_DELTA, MB_EVENT_DONE});
    CHECK(r.of(MB_EVENT_REASONING_DELTA) ==
          std::vector<std::string>{R"({"text":"think"})", R"({"text":"same"})", R"({"text":"a"})", R"({"text":"b"})"});
}

TEST_CASE("tool calls over several chunks: id and name first, argument pieces after; empty fragments skipped") {
    Run r = run(
        chunk(R"({"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function",)"
              R"("function":{"name":"get_weather","arguments":""}}]})") +
        chunk(R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]})") +
        chunk(R"({"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]})") +
        chunk(R"({"tool_calls":[{"index":0,"function":{}}]})") +
        chunk(R"({"tool_calls":[{"index":1,"id":"call_2","type":"function",)"
              R"("function":{"name":"now","arguments":"{}"}}]})") +
        R"(data: {"id":"c1","choices":[{"index":1,"delta":{"content":"a second choice"}}]})" "\n\n" +
        chunk("{}", R"("tool_calls")") + kDone);
    CHECK(r.failure == MB_OK);
    CHECK(r.of(MB_EVENT_TOOL_CALL_DELTA) ==
          std::vector<std::string>{R"({"index":0,"id":"call_1","name":"get_weather","arguments":""})",
                                   R"({"index":0,"arguments":"{\"city\":"})", R"({"index":0,"arguments":"\"Paris\"}"})",
                                   R"({"index":1,"id":"call_2","name":"now","arguments":"{}"})"});
    CHECK(r.of(MB_EVENT_TEXT_DELTA).empty());  // only choice 0 is forwarded
    CHECK(r.of(MB_EVENT_DONE)[0].find(R"("finish_reason":"tool_calls")") != std::string::npos);
}

TEST_CASE("usage: prompt, completion, cached, cache-write and reasoning tokens and cost; usage:null ignored") {
    Run r = run(chunk(R"({"content":"hi"})", "null", R"(,"usage":null)") +
                chunk("{}", R"("stop")", R"(,"usage":null)") +
                R"(data: {"id":"c1","model":"m1","choices":[],"usage":{"prompt_tokens":100,"completion_tokens":20,)"
                R"("total_tokens":120,"cost":0.0042,)"
                R"("prompt_tokens_details":{"cached_tokens":80,"cache_write_tokens":15},)"
                R"("completion_tokens_details":{"reasoning_tokens":5}}})"
                "\n\n" +
                kDone);
    CHECK(r.failure == MB_OK);
    CHECK(r.of(MB_EVENT_USAGE) ==
          std::vector<std::string>{R"({"prompt_tokens":100,"completion_tokens":20,"cached_tokens":80,)"
                                   R"("cache_write_tokens":15,"reasoning_tokens":5,"cost":0.0042})"});
    CHECK(r.kinds().back() == MB_EVENT_DONE);  // the usage comes before the end

    rapidjson::Document bare;
    bare.Parse(R"({"prompt_tokens":3,"completion_tokens":4})");
    CHECK(openai::usageEvent(bare) == R"({"prompt_tokens":3,"completion_tokens":4})");
}

TEST_CASE("no finish_reason: \"stop\" at [DONE]; the body ending without either is a protocol error") {
    Run unnamed = run(chunk(R"({"content":"hi"})") + kDone);
    CHECK(unnamed.failure == MB_OK);
    CHECK(unnamed.of(MB_EVENT_DONE) == std::vector<std::string>{R"({"finish_reason":"stop","model":"m1","id":"c1"})"});

    Run closed = run(chunk(R"({"content":"hi"})", R"("stop")"));  // finished, then the body ended without [DONE]
    CHECK(closed.step == Step::done);
    CHECK(closed.of(MB_EVENT_DONE).size() == 1);

    Run cut = run(chunk(R"({"content":"hi"})"));
    CHECK(cut.failure == MB_ERR_UPSTREAM_PROTOCOL);
    CHECK(cut.message == "upstream stream ended early (no finish_reason, no [DONE])");
    CHECK(cut.of(MB_EVENT_DONE).empty());
}

TEST_CASE("[DONE] then more bytes: nothing after it is translated or emitted") {
    Run r = run(chunk(R"({"content":"hi"})", R"("stop")") + kDone + chunk(R"({"content":"after"})") +
                "data: {not json\n\n" + kDone);
    CHECK(r.failure == MB_OK);
    CHECK(r.step == Step::done);
    CHECK(r.of(MB_EVENT_TEXT_DELTA) == std::vector<std::string>{R"({"text":"hi"})"});
    CHECK(r.of(MB_EVENT_DONE).size() == 1);
    CHECK(r.kinds().back() == MB_EVENT_DONE);

    std::vector<uint32_t> kinds;
    openai::StreamTranslator translator(
        [&](uint32_t kind, std::string_view) {
            kinds.push_back(kind);
            return true;
        },
        kUpstream, 0);
    CHECK(translator.onData("[DONE]") == Step::done);
    CHECK(translator.onData(R"({"choices":[{"index":0,"delta":{"content":"late"}}]})") == Step::done);
    CHECK(translator.onEnd() == Step::done);
    CHECK(kinds == std::vector<uint32_t>{MB_EVENT_DONE});
}

TEST_CASE("an error chunk mid-stream fails the call, classified like an HTTP error by the status inside it") {
    const std::string part = chunk(R"({"content":"Part"})");
    Run limited = run(part + R"(data: {"error":{"message":"Slow down","code":429}})" "\n\n" + kDone);
    CHECK(limited.failure == MB_ERR_RATE_LIMITED);
    CHECK(limited.message == "upstream stream error 429: Slow down");
    CHECK(limited.httpStatus == 200);  // the HTTP answer itself was a success
    CHECK(limited.of(MB_EVENT_TEXT_DELTA) == std::vector<std::string>{R"({"text":"Part"})"});
    CHECK(limited.of(MB_EVENT_DONE).empty());

    struct Case {
        const char *error;
        int32_t code;
    };
    for (const Case &c : {Case{R"({"message":"no key","code":401})", MB_ERR_AUTH},
                          Case{R"({"message":"down","status":"503"})", MB_ERR_UNAVAILABLE},
                          Case{R"({"message":"Overloaded","type":"server_error","code":null})", MB_ERR_UNAVAILABLE},
                          Case{R"({"message":"teapot","code":418})", MB_ERR_UNAVAILABLE},
                          Case{R"({"message":"gone","code":"model_not_found"})", MB_ERR_NOT_FOUND},
                          Case{R"({"message":"too long","code":400})", MB_ERR_INVALID_REQUEST}}) {
        INFO(c.error);
        Run r = run(part + "data: {\"error\":" + c.error + "}\n\n");
        CHECK(r.failure == c.code);
    }
    Run unnumbered = run(part + R"(data: {"error":{"message":"Overloaded","code":"server_error"}})" "\n\n");
    CHECK(unnumbered.message == "upstream stream error: Overloaded");

    Run choice = run(part + chunk("{}", R"("error")", "") + kDone);
    CHECK(choice.failure == MB_ERR_UNAVAILABLE);
    CHECK(choice.message == "upstream stream error: the upstream model failed");
}

TEST_CASE("malformed chunks are protocol errors; a sink that says stop cancels") {
    Run bad = run("data: {\"id\":\n\n");
    CHECK(bad.failure == MB_ERR_UPSTREAM_PROTOCOL);
    CHECK(bad.message.rfind("upstream sent a malformed stream chunk: ", 0) == 0);
    Run stopped = translate(chunk(R"({"content":"a"})") + chunk(R"({"content":"b"})") + kDone, kUpstream, 2);
    CHECK(stopped.step == Step::cancelled);
    CHECK(stopped.events.size() == 2);
}

TEST_CASE("response: META, RESPONSE and USAGE; an error object or an error finish under HTTP 200 fails") {
    std::vector<std::pair<uint32_t, std::string>> events;
    openai::EventSink sink = [&](uint32_t kind, std::string_view json) {
        events.emplace_back(kind, std::string(json));
        return true;
    };
    const char *answer = R"(  {"id":"r1","model":"m1","choices":[{"index":0,)"
                         R"("message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],)"
                         R"("usage":{"prompt_tokens":3,"completion_tokens":1}})";
    REQUIRE(openai::translateResponse(answer, sink, kUpstream, 0));
    REQUIRE(events.size() == 3);
    CHECK(events[0] == std::pair<uint32_t, std::string>{MB_EVENT_META, R"({"model":"m1","id":"r1"})"});
    CHECK(events[1].first == MB_EVENT_RESPONSE);
    CHECK(events[1].second.rfind(R"({"id":"r1",)", 0) == 0);
    CHECK(events[2] ==
          std::pair<uint32_t, std::string>{MB_EVENT_USAGE, R"({"prompt_tokens":3,"completion_tokens":1})"});

    CHECK_THROWS_WITH(openai::translateResponse(R"({"error":{"message":"Quota","code":402}})", sink, kUpstream, 0),
                      "upstream response error 402: Quota");
    CHECK_THROWS_WITH(openai::translateResponse(R"({"choices":[{"finish_reason":"error"}]})", sink, kUpstream, 0),
                      "upstream response error: the upstream model failed");
    CHECK_THROWS_WITH(openai::translateResponse("<html>", sink, kUpstream, 0),
                      "upstream sent an unreadable response: <html>");
    CHECK_THROWS_WITH(openai::translateResponse(R"({"id":"x"})", sink, kUpstream, 0),
                      R"(upstream sent a response without choices: {"id":"x"})");
    CHECK_FALSE(openai::translateResponse(answer, [](uint32_t, std::string_view) { return false; }, kUpstream, 0));
}
