// `moltbot agent` end to end through the real binary and the faulty fixture plugin (tests/fixtures/faulty).
#include "tests/support/process.hpp"

#include <rapidjson/document.h>

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>

using namespace moltbot::test;

namespace {

struct Home {
    TempDir dir;

    explicit Home(const std::string &config = "") {
        if (!config.empty()) dir.write(".moltbot/moltbot.json", config);
    }

    RunResult agent(std::vector<std::string> args, RunOptions options = {}) const {
        args.insert(args.begin(), {moltbotBinary().string(), "agent"});
        options.env["HOME"] = dir.path().string();
        options.env["MOLTBOT_PLUGIN_PATH"] = buildPath("tests/fixtures/faulty").string();
        return run(args, options);
    }
};

rapidjson::Document parseJson(const std::string &text) {
    rapidjson::Document document;
    document.Parse(text.c_str());
    REQUIRE_FALSE(document.HasParseError());
    return document;
}

std::string chainConfig(const std::string &primary, const std::string &fallback) {
    return "{ agents: { defaults: { model: { primary: '" + primary + "', fallbacks: ['" + fallback + "'] } } } }";
}

}  // namespace

TEST_CASE("the answer streams to standard output in order, with a usage line on standard error") {
    Home home;
    RunResult result = home.agent({"--model", "faulty/ok", "-m", "hello there"});
    CHECK(result.exitCode == 0);
    CHECK(result.out == "ok: hello there\n");
    CHECK(result.err.find("[faulty/ok via Faulty Cloud · 10 tokens in, 3 out · $0.000100]") != std::string::npos);
}

TEST_CASE("the primary and its per-model options come from the config") {
    Home home("{ agents: { defaults: { model: { primary: 'faulty/options' },"
              " models: { 'faulty/options': { alias: 'opts', params: { temperature: 0.7, maxTokens: 4096 } } } } } }");
    RunResult result = home.agent({"-m", "hi"});
    CHECK(result.exitCode == 0);
    CHECK(result.out.find(R"("temperature":0.7)") != std::string::npos);
    CHECK(result.out.find(R"("maxTokens":4096)") != std::string::npos);
    RunResult byAlias = home.agent({"--model", "OPTS", "-m", "hi"});
    CHECK(byAlias.exitCode == 0);
    CHECK(byAlias.out == result.out);
}

TEST_CASE("--json prints one object with the text, the model, usage and the attempts") {
    Home home(chainConfig("faulty/auth", "faulty/ok"));
    RunResult result = home.agent({"-m", "hi", "--json"});
    CHECK(result.exitCode == 0);
    auto json = parseJson(result.out);
    CHECK(std::string(json["status"].GetString()) == "ok");
    CHECK(std::string(json["text"].GetString()) == "ok: hi");
    CHECK(std::string(json["model"].GetString()) == "faulty/ok");
    CHECK(std::string(json["provider"].GetString()) == "Faulty Cloud");
    CHECK(std::string(json["finish_reason"].GetString()) == "stop");
    CHECK(json["usage"]["prompt_tokens"].GetInt() == 10);
    CHECK(json["usage"]["cost"].GetDouble() == doctest::Approx(0.0001));
    REQUIRE(json["attempts"].Size() == 2);
    CHECK(std::string(json["attempts"][0]["model"].GetString()) == "faulty/auth");
    CHECK(std::string(json["attempts"][0]["outcome"].GetString()) == "auth");
    CHECK(json["attempts"][0]["http_status"].GetInt() == 401);
    CHECK(std::string(json["attempts"][1]["outcome"].GetString()) == "ok");
}

TEST_CASE("each error class falls back to the next model") {
    for (std::string failure : {"auth", "payment", "not_found", "moderation", "rate_limited@10", "unavailable@10",
                                "timeout@10", "transport@10"}) {
        CAPTURE(failure);
        Home home(chainConfig("faulty/" + failure, "faulty/ok"));
        RunResult result = home.agent({"-m", "fallback please"});
        CHECK(result.exitCode == 0);
        CHECK(result.out == "ok: fallback please\n");
        CHECK(result.err.find("[faulty/ok") != std::string::npos);
    }
}

TEST_CASE("an invalid request fails at once, without trying the fallback") {
    Home home(chainConfig("faulty/invalid_request", "faulty/ok"));
    RunResult result = home.agent({"-m", "hi", "--json"});
    CHECK(result.exitCode == 2);
    auto json = parseJson(result.out);
    CHECK(json["attempts"].Size() == 1);
    CHECK(std::string(json["error"].GetString()) == "faulty/invalid_request: simulated invalid_request");
}

TEST_CASE("Retry-After is honoured up to a cap") {
    Home home;
    auto started = std::chrono::steady_clock::now();
    RunResult result = home.agent({"--model", "faulty/flaky1-rate_limited@400", "-m", "hi", "--json"});
    auto elapsed = std::chrono::steady_clock::now() - started;
    CHECK(result.exitCode == 0);
    CHECK(elapsed >= std::chrono::milliseconds(400));
    auto json = parseJson(result.out);
    CHECK(json["attempts"].Size() == 2);
    CHECK(std::string(json["text"].GetString()) == "recovered after 1 failures");

    // A Retry-After beyond the 30 s cap is not waited for: the next model answers at once.
    Home capped(chainConfig("faulty/rate_limited@600000", "faulty/ok"));
    started = std::chrono::steady_clock::now();
    RunResult moved = capped.agent({"-m", "hi"});
    CHECK(moved.exitCode == 0);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
}

TEST_CASE("a cooldown persists across two invocations") {
    Home home(chainConfig("faulty/rate_limited@90000", "faulty/ok"));
    RunResult first = home.agent({"-m", "one", "--json"});
    CHECK(first.exitCode == 0);
    CHECK(parseJson(first.out)["attempts"].Size() == 2);
    CHECK(std::filesystem::exists(home.dir.path() / ".moltbot/cooldowns.json"));

    RunResult second = home.agent({"-m", "two", "--json"});
    CHECK(second.exitCode == 0);
    auto json = parseJson(second.out);
    REQUIRE(json["attempts"].Size() == 2);
    CHECK(std::string(json["attempts"][0]["model"].GetString()) == "faulty/rate_limited@90000");
    CHECK(std::string(json["attempts"][0]["outcome"].GetString()) == "skipped");
    CHECK(std::string(json["attempts"][0]["message"].GetString()).find("cooling down until") != std::string::npos);
    CHECK(std::string(json["text"].GetString()) == "ok: two");
}

TEST_CASE("a failure after partial output keeps the output, reports the error and exits non-zero") {
    Home home(chainConfig("faulty/partial-unavailable", "faulty/ok"));
    RunResult result = home.agent({"-m", "hi"});
    CHECK(result.exitCode == 2);
    CHECK(result.out == "partial answer \n");
    CHECK(result.err.find("faulty/partial-unavailable: simulated unavailable") != std::string::npos);
}

TEST_CASE("Ctrl-C cancels a stalled stream promptly, keeps what was received, exits 130") {
    Home home;
    RunOptions options;
    options.signalOnOutput = "waiting";
    RunResult result = home.agent({"--model", "faulty/stall", "-m", "hi"}, options);
    CHECK(result.signalled);
    CHECK(result.exitCode == 130);
    CHECK(result.out == "waiting\n");
    CHECK(result.err.find("cancelled") != std::string::npos);
    CHECK(result.exitAfterSignal < std::chrono::seconds(2));  // the budget is 100 ms; see tests/bench for the figure
}

TEST_CASE("standard input is the message, through a pipe or with --message -") {
    Home home;
    RunOptions options;
    options.input = "from a pipe";
    RunResult piped = home.agent({"--model", "faulty/ok"}, options);
    CHECK(piped.exitCode == 0);
    CHECK(piped.out == "ok: from a pipe\n");
    RunResult dash = home.agent({"--model", "faulty/ok", "--message", "-"}, options);
    CHECK(dash.out == "ok: from a pipe\n");
}

TEST_CASE("usage errors: no model, a bad ref, an unserved prefix, an empty message") {
    Home home;
    RunResult noModel = home.agent({"-m", "hi"});
    CHECK(noModel.exitCode == 1);
    CHECK(noModel.err.find("no model to ask") != std::string::npos);

    RunResult badRef = home.agent({"--model", "claude", "-m", "hi"});
    CHECK(badRef.exitCode == 1);
    CHECK(badRef.err.find("invalid model 'claude' in --model") != std::string::npos);

    // A model no plugin serves is refused before anything is tried: a usage error, not a failed request.
    RunResult unserved = home.agent({"--model", "nowhere/x", "-m", "hi"});
    CHECK(unserved.exitCode == 1);
    CHECK(unserved.err.find("moltbot: unknown model 'nowhere/x': no plugin serves the prefix 'nowhere' (served: faulty") !=
          std::string::npos);

    RunResult empty = home.agent({"--model", "faulty/ok", "-m", "  "});
    CHECK(empty.exitCode == 1);
    CHECK(empty.err.find("the message is empty") != std::string::npos);

    RunResult badTimeout = home.agent({"--model", "faulty/ok", "-m", "hi", "--timeout", "soon"});
    CHECK(badTimeout.exitCode == 1);
    CHECK(badTimeout.err.find("--timeout takes a number of seconds, not 'soon'") != std::string::npos);
}

TEST_CASE("--timeout ends a request that takes too long") {
    Home home;
    auto started = std::chrono::steady_clock::now();
    RunResult result = home.agent({"--model", "faulty/slow", "-m", "hi", "--timeout", "0.5"});
    CHECK(result.exitCode == 2);
    CHECK(result.err.find("longer than --timeout 0.5 s") != std::string::npos);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
}

TEST_CASE("a plugin that ignores cancellation: --timeout and Ctrl-C still end the CLI, naming the plugin") {
    Home home;
    SUBCASE("--timeout") {
        auto started = std::chrono::steady_clock::now();
        RunResult result = home.agent({"--model", "faulty/deaf", "-m", "hi", "--timeout", "0.5"});
        auto took = std::chrono::steady_clock::now() - started;
        CHECK(result.exitCode == 2);
        CHECK(result.out.find("waiting") != std::string::npos);  // what was printed stays
        CHECK(result.err.find("faulty.so) serving faulty/deaf did not return within 2 s of --timeout") != std::string::npos);
        CHECK(took < std::chrono::seconds(10));  // 0.5 s, then the 2 s grace; the plugin would sleep 30 s
    }
    SUBCASE("Ctrl-C") {
        RunOptions options;
        options.signalOnOutput = "waiting";
        RunResult result = home.agent({"--model", "faulty/deaf", "-m", "hi"}, options);
        CHECK(result.signalled);
        CHECK(result.exitCode == 130);
        CHECK_MESSAGE(result.err.find("did not return within 2 s of Ctrl-C") != std::string::npos, result.err);
        CHECK(result.exitAfterSignal < std::chrono::seconds(10));
    }
}
