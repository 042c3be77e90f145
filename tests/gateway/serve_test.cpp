// `moltbot serve` end to end: the real binary on a free loopback port, the OpenRouter plugin, an in-process
// simulator upstream, and requests over real sockets.
#include "tests/gateway/serve_fixture.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <fstream>
#include <sstream>
#include <thread>

using namespace moltbot::gateway::test;
using moltbot::sim::test::str;

namespace {

const std::string kChat = "/v1/chat/completions";
const std::string kEcho = "[claude-sonnet-4.5 via Anthropic] You said: ";

bool contains(const std::string &text, const std::string &part) { return text.find(part) != std::string::npos; }

// The data payloads of an SSE body, [DONE] included.
std::vector<std::string> sseData(const std::string &body) {
    std::vector<std::string> data;
    std::istringstream lines(body);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind("data: ", 0) == 0) data.push_back(line.substr(6));
    }
    return data;
}

// The text of a streamed answer: every delta.content in order.
std::string streamedText(const std::vector<std::string> &events) {
    std::string text;
    for (const auto &event : events) {
        if (event == "[DONE]") continue;
        rapidjson::Document chunk;
        chunk.Parse(event.c_str());
        REQUIRE(!chunk.HasParseError());
        if (!chunk.HasMember("choices") || chunk["choices"].Empty()) continue;
        const auto &delta = chunk["choices"][0]["delta"];
        if (delta.HasMember("content")) text += delta["content"].GetString();
    }
    return text;
}

// ESTABLISHED TCP connections whose local port is `port` (the simulator's side of the gateway's upstream calls).
int establishedOn(int port) {
    int count = 0;
    for (const char *table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
        std::ifstream file(table);
        std::string line;
        std::getline(file, line);
        while (std::getline(file, line)) {
            std::istringstream fields(line);
            std::string slot, local, remote, state;
            fields >> slot >> local >> remote >> state;
            if (state == "01" && std::stoi(local.substr(local.find(':') + 1), nullptr, 16) == port) ++count;
        }
    }
    return count;
}

int simPort(ServeFixture &fixture) {
    std::string url = fixture.sim.simulator.baseUrl();  // http://127.0.0.1:PORT/api/v1
    return std::stoi(url.substr(url.rfind(':') + 1));
}

}  // namespace

TEST_CASE("a non-streamed answer: every field OpenAI lists, the config's params and routing on the wire") {
    ServeFixture fixture;
    fixture.start();
    Response response = post(fixture.port(), kChat,
                             chatBody("sonnet", "hi", R"("seed":7,"unknown_field":{"a":1},"user":"u-1")"),
                             "Authorization: Bearer client-secret-123\r\nCookie: session=abc\r\n");
    REQUIRE(response.status == 200);
    CHECK(response.header("x-moltbot-model") == kSonnet);
    CHECK(response.header("x-moltbot-attempts") == "1");
    auto answer = response.json();
    for (const char *field : {"id", "object", "created", "model", "system_fingerprint", "choices", "usage"}) {
        CHECK_MESSAGE(answer.HasMember(field), field);
    }
    CHECK(str(answer["object"]) == "chat.completion");
    CHECK(str(answer["model"]) == kSonnet);
    CHECK(answer["system_fingerprint"].IsNull());
    CHECK(str(answer["choices"][0]["message"]["content"]) == kEcho + "hi");
    CHECK(str(answer["choices"][0]["finish_reason"]) == "stop");
    const auto &usage = answer["usage"];
    CHECK(usage["total_tokens"].GetInt() == usage["prompt_tokens"].GetInt() + usage["completion_tokens"].GetInt());
    CHECK(usage["prompt_tokens_details"]["cached_tokens"].IsInt());
    CHECK(usage["cost"].GetDouble() > 0);

    auto chats = fixture.chatRequests();
    REQUIRE(chats.Size() == 1);
    const auto &wire = chats[0]["body"];
    CHECK(str(wire["model"]) == "anthropic/claude-sonnet-4.5");
    CHECK(wire["temperature"].GetDouble() == doctest::Approx(0.3));
    CHECK(str(wire["provider"]["order"][0]) == "anthropic");
    CHECK(wire["seed"].GetInt() == 7);
    CHECK(wire["unknown_field"]["a"].GetInt() == 1);
    CHECK(str(wire["user"]) == "u-1");
    CHECK_FALSE(wire.HasMember("models"));
    // The client's credentials stay with the gateway: the upstream sees the configured key and no cookie.
    const auto &sent = chats[0]["headers"];
    for (auto it = sent.MemberBegin(); it != sent.MemberEnd(); ++it) {
        std::string value = it->value.IsString() ? it->value.GetString() : "";
        CHECK_FALSE(contains(value, "client-secret-123"));
        CHECK_FALSE(contains(value, "session=abc"));
    }

    // A field the request sets itself wins over the config's params.
    Response own = post(fixture.port(), kChat, chatBody("sonnet", "hi", R"("temperature":0.9)"));
    REQUIRE(own.status == 200);
    CHECK(fixture.chatRequests()[1]["body"]["temperature"].GetDouble() == doctest::Approx(0.9));
}

TEST_CASE("a streamed answer: chunks as they come, include_usage, then [DONE]") {
    ServeFixture fixture;
    fixture.start();
    Response response = post(fixture.port(), kChat,
                             chatBody(kSonnet, "one two three four", R"("stream":true,"stream_options":{"include_usage":true})"));
    REQUIRE(response.status == 200);
    CHECK(contains(response.header("content-type"), "text/event-stream"));
    CHECK(response.header("x-moltbot-model") == kSonnet);
    std::vector<std::string> events = sseData(response.body);
    REQUIRE(events.size() >= 4);
    CHECK(events.back() == "[DONE]");
    CHECK(streamedText(events) == kEcho + "one two three four");
    rapidjson::Document first;
    first.Parse(events.front().c_str());
    CHECK(str(first["object"]) == "chat.completion.chunk");
    CHECK(str(first["choices"][0]["delta"]["role"]) == "assistant");
    rapidjson::Document usage;
    usage.Parse(events[events.size() - 2].c_str());
    CHECK(usage["choices"].Empty());
    CHECK(usage["usage"]["completion_tokens"].GetInt() > 0);
    rapidjson::Document finish;
    finish.Parse(events[events.size() - 3].c_str());
    CHECK(str(finish["choices"][0]["finish_reason"]) == "stop");

    // Without include_usage there is no usage chunk.
    Response plain = post(fixture.port(), kChat, chatBody(kSonnet, "hi", R"("stream":true)"));
    for (const auto &event : sseData(plain.body)) CHECK_FALSE(contains(event, "\"usage\":{"));
}

TEST_CASE("the chain: no model is the primary; a failing primary falls back, and the headers say so") {
    ServeFixture fixture;
    fixture.start();
    fixture.faults(R"([{"kind":"http","status":404,"match":{"model":"anthropic/claude-sonnet-4.5"},"times":1}])");
    Response response = post(fixture.port(), kChat, chatBody("", "hi"));
    REQUIRE(response.status == 200);
    CHECK(response.header("x-moltbot-model") == kGpt);
    CHECK(response.header("x-moltbot-attempts") == "2");
    CHECK(str(response.json()["model"]) == kGpt);

    // The request's own "models" replace the configured fallbacks.
    fixture.faults(R"([{"kind":"http","status":404,"match":{"model":"anthropic/claude-sonnet-4.5"},"times":1}])");
    Response own = post(fixture.port(), kChat, chatBody("sonnet", "hi", R"("models":["openrouter/x-ai/grok-4"])"));
    REQUIRE(own.status == 200);
    CHECK(own.header("x-moltbot-model") == "openrouter/x-ai/grok-4");
}

TEST_CASE("a model that does not exist is a 404 with suggestions, never answered by a fallback") {
    ServeFixture fixture;
    fixture.start();
    struct Case {
        std::string model, suggestion;
    };
    for (const Case &c : {Case{"openrouter/anthropic/claude-sonet-4.5", kSonnet},
                          Case{"anthropic/claude-sonnet-4.5", kSonnet}, Case{"sonet", "sonnet"},
                          Case{"openruter/openai/gpt-5.2", kGpt}}) {
        CAPTURE(c.model);
        Response response = post(fixture.port(), kChat, chatBody(c.model, "hi"));
        CHECK(response.status == 404);
        auto error = response.json();
        CHECK(str(error["error"]["code"]) == "model_not_found");
        CHECK(contains(str(error["error"]["message"]), "did you mean"));
        CHECK(contains(str(error["error"]["message"]), "'" + c.suggestion + "'"));
    }
    CHECK(fixture.chatRequests().Empty());
}

TEST_CASE("a configured fallback that does not exist is left out, with one warning for the server's life, not one a request") {
    ServeFixture fixture(R"({
  agents: { defaults: { model: { primary: "openrouter/anthropic/claude-sonnet-4.5",
                                 fallbacks: ["openrouter/openai/gpt-5.3-nonexistent", "openrouter/openai/gpt-5.2"] } } },
})");
    fixture.start();
    for (int i = 0; i < 3; ++i) {
        fixture.faults(R"([{"kind":"http","status":404,"match":{"model":"anthropic/claude-sonnet-4.5"},"times":1}])");
        Response response = post(fixture.port(), kChat, chatBody("", "hi"));
        REQUIRE(response.status == 200);
        CHECK(response.header("x-moltbot-model") == kGpt);
        CHECK(response.header("x-moltbot-attempts") == "2");  // the unknown fallback was never tried
    }
    std::string log = fixture.log();
    INFO("the server said: " << log);
    std::size_t warnings = 0;
    for (std::size_t at = log.find("skipping an entry of agents.defaults.model.fallbacks"); at != std::string::npos;
         at = log.find("skipping an entry of agents.defaults.model.fallbacks", at + 1)) {
        ++warnings;
    }
    CHECK(warnings == 1);
    CHECK(contains(log, "gpt-5.3-nonexistent"));
}

TEST_CASE("upstream failures map to statuses: 429 with Retry-After, 503, 400, and an SSE error after the first byte") {
    // Each case on a server of its own: the cooldowns one case starts would change the next.
    // A fresh server with `faults` armed, asked `body`.
    auto askWith = [](const std::string &faults, const std::string &body) {
        ServeFixture fixture;
        fixture.start();
        fixture.faults(faults);
        return post(fixture.port(), kChat, body);
    };
    SUBCASE("every model rate limited: 429 with Retry-After") {
        // A Retry-After over the pipeline's 30 s cap moves on at once: both models end rate limited.
        Response limited = askWith(R"([{"kind":"http","status":429,"retry_after":90,"times":2}])", chatBody("sonnet", "hi"));
        REQUIRE(limited.status == 429);
        CHECK(std::stoi(limited.header("retry-after")) >= 1);
        CHECK(str(limited.json()["error"]["type"]) == "rate_limit_error");
        CHECK(contains(str(limited.json()["error"]["message"]), kGpt));
    }
    SUBCASE("every model unavailable, retries spent: 503") {
        Response down = askWith(R"([{"kind":"http","status":503,"retry_after":1,"times":6}])", chatBody("", "hi"));
        CHECK(down.status == 503);
        CHECK(!down.header("retry-after").empty());
        CHECK(down.header("x-moltbot-attempts") == "2");
    }
    SUBCASE("the upstream refuses the request itself: 400 with its message") {
        Response refused = askWith(R"([{"kind":"http","status":400,"message":"bad thing","times":1}])", chatBody("gpt", "hi"));
        REQUIRE(refused.status == 400);
        CHECK(contains(str(refused.json()["error"]["message"]), "bad thing"));
    }
    SUBCASE("an answer the upstream breaks off, every retry: 502 naming the problem") {
        Response cut = askWith(R"([{"kind":"malformed","times":6}])", chatBody("", "hi"));
        REQUIRE(cut.status == 502);
        CHECK(str(cut.json()["error"]["type"]) == "upstream_error");
    }
    SUBCASE("an upstream that goes silent past gateway.upstreamIdleTimeoutSeconds, every retry: 504") {
        ServeFixture fixture(R"({ agents: { defaults: { model: "openrouter/openai/gpt-5.2" } },
                                  gateway: { upstreamIdleTimeoutSeconds: 1 } })");
        fixture.start();
        fixture.faults(R"([{"kind":"stall","delay_ms":5000,"times":3}])");
        Response slow = post(fixture.port(), kChat, chatBody("", "hi"));
        REQUIRE(slow.status == 504);
        CHECK(str(slow.json()["error"]["code"]) == "timeout");
    }
    SUBCASE("an upstream that drops the connection, every retry: 502") {
        Response dropped = askWith(R"([{"kind":"disconnect","times":6}])", chatBody("", "hi"));
        CHECK(dropped.status == 502);
    }
    SUBCASE("a failure after the first byte: one SSE error event, then the end") {
        Response broken = askWith(R"([{"kind":"error_chunk","after_chunks":1,"status":502,"message":"provider fell over"}])",
                                  chatBody("gpt", "one two three four", R"("stream":true)"));
        REQUIRE(broken.status == 200);
        auto events = sseData(broken.body);
        REQUIRE(events.size() >= 2);
        CHECK(events.back() == "[DONE]");
        rapidjson::Document error;
        error.Parse(events[events.size() - 2].c_str());
        REQUIRE(error.HasMember("error"));
        CHECK(contains(str(error["error"]["message"]), "provider fell over"));
    }
}

TEST_CASE("tools: a tool call comes back in message.tool_calls, and the tool's result gets the final answer") {
    ServeFixture fixture;
    fixture.start();
    std::string tools = R"("tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}])";
    Response call = post(fixture.port(), kChat, chatBody("gpt", "get_weather for Paris", tools));
    REQUIRE(call.status == 200);
    auto answer = call.json();
    const auto &choice = answer["choices"][0];
    CHECK(str(choice["finish_reason"]) == "tool_calls");
    REQUIRE(choice["message"]["tool_calls"].IsArray());
    std::string id = str(choice["message"]["tool_calls"][0]["id"]);
    CHECK(str(choice["message"]["tool_calls"][0]["function"]["name"]) == "get_weather");

    Response streamed = post(fixture.port(), kChat, chatBody("gpt", "get_weather for Paris", tools + R"(,"stream":true)"));
    std::string names, arguments, finish;
    for (const auto &event : sseData(streamed.body)) {
        if (event == "[DONE]") continue;
        rapidjson::Document chunk;
        chunk.Parse(event.c_str());
        if (chunk["choices"].Empty()) continue;
        const auto &c = chunk["choices"][0];
        if (c["finish_reason"].IsString()) finish = c["finish_reason"].GetString();
        if (!c["delta"].HasMember("tool_calls")) continue;
        const auto &fn = c["delta"]["tool_calls"][0]["function"];
        if (fn.HasMember("name")) names += fn["name"].GetString();
        arguments += fn["arguments"].GetString();
    }
    CHECK(names == "get_weather");
    CHECK(contains(arguments, "city"));
    CHECK(finish == "tool_calls");

    std::string followUp = R"({"model":"gpt","messages":[{"role":"user","content":"get_weather for Paris"},)"
                           R"({"role":"assistant","content":null,"tool_calls":[{"id":")" + id +
                           R"(","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},)"
                           R"({"role":"tool","tool_call_id":")" + id + R"(","content":"sunny, 21 C"}],)" + tools + "}";
    Response final = post(fixture.port(), kChat, followUp);
    REQUIRE(final.status == 200);
    CHECK(contains(str(final.json()["choices"][0]["message"]["content"]), "The tool returned: sunny, 21 C"));
}

TEST_CASE("GET /v1/models lists the catalog as refs plus the aliases; /health, /ready, 404 and 405") {
    ServeFixture fixture;
    fixture.start();
    Response models = get(fixture.port(), "/v1/models");
    REQUIRE(models.status == 200);
    auto list = models.json();
    CHECK(str(list["object"]) == "list");
    bool sonnet = false, alias = false;
    for (const auto &model : list["data"].GetArray()) {
        sonnet = sonnet || str(model["id"]) == kSonnet;
        alias = alias || (str(model["id"]) == "sonnet" && str(model["alias_for"]) == kSonnet);
    }
    CHECK(sonnet);
    CHECK(alias);
    CHECK(list["data"].Size() > 400);
    CHECK(get(fixture.port(), "/health").status == 200);
    CHECK(get(fixture.port(), "/ready").status == 200);
    Response unknown = get(fixture.port(), "/v2/nothing");
    CHECK(unknown.status == 404);
    CHECK(str(unknown.json()["error"]["code"]) == "unknown_url");
    Response wrong = get(fixture.port(), kChat);
    CHECK(wrong.status == 405);
    CHECK(wrong.header("allow") == "POST");
    // The catalog was fetched once, at start, not per request.
    get(fixture.port(), "/v1/models");
    int catalogFetches = 0;
    rapidjson::Document requests = fixture.sim.get("/_sim/requests", false).json();  // kept: the loop reads it
    for (const auto &request : requests["data"].GetArray()) {
        if (str(request["path"]) == "/api/v1/models") ++catalogFetches;
    }
    CHECK(catalogFetches <= 1);
}

TEST_CASE("a client that goes away mid-stream: the upstream call is cancelled, and the server serves on") {
    ServeFixture fixture;
    fixture.start();
    fixture.faults(R"([{"kind":"endless","delay_ms":10}])");
    int upstream = simPort(fixture);
    int during = 0;
    {
        Connection client(fixture.port());
        REQUIRE(client.send(postRequest(kChat, chatBody("gpt", "hi", R"("stream":true)"))));
        auto head = client.readSome(std::chrono::milliseconds(500));
        REQUIRE(head.has_value());
        CHECK(head->status == 200);
        CHECK(contains(head->body, "more "));
        during = establishedOn(upstream);
        CHECK(during >= 1);
    }
    auto gone = std::chrono::steady_clock::now();
    while (establishedOn(upstream) >= during && std::chrono::steady_clock::now() - gone < std::chrono::seconds(5)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - gone);
    MESSAGE("upstream connection closed " << took.count() << " ms after the client left");
    CHECK(establishedOn(upstream) < during);
    CHECK(fixture.server().waitFor(" 499 ", std::chrono::seconds(5)));
    CHECK(post(fixture.port(), kChat, chatBody("gpt", "still there")).status == 200);
}

TEST_CASE("over gateway.maxConcurrent a request gets 503 with Retry-After at once, not a queue") {
    ServeFixture fixture(R"({ agents: { defaults: { model: "openrouter/openai/gpt-5.2" } }, gateway: { maxConcurrent: 2 } })");
    fixture.start();
    fixture.faults(R"([{"kind":"endless","delay_ms":20,"times":2}])");
    Connection first(fixture.port()), second(fixture.port());
    REQUIRE(first.send(postRequest(kChat, chatBody("", "a", R"("stream":true)"))));
    REQUIRE(second.send(postRequest(kChat, chatBody("", "b", R"("stream":true)"))));
    REQUIRE(first.readSome(std::chrono::milliseconds(300)).has_value());
    REQUIRE(second.readSome(std::chrono::milliseconds(300)).has_value());
    Response third = post(fixture.port(), kChat, chatBody("", "c"));
    CHECK(third.status == 503);
    CHECK(third.header("retry-after") == "1");
    CHECK(contains(str(third.json()["error"]["message"]), "maxConcurrent"));
}

TEST_CASE("SIGTERM drains: requests in flight complete, new ones are refused, the server exits 0") {
    moltbot::sim::Options slow;
    slow.chunkDelayMs = 150;
    ServeFixture fixture(kConfig, slow);
    fixture.start();
    std::vector<std::unique_ptr<Connection>> clients;
    for (int i = 0; i < 4; ++i) {
        clients.push_back(std::make_unique<Connection>(fixture.port()));
        REQUIRE(clients.back()->send(postRequest(kChat, chatBody("gpt", "one two three four five six", R"("stream":true)"))));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    fixture.server().signal(SIGTERM);
    REQUIRE(fixture.server().waitFor("draining", std::chrono::seconds(5)));
    for (auto &client : clients) {
        auto response = client->read(std::chrono::seconds(20));
        REQUIRE(response.has_value());
        CHECK(response->status == 200);
        CHECK(sseData(response->body).back() == "[DONE]");
        CHECK(contains(streamedText(sseData(response->body)), "one two three four five six"));
    }
    CHECK(fixture.server().wait(std::chrono::seconds(20)) == 0);
}

TEST_CASE("SIGHUP reloads the config without dropping connections; a broken config keeps the old one") {
    ServeFixture fixture;
    fixture.start();
    Connection kept(fixture.port());
    REQUIRE(kept.send(postRequest(kChat, chatBody("sonnet", "before"))));
    REQUIRE(kept.read().has_value());
    CHECK(post(fixture.port(), kChat, chatBody("grok", "hi")).status == 404);

    fixture.writeConfig(R"({ agents: { defaults: { model: "openrouter/x-ai/grok-4",
                            models: { "openrouter/x-ai/grok-4": { alias: "grok" } } } } })");
    fixture.server().signal(SIGHUP);
    REQUIRE(fixture.server().waitFor("reloaded the config", std::chrono::seconds(10)));
    Response grok = post(fixture.port(), kChat, chatBody("grok", "hi"));
    CHECK_MESSAGE(grok.status == 200, grok.body);
    CHECK(grok.header("x-moltbot-model") == "openrouter/x-ai/grok-4");
    REQUIRE(kept.send(postRequest(kChat, chatBody("", "after"))));  // the same connection, still open
    auto after = kept.read();
    REQUIRE(after.has_value());
    CHECK(after->header("x-moltbot-model") == "openrouter/x-ai/grok-4");

    fixture.writeConfig("{ agents: { defaults: { model: ");
    fixture.server().signal(SIGHUP);
    REQUIRE(fixture.server().waitFor("did not reload", std::chrono::seconds(10)));
    CHECK(post(fixture.port(), kChat, chatBody("grok", "hi")).status == 200);
}

TEST_CASE("listening beyond loopback without keys is refused before anything is bound") {
    moltbot::test::TempDir state;
    moltbot::test::RunOptions options;
    options.env["MOLTBOT_STATE_DIR"] = state.path().string();
    auto result = moltbot::test::run({moltbot::test::moltbotBinary().string(), "serve", "--host", "0.0.0.0"}, options);
    CHECK(result.exitCode == 1);
    CHECK(contains(result.err, "--allow-unauthenticated"));
    auto badPort = moltbot::test::run({moltbot::test::moltbotBinary().string(), "serve", "--port", "http"}, options);
    CHECK(badPort.exitCode == 1);
    CHECK(contains(badPort.err, "--port"));
}

TEST_CASE("--log-format json: one object a line with the request's figures, and no prompt or answer text") {
    ServeFixture fixture;
    fixture.start({"--log-format", "json"});
    REQUIRE(post(fixture.port(), kChat, chatBody("sonnet", "purple elephant secret prompt")).status == 200);
    REQUIRE(post(fixture.port(), kChat, chatBody("nope/nothing", "x")).status == 404);
    REQUIRE(fixture.server().waitFor("\"status\":404", std::chrono::seconds(5)));
    std::string log = fixture.log();
    CHECK_FALSE(contains(log, "purple elephant"));
    CHECK_FALSE(contains(log, "You said"));
    std::istringstream lines(log);
    std::string line;
    std::vector<rapidjson::Document> records;
    while (std::getline(lines, line)) {
        if (line.empty() || line[0] != '{') continue;
        rapidjson::Document record;
        record.Parse(line.c_str());
        REQUIRE_MESSAGE(!record.HasParseError(), line);
        records.push_back(std::move(record));
    }
    REQUIRE(records.size() >= 2);
    const auto &ok = records[records.size() - 2];
    CHECK(str(ok["method"]) == "POST");
    CHECK(str(ok["path"]) == kChat);
    CHECK(ok["status"].GetInt() == 200);
    CHECK(str(ok["model_asked"]) == "sonnet");
    CHECK(str(ok["model"]) == kSonnet);
    CHECK(ok["attempts"].GetInt() == 1);
    CHECK(ok["prompt_tokens"].GetInt() > 0);
    CHECK(ok["cost"].GetDouble() > 0);
    CHECK(ok["duration_ms"].GetDouble() >= ok["ttfb_ms"].GetDouble());
    CHECK(str(records.back()["error"]) == "model_not_found");
}

TEST_CASE("a plugin that never returns: 504 at the request's deadline plus the grace, and the server serves on") {
    ServeFixture fixture(R"({ agents: { defaults: { model: "faulty/deaf" } }, gateway: { requestTimeoutSeconds: 1 } })");
    fixture.env["MOLTBOT_PLUGIN_PATH"] = moltbot::test::buildPath("tests/fixtures/faulty").string();
    fixture.start();
    INFO("the server said: " << fixture.log());
    auto started = std::chrono::steady_clock::now();
    Response plain = post(fixture.port(), kChat, chatBody("", "hi"));
    auto took = std::chrono::steady_clock::now() - started;
    CHECK(plain.status == 504);
    CHECK(str(plain.json()["error"]["code"]) == "plugin_timeout");
    CHECK(contains(str(plain.json()["error"]["message"]), "faulty/deaf"));
    CHECK(took < std::chrono::seconds(8));  // 1 s deadline + 2 s grace; the plugin sleeps 30 s
    // A stream that had begun ends with an SSE error event and [DONE].
    Response streamed = post(fixture.port(), kChat, chatBody("", "hi", R"("stream":true)"));
    CHECK(streamed.status == 200);
    std::vector<std::string> events = sseData(streamed.body);
    REQUIRE(events.size() >= 2);
    CHECK(contains(events[events.size() - 2], "plugin_timeout"));
    CHECK(events.back() == "[DONE]");
    // A plugin that polls is_cancelled stops at the deadline itself: a plain 504 timeout, no grace.
    Response stalled = post(fixture.port(), kChat, chatBody("faulty/stall", "hi"));
    CHECK(stalled.status == 504);
    CHECK(str(stalled.json()["error"]["code"]) == "timeout");
    CHECK(contains(str(stalled.json()["error"]["message"]), "requestTimeoutSeconds"));
    // Others are still served, and the written-off calls are counted and logged.
    Response ok = post(fixture.port(), kChat, chatBody("faulty/ok", "still here"));
    CHECK(ok.status == 200);
    CHECK(contains(fixture.log(), "did not return 2 s after its request's deadline"));
    CHECK(contains(get(fixture.port(), "/metrics").body,
                   "moltbot_plugin_calls_written_off_total{model=\"faulty/deaf\"} 2"));
}
