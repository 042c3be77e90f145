// A pure-C plugin (tests/fixtures/plugins/echo) serves requests end to end through the host's C++ API.
#include "tests/plugins/fixtures.hpp"

#include <doctest/doctest.h>

#include <rapidjson/document.h>

using namespace moltbot;
using namespace moltbot::test;

namespace {

rapidjson::Document parse(const std::string &json) {
    rapidjson::Document document;
    document.Parse(json.c_str());
    REQUIRE_FALSE(document.HasParseError());
    return document;
}

struct Echo {
    Echo() : registry(loadFolders({fixtureDir("echo")})) {
        plugin::CallResult created;
        instance = plugin::ProviderInstance::create(registry.find("echo"), R"({"name":"echo","config":{}})", created);
        REQUIRE(created.ok());
        REQUIRE(instance != nullptr);
    }
    plugin::Registry registry;
    std::unique_ptr<plugin::ProviderInstance> instance;
};

}  // namespace

TEST_CASE("stream: text deltas, then usage, then done") {
    Echo echo;
    Answer answer = streamMessage(*echo.instance, "echo-1", "hello brave new world");
    REQUIRE(answer.result.ok());
    CHECK(answer.text == "hello brave new world");
    CHECK(answer.kinds == std::vector<uint32_t>{MB_EVENT_TEXT_DELTA, MB_EVENT_TEXT_DELTA, MB_EVENT_TEXT_DELTA,
                                                MB_EVENT_TEXT_DELTA, MB_EVENT_USAGE, MB_EVENT_DONE});
    CHECK(answer.events[1] == R"({"text":"brave "})");
    auto usage = parse(answer.events[4]);
    CHECK(usage["prompt_tokens"].GetInt() == 21);
    CHECK(usage["completion_tokens"].GetInt() == 4);
    auto done = parse(answer.events[5]);
    CHECK(std::string(done["finish_reason"].GetString()) == "stop");
    CHECK(std::string(done["model"].GetString()) == "echo-1");
}

TEST_CASE("stream keeps JSON escapes intact") {
    Echo echo;
    std::string message = "say \"hi\"\nand \\ leave";
    CHECK(streamMessage(*echo.instance, "echo-1", message).text == message);
}

TEST_CASE("complete: one Chat Completions response") {
    Echo echo;
    std::vector<std::string> events;
    plugin::CallResult result = echo.instance->complete(chatRequest("echo-2", "one shot"), "{}",
                                                        [&](uint32_t kind, std::string_view json) {
                                                            CHECK(kind == MB_EVENT_RESPONSE);
                                                            events.emplace_back(json);
                                                            return true;
                                                        });
    REQUIRE(result.ok());
    REQUIRE(events.size() == 1);
    auto response = parse(events[0]);
    CHECK(std::string(response["model"].GetString()) == "echo-2");
    CHECK(std::string(response["choices"][0]["message"]["content"].GetString()) == "one shot");
    CHECK(std::string(response["choices"][0]["finish_reason"].GetString()) == "stop");
}

TEST_CASE("list_models: one event per model") {
    Echo echo;
    std::vector<std::string> ids;
    plugin::CallResult result = echo.instance->listModels([&](uint32_t kind, std::string_view json) {
        CHECK(kind == MB_EVENT_MODEL);
        ids.emplace_back(parse(std::string(json))["id"].GetString());
        return true;
    });
    CHECK(result.ok());
    CHECK(ids == std::vector<std::string>{"echo-1", "echo-2"});
}

TEST_CASE("a request without a user message is refused with the plugin's status and message") {
    Echo echo;
    plugin::CallResult result = echo.instance->stream(R"({"model":"echo-1","messages":[]})", "{}",
                                                      [](uint32_t, std::string_view) { return true; });
    CHECK(result.status == MB_ERR_INVALID_REQUEST);
    CHECK(result.message == "echo: the request has no user message");
    CHECK(result.retryAfterMs == -1);
}
