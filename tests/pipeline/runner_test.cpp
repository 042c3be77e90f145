// The pipeline against a scripted backend: chain order, retries, fallbacks, cooldowns, partial output.
#include "core/pipeline/runner.hpp"

#include <moltbot/plugin.h>
#include <moltbot/plugin_helpers.h>

#include <doctest/doctest.h>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <deque>
#include <map>

using namespace moltbot::pipeline;

namespace {

struct Step {
    std::vector<std::string> deltas;  // text emitted before the result
    moltbot::plugin::CallResult result;
};

class ScriptedBackend : public ModelBackend {
public:
    std::map<std::string, std::deque<Step>> script;  // per ref; an exhausted script answers "ok"
    std::vector<std::string> calls;
    bool ignoresStop = false;  // a careless plugin: emits on after the sink asked it to stop

    moltbot::plugin::CallResult attempt(const ChainEntry &entry, const std::string &requestJson, bool, const EventSink &sink,
                          const CancelCheck &) override {
        calls.push_back(entry.ref.full());
        lastRequest = requestJson;
        auto &steps = script[entry.ref.full()];
        Step step = steps.empty() ? Step{{"ok from " + entry.ref.full()}, {}} : steps.front();
        if (!steps.empty()) steps.pop_front();
        for (const auto &delta : step.deltas) {
            if (!sink(MB_EVENT_TEXT_DELTA, R"({"text":")" + delta + R"("})") && !ignoresStop) {
                return {MB_ERR_CANCELLED, 0, -1, "cancelled"};
            }
        }
        if (step.result.status == MB_OK) {
            sink(MB_EVENT_USAGE, R"({"prompt_tokens":12,"completion_tokens":3,"cached_tokens":8,"cost":0.5})");
            sink(MB_EVENT_DONE, R"({"finish_reason":"stop","provider":"Fake"})");
        }
        return step.result;
    }
    std::string lastRequest;
};

struct Harness {
    ScriptedBackend backend;
    CooldownStore cooldowns;
    int64_t now = 1'000'000;
    std::vector<int64_t> sleeps;
    bool cancelAfterSleep = false;
    bool cancelledFlag = false;
    std::string printed;
    std::size_t keepText = kKeptTextBytes;
    std::string requestJson = R"({"messages":[{"role":"user","content":"hi"}]})";
    std::vector<std::string> started;                     // "ref#attempt" from Output::attemptStarted
    std::vector<std::pair<uint32_t, std::string>> events;  // from Output::event

    Outcome run(std::vector<std::string> refs) {
        std::vector<ChainEntry> chain;
        for (const auto &ref : refs) chain.push_back({*parseModelRef(ref), "{}"});
        Clock clock{[this] { return now; },
                    [this](Millis delay) {
                        sleeps.push_back(delay.count());
                        now += delay.count();
                        if (cancelAfterSleep) cancelledFlag = true;
                        return !cancelledFlag;
                    },
                    [this] { return cancelledFlag; }};
        Runner runner(backend, cooldowns, RetryPolicy{}, clock);
        Output output;
        output.text = [this](std::string_view text) { printed += text; };
        output.keepText = keepText;
        output.attemptStarted = [this](const std::string &ref, int attempt) {
            started.push_back(ref + "#" + std::to_string(attempt));
        };
        output.event = [this](uint32_t kind, const rapidjson::Value &event) {
            rapidjson::StringBuffer buffer;
            rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
            event.Accept(writer);
            events.emplace_back(kind, buffer.GetString());
        };
        rapidjson::Document request;
        request.Parse(requestJson.c_str());
        return runner.run(chain, request, true, output);
    }
};

moltbot::plugin::CallResult failure(int32_t status, int64_t retryAfter = -1) { return {status, 0, retryAfter, std::string("failed with ") + mb_status_name(status)}; }

}  // namespace

TEST_CASE("the primary answers: text in order, usage and provider recorded, no cooldown") {
    Harness h;
    h.backend.script["p/a"] = {{{"Hel", "lo"}, {}}};
    Outcome outcome = h.run({"p/a", "p/b"});
    CHECK(outcome.status == MB_OK);
    CHECK(h.printed == "Hello");
    CHECK(outcome.ref == "p/a");
    CHECK(outcome.provider == "Fake");
    CHECK(outcome.finishReason == "stop");
    CHECK(outcome.usage.cachedTokens == 8);
    CHECK(outcome.usage.cost == doctest::Approx(0.5));
    CHECK(h.backend.calls == std::vector<std::string>{"p/a"});
    CHECK(h.backend.lastRequest == R"({"model":"a","stream":true,"messages":[{"role":"user","content":"hi"}]})");
}

TEST_CASE("each error class that moves on falls back to the next model at once") {
    for (int32_t status : {MB_ERR_AUTH, MB_ERR_PAYMENT, MB_ERR_NOT_FOUND, MB_ERR_MODERATION}) {
        CAPTURE(mb_status_name(status));
        Harness h;
        h.backend.script["p/a"] = {{{}, failure(status)}};
        Outcome outcome = h.run({"p/a", "q/b"});
        CHECK(outcome.status == MB_OK);
        CHECK(outcome.ref == "q/b");
        CHECK(h.backend.calls == std::vector<std::string>{"p/a", "q/b"});
        CHECK(h.sleeps.empty());
        CHECK(h.cooldowns.snapshot().entries().empty());
    }
}

TEST_CASE("transient errors retry the same model, then fall back and start a cooldown") {
    for (int32_t status : {MB_ERR_UNAVAILABLE, MB_ERR_TIMEOUT, MB_ERR_TRANSPORT, MB_ERR_RATE_LIMITED}) {
        CAPTURE(mb_status_name(status));
        Harness h;
        h.backend.script["p/a"] = {{{}, failure(status)}, {{}, failure(status)}, {{}, failure(status)}};
        Outcome outcome = h.run({"p/a", "q/b"});
        CHECK(outcome.status == MB_OK);
        CHECK(h.backend.calls == std::vector<std::string>{"p/a", "p/a", "p/a", "q/b"});
        CHECK(h.sleeps.size() == 2);
        CHECK(h.cooldowns.active("p/a", h.now));
        REQUIRE(outcome.attempts.size() == 4);
        CHECK(outcome.attempts[0].outcome == mb_status_name(status));
        CHECK(outcome.attempts[3].outcome == "ok");
    }
}

TEST_CASE("Retry-After is honoured; a long one moves on at once") {
    Harness h;
    h.backend.script["p/a"] = {{{}, failure(MB_ERR_RATE_LIMITED, 1'200)}};
    Outcome outcome = h.run({"p/a"});
    CHECK(outcome.status == MB_OK);
    CHECK(h.sleeps == std::vector<int64_t>{1'200});

    Harness longWait;
    longWait.backend.script["p/a"] = {{{}, failure(MB_ERR_RATE_LIMITED, 600'000)}};
    Outcome moved = longWait.run({"p/a", "q/b"});
    CHECK(moved.ref == "q/b");
    CHECK(longWait.sleeps.empty());
    CHECK(longWait.cooldowns.active("p/a", longWait.now)->untilMs == longWait.now + 600'000);
}

TEST_CASE("an invalid request fails at once with the upstream's message, no fallback") {
    Harness h;
    h.backend.script["p/a"] = {{{}, {MB_ERR_INVALID_REQUEST, 400, -1, "messages must not be empty"}}};
    Outcome outcome = h.run({"p/a", "q/b"});
    CHECK(outcome.status == MB_ERR_INVALID_REQUEST);
    CHECK(outcome.error == "p/a: messages must not be empty");
    CHECK(h.backend.calls == std::vector<std::string>{"p/a"});
}

TEST_CASE("a failure after partial output keeps the output and does not restart elsewhere") {
    Harness h;
    h.backend.script["p/a"] = {{{"The answer is"}, failure(MB_ERR_UNAVAILABLE)}};
    Outcome outcome = h.run({"p/a", "q/b"});
    CHECK(outcome.status == MB_ERR_UNAVAILABLE);
    CHECK(outcome.outputStarted);
    CHECK(outcome.text == "The answer is");
    CHECK(h.printed == "The answer is");
    CHECK(h.backend.calls == std::vector<std::string>{"p/a"});
}

TEST_CASE("models cooling down are skipped; when all are, the one that frees first is tried") {
    Harness h;
    h.cooldowns.recordFailure("p/a", h.now, 300'000, "rate_limited");
    Outcome outcome = h.run({"p/a", "q/b"});
    CHECK(outcome.ref == "q/b");
    CHECK(h.backend.calls == std::vector<std::string>{"q/b"});
    REQUIRE(outcome.attempts.size() == 2);
    CHECK(outcome.attempts[0].outcome == "skipped");
    CHECK(outcome.attempts[0].message.find("cooling down until") != std::string::npos);

    Harness all;
    all.cooldowns.recordFailure("p/a", all.now, 900'000, "rate_limited");
    all.cooldowns.recordFailure("q/b", all.now, 200'000, "unavailable");
    Outcome tried = all.run({"p/a", "q/b"});
    CHECK(all.backend.calls == std::vector<std::string>{"q/b"});
    CHECK(tried.status == MB_OK);
    CHECK_FALSE(all.cooldowns.active("q/b", all.now));
}

TEST_CASE("every model failing gives a summary naming each and its reason") {
    Harness h;
    h.backend.script["p/a"] = {{{}, failure(MB_ERR_AUTH)}};
    h.backend.script["q/b"] = {{{}, failure(MB_ERR_PAYMENT)}};
    Outcome outcome = h.run({"p/a", "q/b"});
    CHECK(outcome.status == MB_ERR_PAYMENT);
    CHECK(outcome.error == "all models failed (2): p/a: failed with auth (auth) | q/b: failed with payment (payment)");
}

TEST_CASE("cancellation during a backoff stops the run") {
    Harness h;
    h.cancelAfterSleep = true;
    h.backend.script["p/a"] = {{{}, failure(MB_ERR_UNAVAILABLE)}};
    Outcome outcome = h.run({"p/a", "q/b"});
    CHECK(outcome.status == MB_ERR_CANCELLED);
    CHECK(h.backend.calls == std::vector<std::string>{"p/a"});
}

TEST_CASE("an answer that is only printed is not kept; a kept one is bounded") {
    Harness h;
    h.keepText = 0;
    h.backend.script["p/a"] = {{{"Hel", "lo"}, {}}};
    Outcome outcome = h.run({"p/a"});
    CHECK(outcome.status == MB_OK);
    CHECK(h.printed == "Hello");
    CHECK(outcome.text.empty());

    Harness bounded;
    bounded.keepText = 4;
    bounded.backend.script["p/a"] = {{{"Hel", "lo"}, {}}};
    bounded.backend.script["q/b"] = {{{"never"}, {}}};
    outcome = bounded.run({"p/a", "q/b"});
    CHECK(outcome.status == MB_ERR_UPSTREAM_PROTOCOL);
    CHECK(outcome.text == "Hel");
    CHECK(bounded.printed == "Hel");
    CHECK(outcome.error.find("kept in memory") != std::string::npos);
    CHECK(bounded.backend.calls == std::vector<std::string>{"p/a"});  // output had started: no fallback

    Harness careless;  // text that would fit after the cut is not kept either: the kept text has no hole
    careless.keepText = 4;
    careless.backend.ignoresStop = true;
    careless.backend.script["p/a"] = {{{"Hel", "lo", "!"}, {}}};
    outcome = careless.run({"p/a"});
    CHECK(outcome.status == MB_ERR_UPSTREAM_PROTOCOL);
    CHECK(outcome.text == "Hel");
    CHECK(careless.printed == "Hel");
}

TEST_CASE("the request's own fields pass through; model and stream are the pipeline's; events reach Output::event") {
    Harness h;
    h.requestJson = R"({"model":"x/y","stream":false,"messages":[],"tools":[{"type":"function"}],"seed":7})";
    h.backend.script["p/a"] = {{{}, failure(MB_ERR_UNAVAILABLE)}, {{}, failure(MB_ERR_UNAVAILABLE)},
                               {{}, failure(MB_ERR_UNAVAILABLE)}};
    h.backend.script["q/b"] = {{{"Hi"}, {}}};
    Outcome outcome = h.run({"p/a", "q/b"});
    CHECK(outcome.status == MB_OK);
    CHECK(h.backend.lastRequest == R"({"model":"b","stream":true,"messages":[],"tools":[{"type":"function"}],"seed":7})");
    CHECK(h.started == std::vector<std::string>{"p/a#1", "p/a#2", "p/a#3", "q/b#1"});
    REQUIRE(h.events.size() == 3);
    CHECK(h.events[0] == std::pair<uint32_t, std::string>{MB_EVENT_TEXT_DELTA, R"({"text":"Hi"})"});
    CHECK(h.events[1].first == MB_EVENT_USAGE);
    CHECK(h.events[2].first == MB_EVENT_DONE);
}
