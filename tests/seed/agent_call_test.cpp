// `moltbot agent`'s per-call inputs end to end (docs/cli.md "agent"): -o, --temperature, --max-tokens, --system-file,
// the prompt as an argument and piped text before -m, checked in the request the simulator received.
#include "tests/seed/seed_support.hpp"

#include <doctest/doctest.h>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

using namespace moltbot::seed;
using moltbot::test::RunOptions;
using moltbot::test::RunResult;

namespace {

const std::string kGpt = "openrouter/openai/gpt-5.2";

std::string compact(const rapidjson::Value &value) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    value.Accept(writer);
    return buffer.GetString();
}

// The config's per-model params for kGpt, which the per-call flags override.
const std::string kConfiguredParams = "{ agents: { defaults: { models: { 'openrouter/openai/gpt-5.2': "
                                      "{ params: { temperature: 0.7, maxTokens: 4096, topP: 0.5 } } } } } }";

RunResult ask(Seed &seed, std::vector<std::string> args, RunOptions options = {}) {
    args.insert(args.begin(), {"agent", "--model", kGpt});
    return seed.moltbotWithKey(std::move(args), std::move(options));
}

std::string lastUserText(Seed &seed) {
    auto body = seed.lastChatBody();
    const auto &messages = body["messages"];
    return messages[messages.Size() - 1]["content"].GetString();
}

}  // namespace

TEST_CASE("-o, --temperature and --max-tokens reach the request and win over the configured params") {
    Seed seed;
    seed.config(kConfiguredParams);
    RunResult configured = ask(seed, {"-m", "hi"});
    REQUIRE(configured.exitCode == 0);
    auto defaults = seed.lastChatBody();
    CHECK(defaults["temperature"].GetDouble() == 0.7);
    CHECK(defaults["max_tokens"].GetInt() == 4096);
    CHECK(defaults["top_p"].GetDouble() == 0.5);

    RunResult result = ask(seed, {"-m", "hi", "--temperature", "0.2", "--max-tokens", "50", "-o", "top_p", "0.9",
                                  "-o", "seed", "42", "-o", "logprobs", "true", "-o", "user", "alice",
                                  "-o", "stop", R"(["END", "STOP"])", "-o", "provider", "{only: ['openai']}"});
    CHECK(result.exitCode == 0);
    CHECK(contains(result.out, "You said: hi"));
    auto body = seed.lastChatBody();
    CHECK(body["temperature"].GetDouble() == 0.2);
    CHECK(body["max_tokens"].GetInt() == 50);
    CHECK(body["top_p"].GetDouble() == 0.9);
    CHECK(body["seed"].GetInt() == 42);
    CHECK(body["logprobs"].IsTrue());
    CHECK(std::string(body["user"].GetString()) == "alice");  // not JSON: sent as a string
    CHECK(compact(body["stop"]) == R"(["END","STOP"])");
    CHECK(compact(body["provider"]) == R"({"only":["openai"]})");
    CHECK(std::string(body["model"].GetString()) == "openai/gpt-5.2");

    // The long form, a repeated key (the last wins) and a value that starts with '-'.
    RunResult longForm = ask(seed, {"-m", "hi", "--option", "top_p", "0.3", "-o", "top_p", "0.4", "-o",
                                    "frequency_penalty", "-1"});
    CHECK(longForm.exitCode == 0);
    auto second = seed.lastChatBody();
    CHECK(second["top_p"].GetDouble() == 0.4);
    CHECK(second["frequency_penalty"].GetInt() == -1);
    CHECK(second["temperature"].GetDouble() == 0.7);  // the configured value where the call sets none
}

TEST_CASE("--max-tokens limits the answer") {
    Seed seed;
    RunResult result = ask(seed, {"-m", "one two three four five six seven eight", "--max-tokens", "2", "--json"});
    CHECK(result.exitCode == 0);
    auto json = moltbot::sim::test::parseJson(result.out);
    CHECK(std::string(json["finish_reason"].GetString()) == "length");
}

TEST_CASE("bad per-call options name the flag and the value, exit 1 and send nothing") {
    Seed seed;
    struct Case {
        std::vector<std::string> args;
        std::string error;
    };
    const std::vector<Case> cases = {
        {{"-m", "hi", "--max-tokens", "-5"}, "moltbot: --max-tokens takes a positive whole number, not '-5'"},
        {{"-m", "hi", "--max-tokens", "lots"}, "moltbot: --max-tokens takes a positive whole number, not 'lots'"},
        {{"-m", "hi", "--max-tokens", "0"}, "moltbot: --max-tokens takes a positive whole number, not '0'"},
        {{"-m", "hi", "--temperature", "hot"}, "moltbot: --temperature takes a number from 0 to 2, not 'hot'"},
        {{"-m", "hi", "--temperature", "2.5"}, "moltbot: --temperature takes a number from 0 to 2, not '2.5'"},
        {{"-m", "hi", "--temperature", "0.5", "-o", "temperature", "1"},
         "moltbot: --temperature and -o temperature both set temperature; pass one of them"},
        {{"-m", "hi", "-o", "stream", "false"}, "moltbot: -o stream: moltbot sets 'stream' itself; use --no-stream"},
        {{"-m", "hi", "-o", "messages", "[]"}, "moltbot: -o messages: moltbot sets 'messages' itself"},
        {{"-m", "hi", "-o", "top_p"}, "moltbot: -o takes two values, -o KEY VALUE, for 'moltbot agent'"},
        {{"-m", "hi", "-o", "provider", "{only: [}"}, "moltbot: -o provider is not valid JSON5: -o provider:1:"},
        {{"-m", "hi", "-o", "top_p", "NaN"}, "moltbot: -o top_p: Infinity and NaN cannot be sent in a request"},
        {{"-m", "hi", "--system", "a", "--system-file", "/etc/hostname"},
         "moltbot: pass either --system or --system-file, not both"},
        {{"hi", "-m", "hi"}, "moltbot: pass the prompt either as an argument or with --message (-m), not both"},
        {{"hi", "there"}, "moltbot: unexpected argument 'there'; pass the prompt as one argument (quote it)"},
    };
    for (const auto &c : cases) {
        CAPTURE(c.error);
        RunResult result = ask(seed, c.args);
        CHECK(result.exitCode == 1);
        CHECK(contains(result.err, c.error));
        CHECK(result.out.empty());
    }
    CHECK(seed.chatRequests().Empty());
}

TEST_CASE("--system-file sends the file as the system prompt; an unreadable one is named") {
    Seed seed;
    auto file = seed.home.write("prompts/brief.txt", "Answer in one line.\nNo lists.\n");
    RunResult result = ask(seed, {"--system-file", file.string(), "-m", "hi"});
    CHECK(result.exitCode == 0);
    auto body = seed.lastChatBody();
    CHECK(std::string(body["messages"][0]["role"].GetString()) == "system");
    CHECK(std::string(body["messages"][0]["content"].GetString()) == "Answer in one line.\nNo lists.\n");
    CHECK(std::string(body["messages"][1]["content"].GetString()) == "hi");

    std::string missing = (seed.home.path() / "prompts/nosuch.txt").string();
    RunResult absent = ask(seed, {"--system-file", missing, "-m", "hi"});
    CHECK(absent.exitCode == 1);
    CHECK(contains(absent.err, "moltbot: --system-file: cannot read " + missing + ": no such file"));

    std::string folder = (seed.home.path() / "prompts").string();
    RunResult notAFile = ask(seed, {"--system-file", folder, "-m", "hi"});
    CHECK(notAFile.exitCode == 1);
    CHECK(contains(notAFile.err, "moltbot: --system-file: cannot read " + folder + ": it is a folder, not a file"));
    CHECK(seed.chatRequests().Size() == 1);
}

TEST_CASE("the prompt as an argument, and piped text before the message") {
    Seed seed;
    RunResult positional = ask(seed, {"what is 2+2?"});
    CHECK(positional.exitCode == 0);
    CHECK(lastUserText(seed) == "what is 2+2?");

    RunOptions piped;
    piped.input = "int main() { return 0; }\n";
    RunResult withMessage = ask(seed, {"-m", "explain this"}, piped);
    CHECK(withMessage.exitCode == 0);
    CHECK(lastUserText(seed) == "int main() { return 0; }\n\nexplain this");

    RunResult withArgument = ask(seed, {"explain this"}, piped);
    CHECK(withArgument.exitCode == 0);
    CHECK(lastUserText(seed) == "int main() { return 0; }\n\nexplain this");

    RunResult pipeAlone = ask(seed, {}, piped);  // no message: the pipe is the message, as before
    CHECK(pipeAlone.exitCode == 0);
    CHECK(lastUserText(seed) == "int main() { return 0; }\n");

    RunOptions empty;  // an empty pipe adds nothing
    RunResult emptyPipe = ask(seed, {"-m", "hi"}, empty);
    CHECK(emptyPipe.exitCode == 0);
    CHECK(lastUserText(seed) == "hi");
}
