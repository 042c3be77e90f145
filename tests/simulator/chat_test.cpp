// POST /chat/completions: auth, validation, the non-streaming body, SSE framing, usage and cost, max_tokens.
#include "tests/simulator/catalog.hpp"
#include "tests/simulator/sim_client.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace moltbot::sim;
using namespace moltbot::sim::test;

TEST_CASE("authentication: a missing header and an unknown key are 401s with OpenRouter's messages") {
    Fixture fixture;
    Reply missing = fixture.call({"POST", "/api/v1/chat/completions", chatBody("openai/gpt-5.2", "hi"), {}, false});
    CHECK(missing.status == 401);
    auto json = missing.json();
    CHECK(str(json["error"]["message"]) == "No auth credentials found");
    CHECK(json["error"]["code"].GetInt() == 401);

    Call unknown{"POST", "/api/v1/chat/completions", chatBody("openai/gpt-5.2", "hi")};
    unknown.key = "sk-or-v1-0000";
    Reply bad = fixture.call(unknown);
    CHECK(bad.status == 401);
    CHECK(str(bad.json()["error"]["message"]) == "User not found.");
    CHECK(fixture.get("/api/v1/key", false).status == 401);
}

TEST_CASE("--key replaces the default key") {
    Options options;
    options.keys = {"sk-or-v1-custom"};
    Fixture fixture(options);
    CHECK(fixture.chat(chatBody("openai/gpt-5.2", "hi")).status == 401);
    Call custom{"POST", "/api/v1/chat/completions", chatBody("openai/gpt-5.2", "hi")};
    custom.key = "sk-or-v1-custom";
    CHECK(fixture.call(custom).status == 200);
}

TEST_CASE("an unknown model is a 400 naming it; a request without messages is a 400") {
    Fixture fixture;
    Reply reply = fixture.chat(chatBody("acme/fake-1.0", "hi"));
    CHECK(reply.status == 400);
    CHECK(str(reply.json()["error"]["message"]) == "acme/fake-1.0 is not a valid model ID");
    CHECK(fixture.chat(chatBody("anthropic/claude-sonnet-4-5", "hi")).status == 400);
    CHECK(fixture.chat("{\"model\":\"openai/gpt-5.2\"}").status == 400);
    CHECK(fixture.chat("{not json").status == 400);
}

TEST_CASE("image parts: a data URL of an image or an http(s) URL is taken; a malformed one is a 400; a text model 404s") {
    Fixture fixture;
    auto withImage = [](const std::string &model, const std::string &url) {
        return R"({"model":")" + model + R"(","messages":[{"role":"user","content":[{"type":"text","text":"what is it"},)"
               R"({"type":"image_url","image_url":{"url":")" + url + R"("}}]}]})";
    };
    CHECK(fixture.chat(withImage("openai/gpt-5.2", "data:image/png;base64,iVBORw0KGgo=")).status == 200);
    CHECK(fixture.chat(withImage("openai/gpt-5.2", "data:image/webp;base64,UklGRg==")).status == 200);
    CHECK(fixture.chat(withImage("openai/gpt-5.2", "https://example.com/cat.png")).status == 200);
    for (const std::string bad : {"data:x", "data:image/png;base64,", "data:image/png;base64,not base64!",
                                  "data:image/png;base64,abc", "data:text/plain;base64,aGk=", "data:image/png,iVBO",
                                  "ftp://example.com/a.png", ""}) {
        CAPTURE(bad);
        Reply reply = fixture.chat(withImage("openai/gpt-5.2", bad));
        CHECK(reply.status == 400);
        CHECK(str(reply.json()["error"]["message"]).starts_with("Invalid image URL"));
    }
    CHECK(fixture.chat(R"({"model":"openai/gpt-5.2","messages":[{"role":"user","content":[{"type":"image_url"}]}]})")
              .status == 400);
    Reply textOnly = fixture.chat(withImage("openai/gpt-oss-120b", "data:image/png;base64,iVBORw0KGgo="));
    CHECK(textOnly.status == 404);
    CHECK(str(textOnly.json()["error"]["message"]) == "No endpoints found that support image input");
}

TEST_CASE("a non-streaming answer has the OpenRouter shape, a gen- id and the serving provider's display name") {
    Fixture fixture;
    Reply reply = fixture.chat(chatBody("anthropic/claude-sonnet-4.5", "hi",
                                        "\"usage\":{\"include\":true},\"transforms\":[],\"route\":\"fallback\","
                                        "\"stream_options\":{\"include_usage\":true},\"include_reasoning\":false,"
                                        "\"temperature\":0.7,\"some_future_field\":{\"x\":1}"));
    REQUIRE(reply.status == 200);
    CHECK(reply.header("Content-Type").starts_with("application/json"));
    auto json = reply.json();
    std::string id = str(json["id"]);
    CHECK(id.starts_with("gen-"));
    CHECK(id.size() == std::string("gen-1758703529-").size() + 20);
    CHECK(reply.header("X-Generation-Id") == id);
    CHECK(str(json["object"]) == "chat.completion");
    CHECK(str(json["provider"]) == "Anthropic");
    CHECK(str(json["model"]) == "anthropic/claude-sonnet-4.5");
    const auto &choice = json["choices"][0];
    CHECK(str(choice["message"]["role"]) == "assistant");
    CHECK(str(choice["message"]["content"]) == "[claude-sonnet-4.5 via Anthropic] You said: hi");
    CHECK(str(choice["finish_reason"]) == "stop");
    CHECK(str(choice["native_finish_reason"]) == "end_turn");

    // "hi" is 1 token; the 47-byte answer 12. Sonnet 4.5: $3/M in, $15/M out.
    const auto &usage = json["usage"];
    CHECK(usage["prompt_tokens"].GetInt() == 1);
    CHECK(usage["completion_tokens"].GetInt() == 12);
    CHECK(usage["total_tokens"].GetInt() == 13);
    CHECK(usage["cost"].GetDouble() == doctest::Approx(1 * 3e-6 + 12 * 15e-6));
    CHECK(usage["prompt_tokens_details"]["cached_tokens"].GetInt() == 0);
    CHECK(usage["prompt_tokens_details"]["cache_write_tokens"].GetInt() == 0);
}

TEST_CASE("prompt tokens count all message text, a quarter token per byte, rounded up") {
    Fixture fixture;
    std::string body = R"({"model":"openai/gpt-4o-mini","messages":[
        {"role":"system","content":"You are terse."},
        {"role":"user","content":[{"type":"text","text":"abcd"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw=="}}]},
        {"role":"assistant","content":"ok"},
        {"role":"user","content":"again"}]})";
    Reply reply = fixture.chat(body);
    REQUIRE(reply.status == 200);
    auto json = reply.json();
    CHECK(json["usage"]["prompt_tokens"].GetInt() == 7);  // 14 + 4 + 2 + 5 = 25 bytes
    CHECK(str(json["choices"][0]["message"]["content"]) == "[gpt-4o-mini via OpenAI] You said: again");
    int completion = json["usage"]["completion_tokens"].GetInt();
    CHECK(json["usage"]["cost"].GetDouble() == doctest::Approx(7 * 0.15e-6 + completion * 0.6e-6));
}

TEST_CASE("max_tokens cuts the answer with finish_reason length") {
    Fixture fixture;
    Reply reply = fixture.chat(chatBody("google/gemini-2.5-pro", "tell me a long story", "\"max_tokens\":3"));
    REQUIRE(reply.status == 200);
    auto json = reply.json();
    CHECK(str(json["choices"][0]["message"]["content"]) == "[gemini-2.5-");  // 3 tokens = 12 bytes
    CHECK(str(json["choices"][0]["finish_reason"]) == "length");
    CHECK(str(json["choices"][0]["native_finish_reason"]) == "MAX_TOKENS");
    CHECK(json["usage"]["completion_tokens"].GetInt() == 3);
    // The smaller of max_tokens and max_completion_tokens wins.
    Reply both = fixture.chat(chatBody("openai/gpt-5.2", "hi", "\"max_tokens\":100,\"max_completion_tokens\":2"));
    CHECK(both.json()["usage"]["completion_tokens"].GetInt() == 2);
}

TEST_CASE("streaming: a processing comment, role on every delta, a finish chunk, a usage chunk, [DONE]") {
    Fixture fixture;
    Reply reply = fixture.chat(chatBody("anthropic/claude-sonnet-4.5", "hi", "\"stream\":true"));
    REQUIRE(reply.status == 200);
    CHECK(reply.header("Content-Type").starts_with("text/event-stream"));
    CHECK(reply.body.starts_with(": OPENROUTER PROCESSING\n\n"));
    SseEvents events = parseSse(reply.body);
    REQUIRE(events.data.size() >= 6);  // >= 3 content chunks, finish, usage, [DONE]
    CHECK(events.data.back() == "[DONE]");
    CHECK(reply.body.ends_with("data: [DONE]\n\n"));

    std::string text, id;
    std::size_t contentChunks = events.data.size() - 3;
    CHECK(contentChunks >= 3);
    CHECK(contentChunks <= 8);
    for (std::size_t i = 0; i + 1 < events.data.size(); ++i) {
        auto chunk = parseJson(events.data[i]);
        CHECK(str(chunk["object"]) == "chat.completion.chunk");
        CHECK(str(chunk["provider"]) == "Anthropic");
        if (id.empty()) id = str(chunk["id"]);
        CHECK(str(chunk["id"]) == id);
        if (i + 2 == events.data.size()) {  // the usage chunk
            CHECK(chunk["choices"].IsArray());
            CHECK(chunk["choices"].Size() == 0);
            CHECK(chunk["usage"]["completion_tokens"].GetInt() == 12);
            continue;
        }
        const auto &choice = chunk["choices"][0];
        CHECK(str(choice["delta"]["role"]) == "assistant");
        text += str(choice["delta"]["content"]);
        if (i + 3 == events.data.size()) {
            CHECK(str(choice["finish_reason"]) == "stop");
            CHECK(str(choice["delta"]["content"]).empty());
        } else {
            CHECK(choice["finish_reason"].IsNull());
        }
    }
    CHECK(text == "[claude-sonnet-4.5 via Anthropic] You said: hi");
    CHECK(reply.header("X-Generation-Id") == id);
}

TEST_CASE("--chunk-delay-ms spaces the chunks; --leading-whitespace pads non-streaming bodies") {
    Options options;
    options.chunkDelayMs = 40;
    options.leadingWhitespace = true;
    Fixture fixture(options);
    auto start = std::chrono::steady_clock::now();
    Reply stream = fixture.chat(chatBody("openai/gpt-5.2", "one two three four five six", "\"stream\":true"));
    auto elapsed = std::chrono::steady_clock::now() - start;
    std::size_t chunks = parseSse(stream.body).data.size() - 3;
    CHECK(elapsed >= std::chrono::milliseconds(40 * (chunks - 1)));
    CHECK(stream.body.starts_with(":"));  // no whitespace in streams

    Reply plain = fixture.chat(chatBody("openai/gpt-5.2", "hi"));
    CHECK(plain.body.starts_with("\n "));
    CHECK(parseJson(plain.body.substr(plain.body.find('{')))["id"].IsString());
}

TEST_CASE("openrouter/auto and a missing model are served by the router's pick") {
    Fixture fixture;
    auto routed = fixture.chat(chatBody("openrouter/auto", "hi")).json();
    CHECK(str(routed["model"]) == "anthropic/claude-sonnet-4.5");
    auto defaulted = fixture.chat(R"({"messages":[{"role":"user","content":"hi"}]})").json();
    CHECK(str(defaulted["model"]) == "anthropic/claude-sonnet-4.5");
}

TEST_CASE("the key, credits and generation endpoints") {
    Fixture fixture;
    auto key = fixture.get("/api/v1/key").json();
    CHECK(str(key["data"]["label"]) == "sk-or-v1-d0d...afe");
    CHECK(key["data"]["limit"].IsNull());
    CHECK(key["data"]["usage"].GetDouble() == 0);
    CHECK(key["data"]["is_free_tier"].GetBool() == false);
    CHECK(fixture.get("/api/v1/auth/key").status == 200);

    Reply credits = fixture.get("/api/v1/credits");
    CHECK(credits.status == 403);
    CHECK(str(credits.json()["error"]["message"]) == "Only management keys can perform this operation");

    Reply chat = fixture.call({"POST",
                               "/api/v1/chat/completions",
                               chatBody("openai/gpt-5.2", "hi", "\"user\":\"u-42\""),
                               {{"HTTP-Referer", "https://moltbot.example"}}});
    double cost = chat.json()["usage"]["cost"].GetDouble();
    std::string id = chat.header("X-Generation-Id");
    Reply generation = fixture.get("/api/v1/generation?id=" + id);
    REQUIRE(generation.status == 200);
    auto data = generation.json();
    CHECK(str(data["data"]["id"]) == id);
    CHECK(str(data["data"]["provider_name"]) == "OpenAI");
    CHECK(str(data["data"]["model"]) == "openai/gpt-5.2");
    CHECK(str(data["data"]["external_user"]) == "u-42");
    CHECK(str(data["data"]["http_referer"]) == "https://moltbot.example");
    CHECK(data["data"]["total_cost"].GetDouble() == doctest::Approx(cost));
    CHECK(data["data"]["streamed"].GetBool() == false);
    CHECK(fixture.get("/api/v1/generation?id=gen-0-nothing").status == 404);
    CHECK(fixture.get("/api/v1/key").json()["data"]["usage"].GetDouble() == doctest::Approx(cost));

    Call management{"GET", "/api/v1/credits"};
    management.key = kDefaultManagementKey;
    auto totals = fixture.call(management).json();
    CHECK(totals["data"]["total_credits"].GetDouble() == 100);
    CHECK(totals["data"]["total_usage"].GetDouble() == doctest::Approx(cost));
    // Another key cannot see this key's generation.
    Call foreign{"GET", "/api/v1/generation?id=" + id};
    foreign.key = kDefaultManagementKey;
    CHECK(fixture.call(foreign).status == 404);
}

TEST_CASE("a key configured with a spent limit gets 402; its /key shows the limit") {
    Fixture fixture;
    Reply set = fixture.post(
        "/_sim/keys",
        std::string("{\"key\":\"") + kDefaultKey + "\",\"limit\":5,\"usage\":5,\"is_free_tier\":true,\"label\":\"ci\"}",
        false);
    REQUIRE(set.status == 200);
    auto key = fixture.get("/api/v1/key").json();
    CHECK(key["data"]["limit"].GetDouble() == 5);
    CHECK(key["data"]["limit_remaining"].GetDouble() == 0);
    CHECK(key["data"]["is_free_tier"].GetBool());
    CHECK(str(key["data"]["label"]) == "ci");
    Reply chat = fixture.chat(chatBody("openai/gpt-5.2", "hi"));
    CHECK(chat.status == 402);
    CHECK(str(chat.json()["error"]["message"]).starts_with("Insufficient credits"));
}

TEST_CASE(":free models are limited to 20 requests a minute per key") {
    Fixture fixture;
    std::string body = chatBody("meta-llama/llama-3.3-70b-instruct:free", "hi");
    for (int i = 0; i < 20; ++i) REQUIRE(fixture.chat(body).status == 200);
    Reply limited = fixture.chat(body);
    CHECK(limited.status == 429);
    CHECK(limited.header("X-RateLimit-Limit") == "20");
    CHECK(!limited.header("Retry-After").empty());
    CHECK(fixture.chat(chatBody("meta-llama/llama-3.3-70b-instruct", "hi")).status == 200);  // paid: no cap
    // With a paid fallback the request still succeeds.
    auto fallback =
        fixture.chat(chatBody("meta-llama/llama-3.3-70b-instruct:free", "hi", "\"models\":[\"openai/gpt-4o-mini\"]"))
            .json();
    CHECK(str(fallback["model"]) == "openai/gpt-4o-mini");
    REQUIRE(fixture.post("/_sim/clock", "{\"advance_ms\":61000}", false).status == 200);
    CHECK(fixture.chat(body).status == 200);
}

namespace {

const char *kWeatherTools =
    R"("tools":[{"type":"function","function":{"name":"get_time","parameters":{"type":"object","properties":{}}}},)"
    R"({"type":"function","function":{"name":"get_weather","description":"Weather for a place","parameters":)"
    R"({"type":"object","properties":{"location":{"type":"string"},"days":{"type":"integer"},)"
    R"("unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["location"]}}}])";

}  // namespace

TEST_CASE("a tool named in the user message is called, with arguments that fit its schema") {
    Fixture fixture;
    Reply reply = fixture.chat(chatBody("anthropic/claude-sonnet-4.5", "Florence: use get_weather", kWeatherTools));
    REQUIRE(reply.status == 200);
    auto json = reply.json();
    const auto &choice = json["choices"][0];
    CHECK(str(choice["finish_reason"]) == "tool_calls");
    CHECK(str(choice["native_finish_reason"]) == "tool_use");
    CHECK(choice["message"]["content"].IsNull());
    const auto &call = choice["message"]["tool_calls"][0];
    CHECK(str(call["id"]).starts_with("toolu_sim_"));
    CHECK(str(call["type"]) == "function");
    CHECK(str(call["function"]["name"]) == "get_weather");
    auto arguments = parseJson(str(call["function"]["arguments"]));
    CHECK(str(arguments["location"]) == "Florence: use get_weather");
    CHECK(arguments["days"].GetInt() == 1);
    CHECK(str(arguments["unit"]) == "celsius");
    CHECK(json["usage"]["completion_tokens"].GetInt() > 0);

    // No tool named: a plain answer; tool_choice "none" or a last tool result: never a call.
    CHECK(fixture.chat(chatBody("openai/gpt-5.2", "hello", kWeatherTools))
              .json()["choices"][0]["message"]["content"]
              .IsString());
    auto none = fixture
                    .chat(chatBody("openai/gpt-5.2", "use get_weather",
                                   std::string(kWeatherTools) + R"(,"tool_choice":"none")"))
                    .json();
    CHECK_FALSE(none["choices"][0]["message"].HasMember("tool_calls"));
    std::string afterTool = std::string(R"({"model":"openai/gpt-5.2",)") + kWeatherTools +
                            R"(,"messages":[{"role":"user","content":"use get_weather"},)"
                            R"({"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",)"
                            R"("function":{"name":"get_weather","arguments":"{}"}}]},)"
                            R"({"role":"tool","tool_call_id":"call_1","content":"22C and sunny"}]})";
    auto answered = fixture.chat(afterTool).json();
    CHECK(str(answered["choices"][0]["message"]["content"]) == "[gpt-5.2 via OpenAI] The tool returned: 22C and sunny");
    CHECK(str(answered["choices"][0]["finish_reason"]) == "stop");
}

TEST_CASE("tool_choice forces a call: a named function, or the first tool when required") {
    Fixture fixture;
    auto named = fixture
                     .chat(chatBody("openai/gpt-5.2", "hi",
                                    std::string(kWeatherTools) +
                                        R"(,"tool_choice":{"type":"function","function":{"name":"get_weather"}})"))
                     .json();
    const auto &call = named["choices"][0]["message"]["tool_calls"][0];
    CHECK(str(call["function"]["name"]) == "get_weather");
    CHECK(str(call["id"]).starts_with("call_"));
    auto required =
        fixture.chat(chatBody("openai/gpt-5.2", "hi", std::string(kWeatherTools) + R"(,"tool_choice":"required")"))
            .json();
    CHECK(str(required["choices"][0]["message"]["tool_calls"][0]["function"]["name"]) == "get_time");
    CHECK(str(required["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]) == "{}");
}

TEST_CASE("a streamed tool call: id and name first, then argument fragments that concatenate") {
    Fixture fixture;
    Reply reply = fixture.chat(
        chatBody("openai/gpt-5.2", "get_weather please", std::string(kWeatherTools) + R"(,"stream":true)"));
    SseEvents events = parseSse(reply.body);
    REQUIRE(events.data.size() >= 5);
    CHECK(events.data.back() == "[DONE]");
    auto first = parseJson(events.data[0]);
    const auto &head = first["choices"][0]["delta"]["tool_calls"][0];
    CHECK(str(head["function"]["name"]) == "get_weather");
    CHECK(str(head["id"]).starts_with("call_"));
    CHECK(str(head["function"]["arguments"]).empty());
    std::string arguments;
    for (std::size_t i = 1; i + 3 < events.data.size(); ++i) {
        auto chunk = parseJson(events.data[i]);
        const auto &fragment = chunk["choices"][0]["delta"]["tool_calls"][0];
        CHECK_FALSE(fragment.HasMember("id"));
        CHECK(fragment["index"].GetInt() == 0);
        arguments += str(fragment["function"]["arguments"]);
    }
    CHECK(str(parseJson(arguments)["location"]) == "get_weather please");
    auto finish = parseJson(events.data[events.data.size() - 3]);
    CHECK(str(finish["choices"][0]["finish_reason"]) == "tool_calls");
}
