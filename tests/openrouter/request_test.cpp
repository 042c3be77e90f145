// The POST /chat/completions body: params mapping, provider pass-through and checks, cache_control breakpoints.
#include "samples.hpp"

#include "request.hpp"

#include <moltbot/plugin.h>
#include <moltbot/sdk/guard.hpp>
#include <moltbot/sdk/json.hpp>

#include <doctest/doctest.h>

using namespace moltbot::openrouter;
namespace json = moltbot::sdk::json;

namespace {

const ProviderDirectory &directory() {
    static const ProviderDirectory d = ProviderDirectory::parse(test::kProviders);
    return d;
}

struct Built {
    rapidjson::Document body;
    std::vector<std::string> notices;
};

Built build(const std::string &request, const std::string &options, const std::string &model = "openai/gpt-5.2",
            bool stream = true, int *lookups = nullptr) {
    rapidjson::Document req;
    rapidjson::Document opts;
    REQUIRE(json::parse(req, request));
    REQUIRE(json::parse(opts, options));
    BuiltRequest built = buildRequest(req, opts, model, stream, [&]() -> const ProviderDirectory & {
        if (lookups != nullptr) ++*lookups;
        return directory();
    });
    Built out;
    REQUIRE(json::parse(out.body, built.body));
    out.notices = built.notices;
    return out;
}

int32_t failureOf(const std::string &request, const std::string &options, std::string *message = nullptr) {
    try {
        build(request, options);
    } catch (const moltbot::sdk::Failure &f) {
        if (message != nullptr) *message = f.message();
        return f.code();
    }
    return MB_OK;
}

const char *kChat = R"({"model":"x","messages":[{"role":"system","content":"Be terse."},)"
                    R"({"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"},)"
                    R"({"role":"user","content":[{"type":"text","text":"Doc"},{"type":"image_url","image_url":{"url":"u"}}]}]})";

int markers(const rapidjson::Value &body) {
    int count = 0;
    for (const auto &m : body["messages"].GetArray()) {
        if (!m["content"].IsArray()) continue;
        for (const auto &part : m["content"].GetArray()) count += part.HasMember("cache_control") ? 1 : 0;
    }
    return count;
}

}  // namespace

TEST_CASE("request: the model and stream flag are set, the rest of the request kept") {
    Built b = build(R"({"model":"openrouter/x","messages":[],"tools":[{"type":"function"}],"stream":false})", "{}",
                    "anthropic/claude-sonnet-4.5", true);
    CHECK(json::getString(b.body, "model") == "anthropic/claude-sonnet-4.5");
    CHECK(json::getBool(b.body, "stream") == true);
    CHECK(b.body["tools"].Size() == 1);
    Built plain = build(R"({"model":"x","messages":[],"stream_options":{"include_usage":true}})", "{}", "m", false);
    CHECK(json::getBool(plain.body, "stream", true) == false);
    CHECK_FALSE(plain.body.HasMember("stream_options"));
}

TEST_CASE("request: params are mapped to wire names; the request's own values win") {
    Built b = build(R"({"model":"x","messages":[],"temperature":0.9})",
                    R"({"params":{"temperature":0.2,"maxTokens":1024,"topP":0.5,"topK":40,"frequencyPenalty":0.1,)"
                    R"("presencePenalty":0.2,"repetitionPenalty":1.1,"seed":7,"stop":["END"],"minP":0.05,)"
                    R"("cacheControlTtl":"1h","verbosity":"low","someNewThing":{"a":1},"topLogprobs":null}})");
    CHECK(b.body["temperature"].GetDouble() == 0.9);
    CHECK(b.body["max_tokens"].GetInt() == 1024);
    CHECK(b.body["top_p"].GetDouble() == 0.5);
    CHECK(b.body["top_k"].GetInt() == 40);
    CHECK(b.body["frequency_penalty"].GetDouble() == doctest::Approx(0.1));
    CHECK(b.body["presence_penalty"].GetDouble() == doctest::Approx(0.2));
    CHECK(b.body["repetition_penalty"].GetDouble() == doctest::Approx(1.1));
    CHECK(b.body["seed"].GetInt() == 7);
    CHECK(json::view(b.body["stop"][0]) == "END");
    CHECK(b.body["min_p"].GetDouble() == doctest::Approx(0.05));
    CHECK(json::getString(b.body, "verbosity") == "low");
    CHECK(b.body["some_new_thing"]["a"].GetInt() == 1);
    CHECK_FALSE(b.body.HasMember("top_logprobs"));      // null unsets
    CHECK_FALSE(b.body.HasMember("cacheControlTtl"));   // consumed
    CHECK_FALSE(b.body.HasMember("cache_control_ttl"));
    CHECK_FALSE(b.body.HasMember("maxTokens"));

    Built limited = build(R"({"model":"x","messages":[],"max_completion_tokens":10})", R"({"params":{"maxTokens":99}})");
    CHECK_FALSE(limited.body.HasMember("max_tokens"));  // one limit only
    CHECK(snakeCase("repetitionPenalty") == "repetition_penalty");
}

TEST_CASE("request: reasoning effort becomes reasoning.effort, once") {
    Built effort = build(R"({"model":"x","messages":[]})", R"({"params":{"reasoning":"low"}})");
    CHECK(json::getString(effort.body["reasoning"], "effort") == "low");
    CHECK_FALSE(effort.body.HasMember("reasoning_effort"));
    Built alias = build(R"({"model":"x","messages":[]})", R"({"params":{"reasoningEffort":"high"}})");
    CHECK(json::getString(alias.body["reasoning"], "effort") == "high");
    Built object = build(R"({"model":"x","messages":[]})", R"({"params":{"reasoning":{"max_tokens":2000}}})");
    CHECK(object.body["reasoning"]["max_tokens"].GetInt() == 2000);
    Built off = build(R"({"model":"x","messages":[]})", R"({"params":{"reasoning":"off"}})");
    CHECK_FALSE(off.body.HasMember("reasoning"));
    // Two reasoning fields give OpenRouter's 400: the request's reasoning_effort stays alone.
    Built own = build(R"({"model":"x","messages":[],"reasoning_effort":"minimal"})", R"({"params":{"reasoning":"low"}})");
    CHECK_FALSE(own.body.HasMember("reasoning"));
}

TEST_CASE("request: a param of the wrong type is an invalid argument naming the key") {
    std::string message;
    CHECK(failureOf(R"({"model":"x","messages":[]})", R"({"params":{"temperature":"hot"}})", &message) ==
          MB_ERR_INVALID_ARGUMENT);
    CHECK(message.find("params.temperature") != std::string::npos);
    CHECK(failureOf(R"({"model":"x","messages":[]})", R"({"params":{"maxTokens":1.5}})") == MB_ERR_INVALID_ARGUMENT);
    CHECK(failureOf(R"({"model":"x","messages":[]})", R"({"params":{"stop":[1]}})") == MB_ERR_INVALID_ARGUMENT);
    CHECK(failureOf(R"({"model":"x","messages":[]})", R"({"params":{"cacheControlTtl":"2h"}})", &message) ==
          MB_ERR_INVALID_ARGUMENT);
    CHECK(message.find("cacheControlTtl") != std::string::npos);
    CHECK(failureOf(R"({"model":"x","messages":[]})", R"({"params":[]})") == MB_ERR_INVALID_ARGUMENT);
    CHECK(failureOf(R"([])", R"({})") == MB_ERR_INVALID_ARGUMENT);
}

TEST_CASE("request: the provider object passes through whole, merged, type-checked") {
    Built b = build(R"({"model":"x","messages":[]})",
                    R"({"params":{"provider":{"sort":"price","only":["openai"]}},)"
                    R"("provider":{"only":["anthropic"],"allow_fallbacks":false,"data_collection":"deny","zdr":true,)"
                    R"("max_price":{"prompt":1,"completion":"2"},"experimental_key":[1,2]}})");
    const rapidjson::Value &p = b.body["provider"];
    CHECK(json::getString(p, "sort") == "price");
    REQUIRE(p["only"].Size() == 1);
    CHECK(json::view(p["only"][0]) == "anthropic");  // options.provider wins over params.provider
    CHECK(p["allow_fallbacks"].IsFalse());
    CHECK(json::getString(p, "data_collection") == "deny");
    CHECK(p["zdr"].IsTrue());
    CHECK(json::view(p["max_price"]["completion"]) == "2");
    CHECK(p["experimental_key"].Size() == 2);  // unknown keys are OpenRouter's business
    CHECK(b.notices.empty());
    CHECK_FALSE(b.body.HasMember("params"));

    std::string message;
    CHECK(failureOf(R"({"model":"x","messages":[]})", R"({"provider":{"only":"anthropic"}})", &message) ==
          MB_ERR_INVALID_ARGUMENT);
    CHECK(message.find("provider.only") != std::string::npos);
    CHECK(failureOf(R"({"model":"x","messages":[]})", R"({"provider":{"allow_fallbacks":"no"}})", &message) ==
          MB_ERR_INVALID_ARGUMENT);
    CHECK(message.find("provider.allow_fallbacks") != std::string::npos);
    CHECK(failureOf(R"({"model":"x","messages":[]})", R"({"provider":{"data_collection":"maybe"}})") ==
          MB_ERR_INVALID_ARGUMENT);
    CHECK(failureOf(R"({"model":"x","messages":[]})", R"({"provider":{"max_price":{"prompt":[]}}})") ==
          MB_ERR_INVALID_ARGUMENT);
    CHECK(failureOf(R"({"model":"x","messages":[]})", R"({"provider":"anthropic"})") == MB_ERR_INVALID_ARGUMENT);
}

TEST_CASE("request: unknown provider slugs give a notice naming the nearest known slug, and are sent as is") {
    int lookups = 0;
    Built b = build(R"({"model":"x","messages":[]})",
                    R"({"provider":{"order":["aws-bedrock","anthropic"],"ignore":["google","deepinfra/turbo"]}})",
                    "m", true, &lookups);
    REQUIRE(b.notices.size() == 2);
    CHECK(b.notices[0].find("\"aws-bedrock\"") != std::string::npos);
    CHECK(b.notices[0].find("did you mean \"amazon-bedrock\"") != std::string::npos);
    CHECK(b.notices[0].find("provider.order") != std::string::npos);
    CHECK(b.notices[1].find("\"google-vertex\"") != std::string::npos);
    CHECK(json::view(b.body["provider"]["order"][0]) == "aws-bedrock");
    CHECK(lookups > 0);

    int none = 0;
    build(R"({"model":"x","messages":[]})", R"({"params":{"temperature":1}})", "m", true, &none);
    CHECK(none == 0);  // no slugs, no directory fetch
}

TEST_CASE("cache_control: anthropic models with a TTL get breakpoints on the last user message and the system prompt") {
    Built b = build(kChat, R"({"params":{"cacheControlTtl":"1h"}})", "anthropic/claude-sonnet-4.5");
    const rapidjson::Value &messages = b.body["messages"];
    // The system prompt's string content became one text part carrying the marker.
    REQUIRE(messages[0]["content"].IsArray());
    CHECK(json::getString(messages[0]["content"][0], "text") == "Be terse.");
    CHECK(json::getString(messages[0]["content"][0]["cache_control"], "type") == "ephemeral");
    CHECK(json::getString(messages[0]["content"][0]["cache_control"], "ttl") == "1h");
    // The last user message: its last *text* part, not the image.
    CHECK(messages[3]["content"][0].HasMember("cache_control"));
    CHECK_FALSE(messages[3]["content"][1].HasMember("cache_control"));
    // Earlier messages untouched.
    CHECK(messages[1]["content"].IsString());
    CHECK(messages[2]["content"].IsString());
    CHECK(markers(b.body) == 2);

    Built fiveMinutes = build(kChat, R"({"params":{"cacheControlTtl":"5m"}})", "~anthropic/claude-sonnet-latest");
    CHECK(json::getString(fiveMinutes.body["messages"][0]["content"][0]["cache_control"], "ttl") == "5m");
}

TEST_CASE("cache_control: none for other models or without a TTL") {
    CHECK(markers(build(kChat, R"({"params":{"cacheControlTtl":"1h"}})", "openai/gpt-5.2").body) == 0);
    CHECK(markers(build(kChat, R"({"params":{}})", "anthropic/claude-sonnet-4.5").body) == 0);
    CHECK(markers(build(kChat, R"({})", "anthropic/claude-sonnet-4.5").body) == 0);
}

TEST_CASE("cache_control: never more than 4 breakpoints in a request") {
    // Three markers already present (two parts and a tool): room for one more, which goes to the last user message.
    const char *crowded =
        R"({"model":"x","tools":[{"type":"function","function":{"name":"f"},"cache_control":{"type":"ephemeral"}}],)"
        R"("messages":[{"role":"system","content":"S"},)"
        R"({"role":"user","content":[{"type":"text","text":"a","cache_control":{"type":"ephemeral"}}]},)"
        R"({"role":"user","content":[{"type":"text","text":"b","cache_control":{"type":"ephemeral"}}]},)"
        R"({"role":"user","content":"last"}]})";
    Built b = build(crowded, R"({"params":{"cacheControlTtl":"1h"}})", "anthropic/claude-sonnet-4.5");
    CHECK(markers(b.body) == 3);
    CHECK(b.body["messages"][3]["content"][0].HasMember("cache_control"));
    CHECK(b.body["messages"][0]["content"].IsString());  // the budget ran out before the system prompt

    const char *full = R"({"model":"x","cache_control":{"type":"ephemeral"},"messages":[)"
                       R"({"role":"user","content":[{"type":"text","text":"1","cache_control":{}},)"
                       R"({"type":"text","text":"2","cache_control":{}},{"type":"text","text":"3","cache_control":{}}]},)"
                       R"({"role":"user","content":"last"}]})";
    Built none = build(full, R"({"params":{"cacheControlTtl":"1h"}})", "anthropic/claude-sonnet-4.5");
    CHECK(none.body["messages"][1]["content"].IsString());

    // An already marked last part is not marked twice.
    Built again = build(R"({"model":"x","messages":[{"role":"user","content":[{"type":"text","text":"q",)"
                        R"("cache_control":{"type":"ephemeral","ttl":"5m"}}]}]})",
                        R"({"params":{"cacheControlTtl":"1h"}})", "anthropic/claude-sonnet-4.5");
    CHECK(json::getString(again.body["messages"][0]["content"][0]["cache_control"], "ttl") == "5m");
}
