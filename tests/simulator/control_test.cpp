// The control API's request log and reset, and the openrouter-sim program.
#include "tests/simulator/sim_client.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace moltbot::sim;
using namespace moltbot::sim::test;

TEST_CASE("requests are recorded exactly, with the provider that served them") {
    Fixture fixture;
    Call call{
        "POST",
        "/api/v1/chat/completions",
        chatBody("anthropic/claude-sonnet-4.5", "hi", R"("temperature":0.2,"provider":{"only":["amazon-bedrock"]})"),
        {{"X-OpenRouter-Title", "moltbot"}, {"HTTP-Referer", "https://moltbot.example"}}};
    Reply reply = fixture.call(call);
    REQUIRE(reply.status == 200);
    fixture.get("/api/v1/models?supported_parameters=tools", false);

    auto log = fixture.get("/_sim/requests", false).json();
    REQUIRE(log["data"].Size() == 2);
    const auto &chat = log["data"][0];
    CHECK(str(chat["method"]) == "POST");
    CHECK(str(chat["path"]) == "/api/v1/chat/completions");
    CHECK(str(chat["headers"]["Authorization"]) == std::string("Bearer ") + kDefaultKey);
    CHECK(str(chat["headers"]["X-OpenRouter-Title"]) == "moltbot");
    CHECK(chat["body"]["temperature"].GetDouble() == 0.2);
    CHECK(str(chat["body"]["provider"]["only"][0]) == "amazon-bedrock");
    CHECK(chat["status"].GetInt() == 200);
    CHECK(str(chat["provider"]) == "Amazon Bedrock");
    CHECK(str(chat["provider_slug"]) == "amazon-bedrock");
    CHECK(str(chat["model"]) == "anthropic/claude-sonnet-4.5");
    CHECK(str(chat["generation_id"]) == reply.header("X-Generation-Id"));
    const auto &models = log["data"][1];
    CHECK(str(models["query"]) == "supported_parameters=tools");
    CHECK(models["body"].IsNull());
    CHECK(models["provider"].IsNull());

    // Failed requests are recorded with their status; /_sim calls are not recorded.
    fixture.chat(chatBody("acme/none", "hi"));
    auto after = fixture.get("/_sim/requests", false).json();
    REQUIRE(after["data"].Size() == 3);
    CHECK(after["data"][2]["status"].GetInt() == 400);

    REQUIRE(fixture.call({"DELETE", "/_sim/requests", "", {}, false}).status == 200);
    CHECK(fixture.get("/_sim/requests", false).json()["data"].Size() == 0);
}

TEST_CASE("POST /_sim/reset forgets requests, faults, generations and usage") {
    Fixture fixture;
    Reply chat = fixture.chat(chatBody("openai/gpt-5.2", "hi"));
    fixture.faults(R"([{"kind":"http","status":500}])");
    REQUIRE(fixture.post("/_sim/reset", "", false).status == 200);
    CHECK(fixture.get("/_sim/requests", false).json()["data"].Size() == 0);
    CHECK(fixture.get("/api/v1/generation?id=" + chat.header("X-Generation-Id")).status == 404);
    CHECK(fixture.get("/api/v1/key").json()["data"]["usage"].GetDouble() == 0);
    CHECK(fixture.chat(chatBody("openai/gpt-5.2", "hi")).status == 200);
}

TEST_CASE("unknown routes are 404s with an error body") {
    Fixture fixture;
    CHECK(fixture.get("/api/v1/nothing").status == 404);
    CHECK(fixture.get("/elsewhere", false).status == 404);
    CHECK(fixture.get("/_sim/nothing", false).json()["error"]["code"].GetInt() == 404);
}

TEST_CASE("openrouter-sim announces its address and exits on stdin EOF when asked") {
    moltbot::test::TempDir dir;
    std::string program = moltbot::test::buildPath("tests/simulator/openrouter-sim").string();
    auto faults = dir.write("faults.json", R"([{"kind":"http","status":503}])");
    moltbot::test::RunResult result =
        moltbot::test::run({program, "--exit-on-stdin-eof", "--key", "sk-or-v1-abc", "--faults", faults.string()});
    CHECK(result.exitCode == 0);
    CHECK(result.out.starts_with("listening on http://127.0.0.1:"));
    CHECK(result.out.ends_with("\n"));
    int port = std::stoi(result.out.substr(std::string("listening on http://127.0.0.1:").size()));
    CHECK(port > 0);

    moltbot::test::RunResult unknown = moltbot::test::run({program, "--bogus"});
    CHECK(unknown.exitCode == 2);
    CHECK(unknown.err.find("unknown flag '--bogus'") != std::string::npos);
    CHECK(moltbot::test::run({program, "--port", "x"}).exitCode == 2);
    auto broken = dir.write("broken.json", R"([{"kind":"nope"}])");
    moltbot::test::RunResult bad = moltbot::test::run({program, "--faults", broken.string(), "--exit-on-stdin-eof"});
    CHECK(bad.exitCode == 1);
    CHECK(bad.err.find("unknown fault kind 'nope'") != std::string::npos);
}
