// The request log end to end: the built moltbot's agent against the in-process OpenRouter simulator (the seed
// tests' fixture), then `moltbot logs`, `moltbot usage`, `agent -c/--cid` and `logs off|on` on what it recorded.
#include "tests/seed/seed_support.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

using moltbot::seed::contains;
using moltbot::seed::Seed;
using moltbot::test::RunOptions;
using moltbot::test::RunResult;

namespace {

const std::string kSonnet = "openrouter/anthropic/claude-sonnet-4.5";

rapidjson::Document parse(const std::string &text) { return moltbot::sim::test::parseJson(text); }

std::string str(const rapidjson::Value &value) { return moltbot::sim::test::str(value); }

// The seed fixture with the state folder named through MOLTBOT_STATE_DIR and the simulator's model as the default.
struct Logged {
    Seed seed;
    std::filesystem::path state = seed.home.path() / ".moltbot";

    Logged() { seed.config("{ agents: { defaults: { model: { primary: '" + kSonnet + "' } } } }"); }

    RunResult operator()(std::vector<std::string> args) const {
        RunOptions options;
        options.env["MOLTBOT_STATE_DIR"] = state.string();
        return seed.moltbotWithKey(std::move(args), std::move(options));
    }
    // `moltbot agent <args> --json`, which must answer.
    rapidjson::Document ask(std::vector<std::string> args) const {
        args.insert(args.begin(), "agent");
        args.push_back("--json");
        RunResult result = (*this)(args);
        REQUIRE_MESSAGE(result.exitCode == 0, result.err);
        return parse(result.out);
    }
    rapidjson::Document logs(std::vector<std::string> args = {}) const {
        args.insert(args.begin(), {"logs", "--json"});
        RunResult result = (*this)(args);
        REQUIRE_MESSAGE(result.exitCode == 0, result.err);
        return parse(result.out);
    }
    // The messages of the last request the simulator received, as "role: content" lines.
    std::vector<std::string> lastMessages() {
        std::vector<std::string> lines;
        rapidjson::Document body = seed.lastChatBody();
        for (const auto &message : body["messages"].GetArray()) {
            lines.push_back(str(message["role"]) + ": " + str(message["content"]));
        }
        return lines;
    }
};

}  // namespace

TEST_CASE("each agent request is logged once, with the model, provider, tokens and cost the agent reported") {
    Logged run;
    rapidjson::Document first = run.ask({"-m", "hello there"});
    rapidjson::Document second = run.ask({"-m", "a second question", "--system", "be brief"});
    CHECK(run.seed.chatRequests().Size() == 2);

    rapidjson::Document logs = run.logs();
    REQUIRE(logs.IsArray());
    REQUIRE(logs.Size() == 2);
    for (rapidjson::SizeType i = 0; i < 2; ++i) {
        const rapidjson::Value &entry = logs[i];
        const rapidjson::Value &agent = i == 0 ? first : second;
        CAPTURE(i);
        CHECK(str(entry["front_end"]) == "agent");
        CHECK(str(entry["model"]) == kSonnet);
        CHECK(str(entry["model_asked"]) == kSonnet);
        CHECK(str(entry["provider"]) == "Anthropic");
        CHECK(entry["status"].GetInt() == 0);
        CHECK(entry["error"].IsNull());
        CHECK(entry["key"].IsNull());
        CHECK(entry["usage"]["prompt_tokens"].GetInt64() == agent["usage"]["prompt_tokens"].GetInt64());
        CHECK(entry["usage"]["completion_tokens"].GetInt64() == agent["usage"]["completion_tokens"].GetInt64());
        CHECK(entry["cost"].GetDouble() == doctest::Approx(agent["usage"]["cost"].GetDouble()));
        CHECK_FALSE(entry["cost_estimated"].GetBool());
        CHECK(str(entry["answer"]) == str(agent["text"]));
        CHECK(str(entry["conversation_id"]) == str(agent["conversation_id"]));
        REQUIRE(entry["attempts"].Size() == 1);
        CHECK(str(entry["attempts"][0]["ref"]) == kSonnet);
        CHECK(str(entry["attempts"][0]["outcome"]) == "ok");
        CHECK(entry["latency_ms"].GetInt64() >= entry["ttft_ms"].GetInt64());
    }
    CHECK(str(logs[0]["prompt"]) == "hello there");
    CHECK(logs[0]["system"].IsNull());
    CHECK(str(logs[1]["system"]) == "be brief");
    CHECK(str(logs[0]["conversation_id"]) != str(logs[1]["conversation_id"]));  // a fresh agent, a new conversation
    CHECK(str(logs[0]["conversation_id"]).size() == 12);

    RunResult usage = run({"usage", "--json"});
    REQUIRE(usage.exitCode == 0);
    rapidjson::Document totals = parse(usage.out);
    CHECK(totals["total"]["requests"].GetInt() == 2);
    CHECK(totals["total"]["prompt_tokens"].GetInt64() ==
          first["usage"]["prompt_tokens"].GetInt64() + second["usage"]["prompt_tokens"].GetInt64());
    CHECK(totals["total"]["cost"].GetDouble() ==
          doctest::Approx(first["usage"]["cost"].GetDouble() + second["usage"]["cost"].GetDouble()));
    REQUIRE(totals["groups"].Size() == 1);
    CHECK(str(totals["groups"][0]["group"]) == kSonnet);

    RunResult byProvider = run({"usage", "--by", "provider"});
    CHECK(byProvider.exitCode == 0);
    CHECK(contains(byProvider.out, "Anthropic"));
    CHECK(contains(byProvider.out, "Total"));

    RunResult text = run({"logs"});
    CHECK(text.exitCode == 0);
    CHECK(contains(text.out, "agent · " + kSonnet + " via Anthropic · ok"));
    RunResult view = run({"logs", "--conversation", "-n", "1"});
    CHECK(contains(view.out, "## System\n\nbe brief\n\n## Prompt\n\na second question\n\n## Response\n\n" +
                                 str(second["text"])));

    struct stat info {};
    REQUIRE(::stat((run.state / "logs.db").c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    CHECK(contains(run({"logs", "path"}).out, (run.state / "logs.db").string()));
}

TEST_CASE("agent -c sends the earlier turns first and keeps the conversation; --cid picks one") {
    Logged run;
    rapidjson::Document first = run.ask({"-m", "first", "--system", "be brief"});
    std::string conversation = str(first["conversation_id"]);
    std::string answer1 = str(first["text"]);

    rapidjson::Document second = run.ask({"-c", "-m", "second"});
    CHECK(str(second["conversation_id"]) == conversation);
    CHECK(run.lastMessages() ==
          std::vector<std::string>{"system: be brief", "user: first", "assistant: " + answer1, "user: second"});

    rapidjson::Document third = run.ask({"--continue", "-m", "third"});
    CHECK(str(third["conversation_id"]) == conversation);
    CHECK(run.lastMessages().size() == 6);

    rapidjson::Document other = run.ask({"-m", "another topic"});
    CHECK(str(other["conversation_id"]) != conversation);
    CHECK(run.lastMessages() == std::vector<std::string>{"user: another topic"});

    rapidjson::Document fourth = run.ask({"--cid", conversation, "-m", "fourth"});
    CHECK(str(fourth["conversation_id"]) == conversation);
    std::vector<std::string> sent = run.lastMessages();
    REQUIRE(sent.size() == 8);
    CHECK(sent[0] == "system: be brief");
    CHECK(sent[5] == "user: third");
    CHECK(sent[6] == "assistant: " + str(third["text"]));
    CHECK(sent[7] == "user: fourth");

    CHECK(run.logs({"--cid", conversation}).Size() == 4);
    rapidjson::Document latest = run.ask({"-c", "-m", "fifth"});  // the latest conversation is this one again
    CHECK(str(latest["conversation_id"]) == conversation);

    RunResult unknown = run({"agent", "--cid", "nosuchconversation", "-m", "x"});
    CHECK(unknown.exitCode == 1);
    CHECK(contains(unknown.err, "no conversation 'nosuchconversation'"));
    RunResult both = run({"agent", "-c", "--cid", conversation, "-m", "x"});
    CHECK(both.exitCode == 1);
}

TEST_CASE("a failed request is logged with its error; -c leaves it out of the conversation") {
    Logged run;
    rapidjson::Document first = run.ask({"-m", "first"});
    run.seed.faults(R"([{"kind":"http","status":400,"message":"bad request"}])");
    RunResult failed = run({"agent", "-c", "-m", "rejected"});
    CHECK(failed.exitCode == 2);
    rapidjson::Document logs = run.logs();
    REQUIRE(logs.Size() == 2);
    CHECK(logs[1]["status"].GetInt() == 2);
    CHECK(str(logs[1]["error"]) == "invalid_request");
    CHECK(logs[1]["usage"].IsNull());
    CHECK(str(logs[1]["conversation_id"]) == str(first["conversation_id"]));
    run.ask({"-c", "-m", "again"});
    CHECK(run.lastMessages() ==
          std::vector<std::string>{"user: first", "assistant: " + str(first["text"]), "user: again"});
}

TEST_CASE("logs off stops logging and -c says why; logs on starts again") {
    Logged run;
    run.ask({"-m", "logged"});
    RunResult off = run({"logs", "off"});
    CHECK(off.exitCode == 0);
    CHECK(contains(off.out, "Request logging is off"));
    CHECK(run({"config", "get", "logs.enabled"}).out == "false\n");
    rapidjson::Document unlogged = run.ask({"-m", "not logged"});
    CHECK(unlogged["conversation_id"].IsNull());
    RunResult carryOn = run({"agent", "-c", "-m", "x"});
    CHECK(carryOn.exitCode == 1);
    CHECK(contains(carryOn.err, "logging is off"));
    RunResult listed = run({"logs"});
    CHECK(contains(listed.err, "request logging is off"));
    CHECK(run.logs().Size() == 1);

    CHECK(run({"logs", "on"}).exitCode == 0);
    run.ask({"-m", "logged again"});
    CHECK(run.logs().Size() == 2);
    CHECK(run({"config", "validate"}).exitCode == 0);
}

TEST_CASE("logs off on a config that does not parse changes nothing") {
    Logged run;
    const std::string broken = "{ agents: { defaults: { model: 'x/y' } }, oops";
    run.seed.config(broken);
    RunResult off = run({"logs", "off"});
    CHECK(off.exitCode == 1);
    CHECK(contains(off.err, "moltbot.json:1:"));
    CHECK(moltbot::test::readFile(run.state / "moltbot.json") == broken);
}

TEST_CASE("logging off from the start creates no file") {
    Logged run;
    run.seed.config("{ logs: { enabled: false }, agents: { defaults: { model: { primary: '" + kSonnet + "' } } } }");
    run.ask({"-m", "hi"});
    CHECK_FALSE(std::filesystem::exists(run.state / "logs.db"));
}

TEST_CASE("no log yet, filters and bad flags") {
    Logged run;
    RunResult empty = run({"logs"});
    CHECK(empty.exitCode == 0);
    CHECK(empty.out == "no requests logged yet\n");
    CHECK(run({"usage"}).out == "no requests logged yet\n");
    CHECK(run.logs().Size() == 0);
    RunResult noneToContinue = run({"agent", "-c", "-m", "x"});
    CHECK(noneToContinue.exitCode == 1);
    CHECK(contains(noneToContinue.err, "no conversation to continue"));

    run.ask({"-m", "one"});
    run.ask({"--model", "openrouter/openai/gpt-4o-mini", "-m", "two"});
    CHECK(run.logs({"--model", "openrouter/openai/*"}).Size() == 1);
    CHECK(run.logs({"--model", "*sonnet*"}).Size() == 1);
    CHECK(run.logs({"--since", "1h"}).Size() == 2);
    CHECK(run.logs({"-n", "1"}).Size() == 1);
    CHECK(run.logs({"--key", "team"}).Size() == 0);

    struct Bad {
        std::vector<std::string> args;
        std::string message;
    };
    for (const Bad &bad : {Bad{{"logs", "--since", "3 days"}, "--since takes a duration"},
                           Bad{{"logs", "-n", "many"}, "-n/--count takes a number"},
                           Bad{{"logs", "--bogus"}, "unknown option --bogus"},
                           Bad{{"logs", "of"}, "unknown subcommand 'of' for 'moltbot logs' (did you mean 'off'?)"},
                           Bad{{"usage", "--by", "week"}, "--by takes model, key, day, provider or instance, not 'week'"},
                           Bad{{"usage", "--since", "yesterday"}, "--since takes a duration"}}) {
        CAPTURE(bad.args[0] + " " + bad.args[1]);
        RunResult result = run(bad.args);
        CHECK(result.exitCode == 1);
        CHECK(contains(result.err, bad.message));
    }
}
