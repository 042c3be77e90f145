// The user page (/work/shared/seed/openrouter.md, docs/providers/openrouter.md) end to end: each snippet pasted
// verbatim into moltbot.json, each command run as written, against an in-process OpenRouter simulator.
#include "tests/seed/seed_support.hpp"
#include "tests/support/openrouter_page.hpp"

#include <doctest/doctest.h>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <filesystem>

using namespace moltbot::seed;
using moltbot::test::RunResult;
using namespace moltbot::test::page;

namespace {

const std::string kSonnet = "openrouter/anthropic/claude-sonnet-4-5";
const std::string kNotice = R"(model id "anthropic/claude-sonnet-4-5" is not in the OpenRouter catalog; using "anthropic/claude-sonnet-4.5")";

// The message of the fault tests, and the simulator's whole answer to it.
const std::string kSixWords = "one two three four five six";
const std::string kSixWordsEcho = "[claude-sonnet-4.5 via Anthropic] You said: " + kSixWords;

// The default-model snippet in the config and `faults` armed in the simulator.
void withFaults(Seed &seed, const std::string &faults) {
    seed.config(kDefaultModel);
    seed.faults(faults);
}

// `config` pasted, then `moltbot agent --model <the page's model> -m hi` with the key, then `extra`.
RunResult askSonnet(const Seed &seed, const std::string &config, const std::vector<std::string> &extra = {}) {
    seed.config(config);
    std::vector<std::string> args{"agent", "--model", kSonnet, "-m", "hi"};
    args.insert(args.end(), extra.begin(), extra.end());
    return seed.moltbotWithKey(args);
}

std::string replaced(std::string text, const std::string &from, const std::string &to) {
    std::size_t at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

std::string compact(const rapidjson::Value &value) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    value.Accept(writer);
    return buffer.GetString();
}

moltbot::test::RunOptions keyOption(const std::string &key) {
    moltbot::test::RunOptions options;
    options.env["OPENROUTER_API_KEY"] = key;
    return options;
}

rapidjson::Document parse(const std::string &text) { return moltbot::sim::test::parseJson(text); }

// Every cache_control marker of a chat body (on message parts, and a top-level one), compacted.
std::vector<std::string> cacheMarkers(const rapidjson::Value &body) {
    std::vector<std::string> markers;
    if (body.HasMember("cache_control")) markers.push_back(compact(body["cache_control"]));
    for (const auto &message : body["messages"].GetArray()) {
        if (!message["content"].IsArray()) continue;
        for (const auto &part : message["content"].GetArray()) {
            if (part.HasMember("cache_control")) markers.push_back(compact(part["cache_control"]));
        }
    }
    return markers;
}

// A system prompt far above the simulator's 1024-token cache minimum (tokens = bytes / 4).
std::string longSystemPrompt() {
    std::string text = "You are a careful assistant.";
    for (int i = 0; i < 200; ++i) text += " Reference paragraph " + std::to_string(i) + ": the quick brown fox.";
    return text;
}

}  // namespace

TEST_SUITE("quick start and setup") {

TEST_CASE("the config snippet: the key from the env block, the dashed default model resolved with one notice") {
    Seed seed;
    seed.config(withSimKey(kConfigSnippet));
    RunResult result = seed.moltbot({"agent", "-m", "hi"});
    CHECK(result.exitCode == 0);
    CHECK(result.out == "[claude-sonnet-4.5 via Anthropic] You said: hi\n");
    CHECK(count(result.err, kNotice) == 1);
    CHECK(contains(result.err, "[openrouter/anthropic/claude-sonnet-4-5 via Anthropic · 1 tokens in, 12 out"));
    CHECK(seed.chatModels() == std::vector<std::string>{"anthropic/claude-sonnet-4.5"});
    auto chats = seed.chatRequests();
    CHECK(std::string(chats[0]["headers"]["Authorization"].GetString()) == "Bearer " + kKey);
}

TEST_CASE("the notice stays one line when the model is retried") {
    Seed seed;
    seed.config(withSimKey(kConfigSnippet));
    seed.faults(R"([{"kind":"http","status":503,"retry_after":0,"match":{"model":"anthropic/claude-sonnet-4.5"}}])");
    RunResult result = seed.moltbot({"agent", "-m", "hi"});
    CHECK(result.exitCode == 0);
    CHECK(seed.chatModels().size() == 2);
    CHECK(count(result.err, kNotice) == 1);
}

TEST_CASE("option B: non-interactive onboard with the key from the environment, then the quick-start default") {
    Seed seed;
    RunResult onboard = seed.shell(R"(moltbot onboard --non-interactive \
  --mode local \
  --auth-choice openrouter-api-key \
  --openrouter-api-key "$OPENROUTER_API_KEY")",
                                   keyOption(kKey));
    CHECK(onboard.exitCode == 0);
    CHECK_FALSE(contains(onboard.out + onboard.err, kKey));
    CHECK(contains(onboard.out, "sk-or-v1...cafe"));

    // Step 3 of the quick start; the key now comes from the credentials file, not the environment.
    seed.config(kDefaultModel);
    RunResult result = seed.moltbot({"agent", "-m", "hi"});
    CHECK(result.exitCode == 0);
    CHECK(result.out == "[claude-sonnet-4.5 via Anthropic] You said: hi\n");
    RunResult status = seed.moltbot({"models", "status"});
    CHECK(status.exitCode == 0);
    CHECK(contains(status.out, "- openrouter effective=credentials file | key=sk-or-v1...cafe | source=" + (seed.home.path() / ".moltbot/credentials.json").string()));
}

TEST_CASE("option C: the environment variable") {
    Seed seed;
    seed.config(kDefaultModel);
    RunResult result = seed.moltbotWithKey({"agent", "-m", "hi", "--json"});
    CHECK(result.exitCode == 0);
    auto json = parse(result.out);
    CHECK(std::string(json["text"].GetString()) == "[claude-sonnet-4.5 via Anthropic] You said: hi");
    CHECK(std::string(json["upstream_model"].GetString()) == "anthropic/claude-sonnet-4.5");
    CHECK(std::string(json["model"].GetString()) == kSonnet);

    RunResult missing = seed.moltbot({"agent", "-m", "hi"});
    CHECK(missing.exitCode != 0);
    CHECK(contains(missing.err, "OPENROUTER_API_KEY"));
}

}  // TEST_SUITE

TEST_SUITE("model naming and fallbacks") {

TEST_CASE("a rate-limited primary hands over to the fallback, and cools down") {
    Seed seed;
    seed.config(kModelNaming);
    seed.faults(R"([{"kind":"http","status":429,"retry_after":120,"match":{"model":"anthropic/claude-sonnet-4.5"}}])");
    RunResult result = seed.moltbotWithKey({"agent", "-m", "hi", "--json"});
    CHECK(result.exitCode == 0);
    auto json = parse(result.out);
    CHECK(std::string(json["text"].GetString()) == "[gpt-5.2 via OpenAI] You said: hi");
    CHECK(std::string(json["model"].GetString()) == "openrouter/openai/gpt-5.2");
    REQUIRE(json["attempts"].Size() == 2);
    CHECK(std::string(json["attempts"][0]["outcome"].GetString()) == "rate_limited");
    CHECK(json["attempts"][0]["http_status"].GetInt() == 429);
    CHECK(seed.chatModels() == std::vector<std::string>{"anthropic/claude-sonnet-4.5", "openai/gpt-5.2"});
    auto chats = seed.chatRequests();
    CHECK(chats[0]["status"].GetInt() == 429);
    CHECK(chats[1]["status"].GetInt() == 200);

    // The primary asked for two minutes: the next run goes straight to the fallback.
    CHECK(std::filesystem::exists(seed.home.path() / ".moltbot/cooldowns.json"));
    RunResult next = seed.moltbotWithKey({"agent", "-m", "again"});
    CHECK(next.exitCode == 0);
    CHECK(next.out == "[gpt-5.2 via OpenAI] You said: again\n");
    CHECK(seed.chatModels().size() == 3);
}

TEST_CASE("an unavailable primary is retried, then the fallback answers") {
    Seed seed;
    seed.config(kModelNaming);
    seed.faults(R"([{"kind":"http","status":503,"retry_after":0,"times":3,
                     "match":{"model":"anthropic/claude-sonnet-4.5"}}])");
    RunResult result = seed.moltbotWithKey({"agent", "-m", "hi"});
    CHECK(result.exitCode == 0);
    CHECK(result.out == "[gpt-5.2 via OpenAI] You said: hi\n");
    CHECK(seed.chatModels() == std::vector<std::string>{"anthropic/claude-sonnet-4.5", "anthropic/claude-sonnet-4.5",
                                                        "anthropic/claude-sonnet-4.5", "openai/gpt-5.2"});
}

}  // TEST_SUITE

TEST_SUITE("provider routing") {

TEST_CASE("only anthropic, no fallbacks: the object reaches the wire verbatim and Anthropic serves") {
    Seed seed;
    RunResult result = askSonnet(seed, kOnlyAnthropic);
    CHECK(result.exitCode == 0);
    CHECK(result.out == "[claude-sonnet-4.5 via Anthropic] You said: hi\n");
    CHECK_FALSE(contains(result.err, "warning"));
    auto body = seed.lastChatBody();
    CHECK(compact(body["provider"]) == R"({"only":["anthropic"],"allow_fallbacks":false})");
    CHECK(std::string(seed.chatRequests()[0]["provider"].GetString()) == "Anthropic");
}

TEST_CASE("only anthropic, no fallbacks, Anthropic down: the request fails with a clear message") {
    Seed seed;
    seed.faults(R"([{"kind":"http","status":503,"retry_after":0,"times":3,"match":{"provider":"anthropic"}}])");
    RunResult result = askSonnet(seed, kOnlyAnthropic);
    CHECK(result.exitCode == 2);
    CHECK(result.out.empty());
    CHECK(contains(result.err, "OpenRouter HTTP 503: Provider returned error (Anthropic)"));
    // Routing never left Anthropic, on any of the three tries.
    auto chats = seed.chatRequests();
    REQUIRE(chats.Size() == 3);
    for (const auto &request : chats.GetArray()) {
        REQUIRE(request["attempts"].Size() == 1);
        CHECK(std::string(request["attempts"][0]["provider"].GetString()) == "anthropic");
    }
}

TEST_CASE("prefer Bedrock as the page writes it: aws-bedrock is unknown, the plugin names amazon-bedrock") {
    Seed seed;
    RunResult result = askSonnet(seed, kPreferBedrock);
    CHECK(result.exitCode == 0);
    CHECK(contains(result.err, R"(provider.order: "aws-bedrock" is not a known OpenRouter provider slug; )"
                               R"(did you mean "amazon-bedrock"? (sent as is))"));
    CHECK(result.out == "[claude-sonnet-4.5 via Anthropic] You said: hi\n");
    CHECK(compact(seed.lastChatBody()["provider"]) == R"({"order":["aws-bedrock","anthropic"],"allow_fallbacks":true})");
}

TEST_CASE("prefer Bedrock with its real slug: Amazon Bedrock serves") {
    Seed seed;
    RunResult result = askSonnet(seed, replaced(kPreferBedrock, "aws-bedrock", "amazon-bedrock"), {"--json"});
    CHECK(result.exitCode == 0);
    CHECK_FALSE(contains(result.err, "provider slug"));
    auto json = parse(result.out);
    CHECK(std::string(json["provider"].GetString()) == "Amazon Bedrock");
    CHECK(std::string(json["text"].GetString()) == "[claude-sonnet-4.5 via Amazon Bedrock] You said: hi");
}

TEST_CASE("block Azure and Google: the list reaches the wire") {
    Seed seed;
    RunResult result = askSonnet(seed, kBlockProviders);
    CHECK(result.exitCode == 0);
    CHECK(result.out == "[claude-sonnet-4.5 via Anthropic] You said: hi\n");
    CHECK(compact(seed.lastChatBody()["provider"]) == R"({"ignore":["azure","google"]})");
    // OpenRouter has no "google" slug; the user hears so.
    CHECK(contains(result.err, R"(provider.ignore: "google" is not a known OpenRouter provider slug)"));
}

}  // TEST_SUITE

TEST_SUITE("prompt caching and parameters") {

TEST_CASE("cacheControlTtl puts ttl markers on the system prompt and the last user message of anthropic/ models") {
    for (std::string ttl : {"1h", "5m"}) {
        CAPTURE(ttl);
        Seed seed;
        std::string config = replaced(kPromptCaching, R"(cacheControlTtl: "1h")", "cacheControlTtl: \"" + ttl + "\"");
        // The same params on an OpenAI model: it caches automatically, so no markers.
        config = replaced(config, R"("openrouter/anthropic/claude-sonnet-4-5": {)",
                          R"("openrouter/openai/gpt-5.2": { params: { cacheControlTtl: ")" + ttl +
                              R"(" } }, "openrouter/anthropic/claude-sonnet-4-5": {)");
        seed.config(config);
        RunResult result = seed.moltbotWithKey({"agent", "--model", kSonnet, "--system", "be brief", "-m", "hi"});
        CHECK(result.exitCode == 0);
        auto body = seed.lastChatBody();
        std::string marker = R"({"type":"ephemeral","ttl":")" + ttl + R"("})";
        CHECK(cacheMarkers(body) == std::vector<std::string>{marker, marker});
        CHECK(compact(body["messages"][0]["content"][0]) ==
              R"({"type":"text","text":"be brief","cache_control":)" + marker + "}");
        CHECK(compact(body["messages"][1]["content"][0]) == R"({"type":"text","text":"hi","cache_control":)" + marker + "}");

        RunResult openai =
            seed.moltbotWithKey({"agent", "--model", "openrouter/openai/gpt-5.2", "--system", "be brief", "-m", "hi"});
        CHECK(openai.exitCode == 0);
        auto openaiBody = seed.lastChatBody();
        CHECK(std::string(openaiBody["model"].GetString()) == "openai/gpt-5.2");
        CHECK(cacheMarkers(openaiBody).empty());
        CHECK_FALSE(contains(compact(openaiBody), "cache_control"));
    }
}

TEST_CASE("a repeated long prompt reads the cache: cached tokens in --json and in the usage line") {
    Seed seed;
    seed.config(kPromptCaching);
    std::string system = longSystemPrompt();
    RunResult first = seed.moltbotWithKey({"agent", "--model", kSonnet, "--system", system, "-m", "hi", "--json"});
    CHECK(first.exitCode == 0);
    auto written = parse(first.out);
    CHECK(written["usage"]["cached_tokens"].GetInt() == 0);
    int writeTokens = written["usage"]["cache_write_tokens"].GetInt();
    CHECK(writeTokens > 1024);

    RunResult second = seed.moltbotWithKey({"agent", "--model", kSonnet, "--system", system, "-m", "hi", "--json"});
    CHECK(second.exitCode == 0);
    auto read = parse(second.out);
    int cached = read["usage"]["cached_tokens"].GetInt();
    CHECK(cached > 1024);
    CHECK(read["usage"]["cost"].GetDouble() < written["usage"]["cost"].GetDouble());

    RunResult text = seed.moltbotWithKey({"agent", "--model", kSonnet, "--system", system, "-m", "hi"});
    CHECK(text.exitCode == 0);
    CHECK(contains(text.err, "(" + std::to_string(cached) + " cached, "));
}

TEST_CASE("model parameters: temperature and maxTokens reach the wire as temperature and max_tokens") {
    Seed seed;
    RunResult result = askSonnet(seed, kModelParameters);
    CHECK(result.exitCode == 0);
    auto body = seed.lastChatBody();
    CHECK(body["temperature"].GetDouble() == doctest::Approx(0.7));
    CHECK(body["max_tokens"].GetInt() == 4096);
    CHECK_FALSE(body.HasMember("maxTokens"));
    CHECK_FALSE(body.HasMember("cacheControlTtl"));
    CHECK(cacheMarkers(body) == std::vector<std::string>{R"({"type":"ephemeral","ttl":"1h"})"});
}

}  // TEST_SUITE

TEST_SUITE("troubleshooting") {

TEST_CASE("invalid API key: echo the variable, then models status shows the key masked and its source") {
    Seed seed;
    seed.config(kDefaultModel);
    RunResult result = seed.shell("echo $OPENROUTER_API_KEY\nmoltbot models status", keyOption(kKey));
    CHECK(result.exitCode == 0);
    // The echo is the user's own; models status prints the key masked only.
    CHECK(result.out.starts_with(kKey + "\n"));
    CHECK(count(result.out, kKey) == 1);
    CHECK(contains(result.out, "- openrouter effective=environment | key=sk-or-v1...cafe | source=OPENROUTER_API_KEY\n"));

    seed.config(withSimKey(kConfigSnippet));
    RunResult fromConfig = seed.moltbot({"models", "status", "--json"});
    CHECK(fromConfig.exitCode == 0);
    auto json = parse(fromConfig.out);
    CHECK(std::string(json["providers"][0]["key"].GetString()) == "sk-or-v1...cafe");
    CHECK(std::string(json["providers"][0]["source"].GetString()) == "config env block");
    CHECK(std::string(json["providers"][0]["where"].GetString()) == "OPENROUTER_API_KEY");
}

TEST_CASE("model not found: models list | grep openrouter lists openrouter refs") {
    Seed seed;
    seed.config(kModelNaming);
    RunResult result = seed.shell("moltbot models list | grep openrouter", keyOption(kKey));
    CHECK(result.exitCode == 0);
    CHECK(contains(result.out, "openrouter/anthropic/claude-sonnet-4-5"));
    CHECK(contains(result.out, "openrouter/openai/gpt-5.2"));
    std::size_t lines = 0;
    for (std::size_t start = 0; start < result.out.size(); start = result.out.find('\n', start) + 1) {
        CHECK(result.out.compare(start, 11, "openrouter/") == 0);
        ++lines;
    }
    CHECK(lines == 2);
}

TEST_CASE("provider routing not working: config get agents.defaults.models prints the object") {
    Seed seed;
    seed.config(kOnlyAnthropic);
    RunResult result = seed.shell("moltbot config get agents.defaults.models");
    CHECK(result.exitCode == 0);
    auto json = parse(result.out);
    CHECK(compact(json) ==
          R"({"openrouter/anthropic/claude-sonnet-4-5":{"provider":{"only":["anthropic"],"allow_fallbacks":false}}})");
}

}  // TEST_SUITE

TEST_SUITE("faults a user can hit") {

TEST_CASE("401: a bad key is rejected, said plainly, never printed in full") {
    Seed seed;
    seed.config(kDefaultModel);
    const std::string badKey = "sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    RunResult result = seed.moltbot({"agent", "-m", "hi"}, keyOption(badKey));
    CHECK(result.exitCode == 2);
    CHECK(contains(result.err, "HTTP 401"));
    CHECK(contains(result.err, "the openrouter API key sk-or-v1...cdef (from OPENROUTER_API_KEY) was rejected"));
    CHECK_FALSE(contains(result.out + result.err, badKey));
    // A rejected key is not retried.
    CHECK(seed.chatModels().size() == 1);

    RunResult json = seed.moltbot({"agent", "-m", "hi", "--json"}, keyOption(badKey));
    CHECK(json.exitCode == 2);
    CHECK(std::string(parse(json.out)["status"].GetString()) == "auth");
    CHECK_FALSE(contains(json.out + json.err, badKey));
}

TEST_CASE("402: out of credits") {
    Seed seed;
    withFaults(seed, R"([{"kind":"http","status":402}])");
    RunResult result = seed.moltbotWithKey({"agent", "-m", "hi"});
    CHECK(result.exitCode == 2);
    CHECK(contains(result.err, "OpenRouter HTTP 402: Insufficient credits"));
}

TEST_CASE("429 with a short Retry-After is waited for, then the same model answers") {
    Seed seed;
    withFaults(seed, R"([{"kind":"http","status":429,"retry_after":2}])");
    auto started = std::chrono::steady_clock::now();
    RunResult result = seed.moltbotWithKey({"agent", "-m", "hi", "--json"});
    auto elapsed = std::chrono::steady_clock::now() - started;
    CHECK(result.exitCode == 0);
    CHECK(elapsed >= std::chrono::seconds(2));
    CHECK(elapsed < std::chrono::seconds(20));
    auto json = parse(result.out);
    REQUIRE(json["attempts"].Size() == 2);
    CHECK(std::string(json["attempts"][0]["outcome"].GetString()) == "rate_limited");
    CHECK(std::string(json["attempts"][1]["outcome"].GetString()) == "ok");
    CHECK(seed.chatModels().size() == 2);
}

TEST_CASE("5xx on every try: exit 2 with the upstream's message") {
    Seed seed;
    withFaults(seed, R"([{"kind":"http","status":502,"message":"Upstream is on fire","times":3}])");
    RunResult result = seed.moltbotWithKey({"agent", "-m", "hi"});
    CHECK(result.exitCode == 2);
    CHECK(contains(result.err, "OpenRouter HTTP 502: Upstream is on fire"));
    CHECK(seed.chatModels().size() == 3);
}

TEST_CASE("a slow first byte: --timeout bounds the whole request, --idle-timeout each wait") {
    Seed seed;
    withFaults(seed, R"([{"kind":"slow_first_byte","delay_ms":20000}])");
    auto started = std::chrono::steady_clock::now();
    RunResult timeout = seed.moltbotWithKey({"agent", "-m", "hi", "--timeout", "1"});
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
    CHECK(timeout.exitCode == 2);
    CHECK(contains(timeout.err, "the request took longer than --timeout 1 s"));

    seed.faults(R"([{"kind":"slow_first_byte","delay_ms":20000,"times":3}])");
    started = std::chrono::steady_clock::now();
    RunResult idle = seed.moltbotWithKey({"agent", "-m", "hi", "--idle-timeout", "1"});
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(15));
    CHECK(idle.exitCode == 2);
    CHECK(contains(idle.err, "idle-read timeout"));
}

TEST_CASE("a stall mid-stream: the idle timeout ends it and the partial answer stays") {
    Seed seed;
    withFaults(seed, R"([{"kind":"stall","after_chunks":2}])");
    auto started = std::chrono::steady_clock::now();
    RunResult result = seed.moltbotWithKey({"agent", "-m", kSixWords, "--idle-timeout", "1"});
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(15));
    CHECK(result.exitCode == 2);
    CHECK_FALSE(result.out.empty());
    CHECK(kSixWordsEcho.starts_with(result.out.substr(0, result.out.size() - 1)));
    CHECK(contains(result.err, "idle-read timeout"));
    // Output had started: retrying would repeat it, so there was one request only.
    CHECK(seed.chatModels().size() == 1);
}

TEST_CASE("a disconnect mid-stream keeps the partial output and exits 2") {
    Seed seed;
    withFaults(seed, R"([{"kind":"disconnect","after_chunks":2}])");
    RunResult result = seed.moltbotWithKey({"agent", "-m", kSixWords});
    CHECK(result.exitCode == 2);
    REQUIRE(result.out.size() > 1);
    CHECK(result.out.back() == '\n');
    CHECK(kSixWordsEcho.starts_with(result.out.substr(0, result.out.size() - 1)));
    CHECK(result.out != kSixWordsEcho + "\n");
    CHECK(contains(result.err, "openrouter/anthropic/claude-sonnet-4-5: OpenRouter request failed"));
}

TEST_CASE("an error chunk mid-stream names the upstream error") {
    Seed seed;
    withFaults(seed, R"([{"kind":"error_chunk","after_chunks":2,"status":502,"message":"Provider disconnected"}])");
    RunResult result = seed.moltbotWithKey({"agent", "-m", kSixWords});
    CHECK(result.exitCode == 2);
    CHECK_FALSE(result.out.empty());
    CHECK(contains(result.err, "OpenRouter stream error 502: Provider disconnected"));
}

TEST_CASE("malformed JSON: streamed and not") {
    Seed seed;
    withFaults(seed, R"([{"kind":"malformed","after_chunks":1}])");
    RunResult streamed = seed.moltbotWithKey({"agent", "-m", kSixWords});
    CHECK(streamed.exitCode == 2);
    CHECK(contains(streamed.err, "OpenRouter sent a malformed stream chunk"));

    seed.faults(R"([{"kind":"malformed","times":3}])");
    RunResult whole = seed.moltbotWithKey({"agent", "-m", "hi", "--no-stream"});
    CHECK(whole.exitCode == 2);
    CHECK(contains(whole.err, "OpenRouter sent an unreadable response"));
}

}  // TEST_SUITE

TEST_SUITE("base URL and attribution") {

TEST_CASE("attribution headers: moltbot's by default, changed or dropped in models.providers.openrouter") {
    Seed seed;
    seed.config(kDefaultModel);
    REQUIRE(seed.moltbotWithKey({"agent", "-m", "hi"}).exitCode == 0);
    auto headers = [&seed] {
        auto chats = seed.chatRequests();
        rapidjson::Document last;
        last.CopyFrom(chats[chats.Size() - 1]["headers"], last.GetAllocator());
        return last;
    };
    auto defaults = headers();
    CHECK(std::string(defaults["HTTP-Referer"].GetString()) == "https://github.com/moltbot/moltbot");
    CHECK(std::string(defaults["X-OpenRouter-Title"].GetString()) == "moltbot");
    CHECK(std::string(defaults["X-Title"].GetString()) == "moltbot");

    seed.config(R"({
  models: {
    providers: {
      openrouter: { attribution: { title: "my-app", referer: "" } }  // "" sends no header
    }
  },
  agents: { defaults: { model: { primary: "openrouter/anthropic/claude-sonnet-4-5" } } },
})");
    REQUIRE(seed.moltbotWithKey({"agent", "-m", "hi"}).exitCode == 0);
    auto changed = headers();
    CHECK_FALSE(changed.HasMember("HTTP-Referer"));
    CHECK(std::string(changed["X-OpenRouter-Title"].GetString()) == "my-app");
    CHECK(std::string(changed["X-Title"].GetString()) == "my-app");
}

}  // TEST_SUITE
