// The request log from `moltbot serve`: every chat request recorded once with its figures, read back through the real
// `moltbot logs` and `moltbot usage`; no prompt or answer text unless gateway.logContent; a log that cannot be
// written (a folder in the file's place, a file-size limit) never fails a request.
#include "tests/gateway/serve_fixture.hpp"

#include <doctest/doctest.h>

#include <thread>

#include <unistd.h>

using namespace moltbot::gateway::test;
using moltbot::sim::test::str;

namespace {

const std::string kChat = "/v1/chat/completions";

bool contains(const std::string &text, const std::string &part) { return text.find(part) != std::string::npos; }

// `moltbot logs --json -n 1000`, polled until it holds `count` entries (the log is written behind the requests).
rapidjson::Document loggedEntries(ServeFixture &fixture, std::size_t count) {
    rapidjson::Document entries;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    do {
        auto result = cli(fixture, {"logs", "--json", "-n", "1000"});
        REQUIRE_MESSAGE(result.exitCode == 0, result.err);
        entries.Parse(result.out.c_str());
        REQUIRE(entries.IsArray());
        if (entries.Size() >= count) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    } while (std::chrono::steady_clock::now() < deadline);
    return entries;
}

}  // namespace

TEST_CASE("every chat request of serve is logged once with its figures, and no text by default") {
    ServeFixture fixture;
    fixture.start();
    Response plain = post(fixture.port(), kChat, chatBody("sonnet", "purple elephant"));
    REQUIRE(plain.status == 200);
    Response streamed = post(fixture.port(), kChat,
                             chatBody("gpt", "streamed", R"("stream":true,"stream_options":{"include_usage":true})"));
    REQUIRE(streamed.status == 200);
    REQUIRE(post(fixture.port(), kChat, chatBody("nonexistent/model", "x")).status == 404);
    rapidjson::Document entries = loggedEntries(fixture, 3);
    REQUIRE(entries.Size() == 3);
    const auto &first = entries[0];
    CHECK(str(first["front_end"]) == "serve");
    CHECK(str(first["model_asked"]) == "sonnet");
    CHECK(str(first["model"]) == "openrouter/anthropic/claude-sonnet-4.5");
    CHECK(first["status"].GetInt() == 200);
    rapidjson::Document answer = plain.json();
    CHECK(first["usage"]["prompt_tokens"].GetInt64() == answer["usage"]["prompt_tokens"].GetInt64());
    CHECK(first["usage"]["completion_tokens"].GetInt64() == answer["usage"]["completion_tokens"].GetInt64());
    CHECK(first["cost"].GetDouble() == doctest::Approx(answer["usage"]["cost"].GetDouble()));
    CHECK(first["attempts"].Size() == 1);
    CHECK(first["prompt"].IsNull());
    CHECK(first["answer"].IsNull());
    CHECK(first["ttft_ms"].IsNull());  // not streamed: no time to first token
    CHECK(str(entries[1]["model"]) == "openrouter/openai/gpt-5.2");
    CHECK(entries[1]["ttft_ms"].IsInt64());
    CHECK(entries[2]["status"].GetInt() == 404);
    CHECK(str(entries[2]["error"]) == "model_not_found");

    auto usage = cli(fixture, {"usage", "--by", "model", "--json"});
    REQUIRE_MESSAGE(usage.exitCode == 0, usage.err);
    CHECK(contains(usage.out, "openrouter/anthropic/claude-sonnet-4.5"));
}

TEST_CASE("gateway.logContent keeps the messages and the answer") {
    ServeFixture fixture(R"({ agents: { defaults: { model: "openrouter/openai/gpt-5.2" } }, gateway: { logContent: true } })");
    fixture.start();
    REQUIRE(post(fixture.port(), kChat, chatBody("", "purple elephant", R"("stream":true)")).status == 200);
    rapidjson::Document entries = loggedEntries(fixture, 1);
    REQUIRE(entries.Size() == 1);
    CHECK(contains(str(entries[0]["prompt"]), "purple elephant"));
    CHECK(contains(str(entries[0]["answer"]), "purple elephant"));
}

TEST_CASE("a request log that cannot be written never fails a request: one warning, every answer served") {
    SUBCASE("a folder where the database should be") {
        ServeFixture fixture;
        std::filesystem::create_directories(fixture.state.path() / "logs.db");
        fixture.start();
        for (int i = 0; i < 5; ++i) CHECK(post(fixture.port(), kChat, chatBody("sonnet", "hi")).status == 200);
        REQUIRE(fixture.server().waitFor("cannot write the request log", std::chrono::seconds(10)));
        CHECK(post(fixture.port(), kChat, chatBody("sonnet", "still")).status == 200);
        std::string log = fixture.log();
        CHECK(log.find("cannot write the request log") == log.rfind("cannot write the request log"));
    }
    SUBCASE("a file-size limit the log passes (a full disk)") {
        ServeFixture fixture(R"({ agents: { defaults: { model: "openrouter/openai/gpt-5.2" } }, gateway: { logContent: true } })");
        fixture.launcher = {"prlimit", "--fsize=131072"};
        fixture.start();
        std::string big(4000, 'x');
        for (int i = 0; i < 60; ++i) {
            Response response = post(fixture.port(), kChat, chatBody("", big + std::to_string(i)));
            REQUIRE_MESSAGE(response.status == 200, response.body);
        }
        REQUIRE(fixture.server().waitFor("cannot write the request log", std::chrono::seconds(10)));
        CHECK(post(fixture.port(), kChat, chatBody("", "after")).status == 200);
    }
}

TEST_CASE("each row names the instance that served it: gateway.instanceId, else <hostname>:<port>") {
    SUBCASE("configured") {
        ServeFixture fixture(R"({
          agents: { defaults: { model: { primary: "openrouter/anthropic/claude-sonnet-4.5" } } },
          gateway: { instanceId: "gw-a" },
        })");
        fixture.start();
        REQUIRE(post(fixture.port(), kChat, chatBody("", "hi")).status == 200);
        rapidjson::Document entries = loggedEntries(fixture, 1);
        REQUIRE(entries.Size() == 1);
        CHECK(str(entries[0]["instance"]) == "gw-a");
        auto lines = cli(fixture, {"logs"});
        CHECK(contains(lines.out, "serve gw-a"));
        auto usage = cli(fixture, {"usage", "--by", "instance", "--json"});
        REQUIRE_MESSAGE(usage.exitCode == 0, usage.err);
        CHECK(contains(usage.out, "\"gw-a\""));
    }
    SUBCASE("by default") {
        ServeFixture fixture;
        fixture.start();
        REQUIRE(post(fixture.port(), kChat, chatBody("sonnet", "hi")).status == 200);
        rapidjson::Document entries = loggedEntries(fixture, 1);
        REQUIRE(entries.Size() == 1);
        char host[256] = {};
        REQUIRE(gethostname(host, sizeof host - 1) == 0);
        CHECK(str(entries[0]["instance"]) == std::string(host) + ":" + std::to_string(fixture.port()));
    }
    SUBCASE("an empty instanceId is a config error naming the key") {
        ServeFixture fixture(R"({ gateway: { instanceId: "" } })");
        auto result = cli(fixture, {"serve", "--port", "0"});
        CHECK(result.exitCode != 0);
        CHECK(contains(result.err, "gateway.instanceId"));
    }
}
