// Anthropic-style prompt caching: breakpoints, TTLs, minimum size, per-key scope, cost at cache prices.
#include "tests/simulator/prompt.hpp"
#include "tests/simulator/sim_client.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

using namespace moltbot::sim;
using namespace moltbot::sim::test;

namespace {

// 6000 bytes: 1500 tokens, above the 1024-token minimum.
const std::string kDoc = [] {
    std::string text;
    while (text.size() < 6000) text += "The quick brown fox jumps over the lazy dog. ";
    text.resize(6000);
    return text;
}();

// A system prompt of "You are terse." and the document (with a cache_control marker carrying `control`), then the
// user's question.
std::string cachedBody(const std::string &model, const std::string &control, const std::string &extra = "") {
    return R"({"model":")" + model +
           R"(","messages":[{"role":"system","content":[{"type":"text","text":"You are terse."},)" +
           R"({"type":"text","text":")" + kDoc + R"(")" + (control.empty() ? "" : ",\"cache_control\":" + control) +
           R"(}]},{"role":"user","content":"Summarise the doc."}])" + extra + "}";
}

const int kPrefixTokens = (14 + 6000 + 3) / 4;       // up to the marked part
const int kPromptTokens = (14 + 6000 + 18 + 3) / 4;  // everything

struct Accounted {
    int prompt, cached, written, completion;
    double cost;
};

Accounted usageOf(const Reply &reply) {
    REQUIRE_MESSAGE(reply.status == 200, reply.body);
    auto json = reply.json();
    const auto &usage = json["usage"];
    return {usage["prompt_tokens"].GetInt(), usage["prompt_tokens_details"]["cached_tokens"].GetInt(),
            usage["prompt_tokens_details"]["cache_write_tokens"].GetInt(), usage["completion_tokens"].GetInt(),
            usage["cost"].GetDouble()};
}

const char *kSonnet = "anthropic/claude-sonnet-4.5";
const char *kEphemeral = R"({"type":"ephemeral"})";
const char *kOneHour = R"({"type":"ephemeral","ttl":"1h"})";

}  // namespace

TEST_CASE("PromptCache: reads the longest live prefix, writes what follows, honours the TTL and the minimum") {
    PromptCache cache;
    auto now = SimClock::now();
    Breakpoint first{4000, 1, false};  // 1000 tokens
    Breakpoint second{8000, 2, true};  // 2000 tokens, 1h
    CacheOutcome initial = cache.account("k", {first, second}, now, 500);
    CHECK(initial.readTokens == 0);
    CHECK(initial.writeTokens5m == 1000);
    CHECK(initial.writeTokens1h == 1000);
    CacheOutcome again = cache.account("k", {first, second}, now + std::chrono::minutes(1), 500);
    CHECK(again.readTokens == 2000);
    CHECK(again.writeTokens5m + again.writeTokens1h == 0);
    // Another scope shares nothing.
    CHECK(cache.account("other", {first}, now, 500).writeTokens5m == 1000);
    // After 10 minutes only the 1h prefix is alive; a new 5m tail after a live 1h prefix is written.
    Breakpoint tail{10000, 3, false};
    CacheOutcome later = cache.account("k", {second, tail}, now + std::chrono::minutes(10), 500);
    CHECK(later.readTokens == 2000);
    CHECK(later.writeTokens5m == 500);
    CHECK(cache.account("k", {first}, now + std::chrono::minutes(10), 500).readTokens == 0);
    // Below the minimum nothing is cached.
    CHECK(cache.account("k", {Breakpoint{400, 9, false}}, now, 500).writeTokens5m == 0);
    CHECK(cache.account("k", {Breakpoint{400, 9, false}}, now, 500).readTokens == 0);
}

TEST_CASE("analysePrompt: text, markers and the last user message") {
    rapidjson::Document request = parseJson(cachedBody(kSonnet, kOneHour, R"(,"cache_control":{"type":"ephemeral"})"));
    PromptInfo info = analysePrompt(request);
    CHECK(info.chars == 14 + 6000 + 18);
    CHECK(info.markers == 2);
    REQUIRE(info.breakpoints.size() == 2);
    CHECK(info.breakpoints[0].chars == 14 + 6000);
    CHECK(info.breakpoints[0].oneHour);
    CHECK(info.breakpoints[1].chars == info.chars);  // the top-level marker: the whole prompt
    CHECK(!info.breakpoints[1].oneHour);
    CHECK(info.lastUserText == "Summarise the doc.");
    // The hash covers the text: a different document is a different prefix.
    std::string other = cachedBody(kSonnet, kOneHour);
    other.replace(other.find("quick"), 5, "QUICK");
    CHECK(analysePrompt(parseJson(other)).breakpoints[0].prefixHash != info.breakpoints[0].prefixHash);
}

TEST_CASE("a repeated cache_control prefix on an Anthropic model is written once, then read at the cache price") {
    Fixture fixture;
    Accounted first = usageOf(fixture.chat(cachedBody(kSonnet, kEphemeral)));
    CHECK(first.prompt == kPromptTokens);
    CHECK(first.cached == 0);
    CHECK(first.written == kPrefixTokens);
    CHECK(first.cost ==
          doctest::Approx((kPromptTokens - kPrefixTokens) * 3e-6 + kPrefixTokens * 3.75e-6 + first.completion * 15e-6));

    Accounted second = usageOf(fixture.chat(cachedBody(kSonnet, kEphemeral)));
    CHECK(second.prompt == kPromptTokens);
    CHECK(second.cached == kPrefixTokens);
    CHECK(second.written == 0);
    CHECK(second.cost ==
          doctest::Approx((kPromptTokens - kPrefixTokens) * 3e-6 + kPrefixTokens * 0.3e-6 + second.completion * 15e-6));

    // /generation reports the saving of a read as a positive cache_discount.
    Reply reply = fixture.chat(cachedBody(kSonnet, kEphemeral));
    auto generation = fixture.get("/api/v1/generation?id=" + reply.header("X-Generation-Id")).json();
    CHECK(generation["data"]["cache_discount"].GetDouble() == doctest::Approx(kPrefixTokens * (3e-6 - 0.3e-6)));
    CHECK(generation["data"]["native_tokens_cached"].GetInt() == kPrefixTokens);

    // The cache belongs to the key.
    Call other{"POST", "/api/v1/chat/completions", cachedBody(kSonnet, kEphemeral)};
    other.key = kDefaultManagementKey;
    CHECK(usageOf(fixture.call(other)).cached == 0);
}

TEST_CASE("nothing is cached without cache_control, for non-Anthropic models, or below the minimum") {
    Fixture fixture;
    for (int i = 0; i < 2; ++i) {
        Accounted plain = usageOf(fixture.chat(cachedBody(kSonnet, "")));
        CHECK(plain.cached + plain.written == 0);
        Accounted openai = usageOf(fixture.chat(cachedBody("openai/gpt-5.2", kEphemeral)));
        CHECK(openai.cached + openai.written == 0);
    }
    std::string small = R"({"model":"anthropic/claude-sonnet-4.5","messages":[{"role":"user","content":[)"
                        R"({"type":"text","text":"short","cache_control":{"type":"ephemeral"}}]}]})";
    for (int i = 0; i < 2; ++i) {
        Accounted below = usageOf(fixture.chat(small));
        CHECK(below.cached + below.written == 0);
    }
}

TEST_CASE("--cache-min-tokens lowers the minimum") {
    Options options;
    options.cacheMinTokens = 1;
    Fixture fixture(options);
    std::string small = R"({"model":"anthropic/claude-haiku-4.5","messages":[{"role":"user","content":[)"
                        R"({"type":"text","text":"short text","cache_control":{"type":"ephemeral"}}]}]})";
    CHECK(usageOf(fixture.chat(small)).written == 3);
    CHECK(usageOf(fixture.chat(small)).cached == 3);
}

TEST_CASE("a 1h TTL is written at the 1h price and outlives a 5m one") {
    Fixture fixture;
    Accounted hour = usageOf(fixture.chat(cachedBody(kSonnet, kOneHour)));
    CHECK(hour.written == kPrefixTokens);
    CHECK(hour.cost ==
          doctest::Approx((kPromptTokens - kPrefixTokens) * 3e-6 + kPrefixTokens * 6e-6 + hour.completion * 15e-6));
    std::string fiveMinutes = cachedBody("anthropic/claude-opus-4.5", kEphemeral);
    CHECK(usageOf(fixture.chat(fiveMinutes)).written == kPrefixTokens);

    REQUIRE(fixture.post("/_sim/clock", R"({"advance_ms":360000})", false).status == 200);  // 6 minutes
    CHECK(usageOf(fixture.chat(cachedBody(kSonnet, kOneHour))).cached == kPrefixTokens);
    Accounted expired = usageOf(fixture.chat(fiveMinutes));
    CHECK(expired.cached == 0);
    CHECK(expired.written == kPrefixTokens);
}

TEST_CASE("top-level cache_control caches the whole prompt; a 5th marker is Anthropic's 400") {
    Fixture fixture;
    std::string automatic = cachedBody(kSonnet, "", R"(,"cache_control":{"type":"ephemeral"})");
    CHECK(usageOf(fixture.chat(automatic)).written == kPromptTokens);
    CHECK(usageOf(fixture.chat(automatic)).cached == kPromptTokens);

    std::string parts;
    for (int i = 0; i < 5; ++i)
        parts += std::string(i ? "," : "") + R"({"type":"text","text":"p)" + std::to_string(i) +
                 R"(","cache_control":{"type":"ephemeral"}})";
    std::string five =
        R"({"model":"anthropic/claude-sonnet-4.5","messages":[{"role":"user","content":[)" + parts + "]}]}";
    Reply reply = fixture.chat(five);
    CHECK(reply.status == 400);
    auto error = reply.json();
    CHECK(std::string(error["error"]["metadata"]["raw"].GetString()).find("A maximum of 4 blocks") == 0);
    std::string fiveOpenAI = five;
    fiveOpenAI.replace(fiveOpenAI.find("anthropic/claude-sonnet-4.5"), 27, "openai/gpt-5.2");
    CHECK(fixture.chat(fiveOpenAI).status == 200);
}

TEST_CASE("the cache is per provider: a prefix cached at one endpoint is not read at another") {
    Fixture sim;
    std::string pinned = R"(,"provider":{"order":["amazon-bedrock"],"allow_fallbacks":false})";
    CHECK(usageOf(sim.chat(cachedBody(kSonnet, kEphemeral, pinned))).written == kPrefixTokens);
    CHECK(usageOf(sim.chat(cachedBody(kSonnet, kEphemeral, pinned))).cached == kPrefixTokens);
    // The default endpoint (anthropic) never saw the prefix: it writes it afresh.
    Accounted elsewhere = usageOf(sim.chat(cachedBody(kSonnet, kEphemeral)));
    CHECK(elsewhere.cached == 0);
    CHECK(elsewhere.written == kPrefixTokens);
}

TEST_CASE("--balance round-robin spreads unpinned requests over the endpoints; a pinned order stays put") {
    Options options;
    options.balance = "round-robin";
    Fixture sim(options);
    std::set<std::string> providers;
    for (int i = 0; i < 4; ++i) {
        auto json = sim.chat(cachedBody(kSonnet, kEphemeral)).json();
        providers.insert(json["provider"].GetString());
    }
    CHECK(providers == std::set<std::string>{"Anthropic", "Amazon Bedrock", "Google"});
    // Spread over providers, the cache is cold on most of them; pinned to one, it stays warm.
    std::string pinned = R"(,"provider":{"order":["amazon-bedrock"]})";
    for (int i = 0; i < 3; ++i) {
        Reply reply = sim.chat(cachedBody(kSonnet, kEphemeral, pinned));
        CHECK(std::string(reply.json()["provider"].GetString()) == "Amazon Bedrock");
        CHECK(usageOf(reply).cached == kPrefixTokens);  // bedrock cached the prefix in the loop above
    }
}

TEST_CASE("the default balance always starts at the cheapest endpoint") {
    Fixture sim;
    for (int i = 0; i < 3; ++i) {
        CHECK(std::string(sim.chat(cachedBody(kSonnet, kEphemeral)).json()["provider"].GetString()) == "Anthropic");
    }
}
