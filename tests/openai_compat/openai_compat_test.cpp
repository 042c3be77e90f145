// The openai-compatible plugin end to end: the real binary, a config entry models.providers.<name> with
// api "openai-completions", and a loopback OpenAI-compatible server (server.hpp).
#include "tests/openai_compat/server.hpp"
#include "tests/support/process.hpp"

#include <rapidjson/document.h>

#include <doctest/doctest.h>

#include <string>

using namespace moltbot::test;

namespace {

bool contains(const std::string &text, const std::string &part) { return text.find(part) != std::string::npos; }

// `local` is an openai-compatible provider on the test server; the faulty fixture serves `faulty`.
struct Setup {
    OpenAiServer server{"sk-local"};
    TempDir home;

    // `models` is the provider's catalog: a model outside it is refused before any request.
    explicit Setup(const std::string &localExtra = "apiKey: 'sk-local'", const std::string &agents = "",
                   const std::string &models = "['llama3']") {
        home.write(".moltbot/moltbot.json",
                   "{ models: { providers: { local: { api: 'openai-completions', baseUrl: '" + server.baseUrl() +
                       "/', " + localExtra + ", headers: { 'X-Title': 'moltbot-test' }, models: " + models + " } } }," +
                       " agents: { defaults: { " + agents + " } } }");
    }

    RunResult moltbot(std::vector<std::string> args, RunOptions options = {}) const {
        args.insert(args.begin(), moltbotBinary().string());
        options.env["HOME"] = home.path().string();
        options.env["MOLTBOT_PLUGIN_PATH"] = buildPath("tests/fixtures/faulty").string();
        return run(args, options);
    }

    RunResult agent(std::vector<std::string> args, RunOptions options = {}) const {
        args.insert(args.begin(), "agent");
        return moltbot(std::move(args), std::move(options));
    }
};

rapidjson::Document parse(const std::string &text) {
    rapidjson::Document document;
    document.Parse(text.c_str());
    REQUIRE_FALSE(document.HasParseError());
    return document;
}

}  // namespace

TEST_CASE("a config-defined prefix streams from an OpenAI-compatible server with the key and headers of its entry") {
    Setup setup;
    RunResult result = setup.agent({"--model", "local/llama3", "-m", "hi"});
    INFO(result.err);
    CHECK(result.exitCode == 0);
    CHECK(result.out == "Hello from llama3\n");
    auto requests = setup.server.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].path == "/v1/chat/completions");
    CHECK(requests[0].authorization == "Bearer sk-local");
    CHECK(requests[0].title == "moltbot-test");
    auto body = parse(requests[0].body);
    CHECK(std::string(body["model"].GetString()) == "llama3");
    CHECK(body["stream"].GetBool());
}

TEST_CASE("--no-stream gets one JSON answer; usage reaches --json") {
    Setup setup;
    RunResult result = setup.agent({"--model", "local/llama3", "-m", "hi", "--no-stream", "--json"});
    INFO(result.err);
    CHECK(result.exitCode == 0);
    auto json = parse(result.out);
    CHECK(std::string(json["text"].GetString()) == "Hello from llama3");
    CHECK(json["usage"]["prompt_tokens"].GetInt() == 3);
    auto requests = setup.server.requests();
    REQUIRE(requests.size() == 1);
    CHECK_FALSE(parse(requests[0].body)["stream"].GetBool());
}

TEST_CASE("a fallback crosses from another plugin to the config-defined prefix, and back") {
    Setup toLocal("apiKey: 'sk-local'", "model: { primary: 'faulty/auth', fallbacks: ['local/llama3'] }");
    RunResult result = toLocal.agent({"-m", "hi", "--json"});
    INFO(result.err);
    CHECK(result.exitCode == 0);
    auto json = parse(result.out);
    CHECK(std::string(json["model"].GetString()) == "local/llama3");
    CHECK(std::string(json["text"].GetString()) == "Hello from llama3");

    Setup fromLocal("apiKey: 'sk-local'", "model: { primary: 'local/broken', fallbacks: ['faulty/ok'] }",
                    "['llama3', 'broken']");
    RunResult back = fromLocal.agent({"-m", "hi", "--json"});
    INFO(back.err);
    CHECK(back.exitCode == 0);
    auto answer = parse(back.out);
    CHECK(std::string(answer["model"].GetString()) == "faulty/ok");
    REQUIRE(answer["attempts"].Size() >= 2);
    CHECK(std::string(answer["attempts"][0]["model"].GetString()) == "local/broken");
    CHECK(answer["attempts"][0]["http_status"].GetInt() == 503);
}

TEST_CASE("the key comes from the variable apiKeyEnv names; a wrong key is an auth error quoting the server") {
    Setup setup("apiKeyEnv: 'LOCAL_TOKEN'");
    RunOptions right;
    right.env["LOCAL_TOKEN"] = "sk-local";
    RunResult ok = setup.agent({"--model", "local/llama3", "-m", "hi"}, right);
    INFO(ok.err);
    CHECK(ok.exitCode == 0);
    CHECK(ok.out == "Hello from llama3\n");

    RunOptions wrong;
    wrong.env["LOCAL_TOKEN"] = "sk-wrong";
    RunResult denied = setup.agent({"--model", "local/llama3", "-m", "hi"}, wrong);
    CHECK(denied.exitCode != 0);
    CHECK(contains(denied.err, "local HTTP 401: invalid api key"));
    CHECK(setup.server.requests().back().authorization == "Bearer sk-wrong");
}

TEST_CASE("an api no plugin serves is named in the error") {
    TempDir home;
    home.write(".moltbot/moltbot.json", "{ models: { providers: { local: { api: 'foo', baseUrl: 'http://127.0.0.1:1' } } } }");
    RunOptions options;
    options.env["HOME"] = home.path().string();
    RunResult result = run({moltbotBinary().string(), "agent", "--model", "local/x", "-m", "hi"}, options);
    CHECK(result.exitCode != 0);
    CHECK(contains(result.err, "models.providers.local.api is 'foo' but no plugin serves that api"));
}

TEST_CASE("models list --all lists config-defined providers, tagged config-provider, and not the placeholder prefix") {
    Setup setup;
    RunOptions offline;
    offline.env["OPENROUTER_BASE_URL"] = "http://127.0.0.1:9";  // the OpenRouter catalog stays out of reach
    RunResult plain = setup.moltbot({"models", "list", "--all", "--plain"}, offline);
    INFO(plain.err);
    CHECK(plain.exitCode == 0);
    CHECK(contains(plain.out, "local/llama3\n"));
    // The plugin's descriptor prefix has no instance config: listing it only gave a warning.
    CHECK_FALSE(contains(plain.out + plain.err, "openai-compatible"));

    // On a pipe the list is whole refs, one per line (the table is for terminals: tests/seed/models_list_test.cpp).
    RunResult piped = setup.moltbot({"models", "list", "--all", "--provider", "local"}, offline);
    CHECK(piped.out == "local/llama3\n");

    RunResult json = setup.moltbot({"models", "list", "--all", "--json", "--provider", "local"}, offline);
    auto listed = parse(json.out);
    REQUIRE(listed["count"].GetInt() == 1);
    CHECK(std::string(listed["models"][0]["key"].GetString()) == "local/llama3");
    REQUIRE(listed["models"][0]["tags"].Size() == 1);
    CHECK(std::string(listed["models"][0]["tags"][0].GetString()) == "config-provider");
    CHECK(listed["models"][0]["available"].GetBool());
}

TEST_CASE("models list --all names a config-defined provider whose api no plugin serves") {
    TempDir home;
    home.write(".moltbot/moltbot.json",
               "{ models: { providers: { other: { api: 'foo', baseUrl: 'http://127.0.0.1:1' } } } }");
    RunOptions options;
    options.env["HOME"] = home.path().string();
    options.env["OPENROUTER_BASE_URL"] = "http://127.0.0.1:9";
    RunResult result = run({moltbotBinary().string(), "models", "list", "--all", "--plain"}, options);
    CHECK(result.exitCode == 0);
    CHECK(contains(result.err, "moltbot: warning: models.providers.other.api is 'foo' but no plugin serves that api"));
}

TEST_CASE("the plugin lists itself with the config-prefixes capability and the api it serves") {
    TempDir home;
    RunOptions options;
    options.env["HOME"] = home.path().string();
    RunResult result = run({moltbotBinary().string(), "plugins", "list", "--json"}, options);
    CHECK(result.exitCode == 0);
    auto json = parse(result.out);
    bool found = false;
    for (const auto &plugin : json["plugins"].GetArray()) {
        if (std::string(plugin["id"].GetString()) != "ai.moltbot.openai-compatible") continue;
        found = true;
        REQUIRE(plugin["apis"].Size() == 1);
        CHECK(std::string(plugin["apis"][0].GetString()) == "openai-completions");
        bool configPrefixes = false;
        for (const auto &capability : plugin["capabilities"].GetArray()) {
            configPrefixes = configPrefixes || std::string(capability.GetString()) == "config_prefixes";
        }
        CHECK(configPrefixes);
    }
    CHECK(found);
}

TEST_CASE("list_models reports the models of the config entry") {
    Setup setup("apiKey: 'sk-local'", "model: { primary: 'local/llama3', fallbacks: ['local/unlisted'] }");
    RunResult result = setup.moltbot({"models", "list", "--json"});
    INFO(result.err);
    CHECK(result.exitCode == 0);
    auto json = parse(result.out);
    REQUIRE(json["models"].Size() == 2);
    CHECK(std::string(json["models"][0]["key"].GetString()) == "local/llama3");
    CHECK_FALSE(json["models"][0]["missing"].GetBool());
    CHECK(json["models"][0]["local"].GetBool());
    CHECK(std::string(json["models"][1]["key"].GetString()) == "local/unlisted");
    CHECK(json["models"][1]["missing"].GetBool());
    CHECK(setup.server.requests().empty());  // the list comes from the config, not the server
}
