// moltbot config get/set/unset/path/validate and models status through the real binary.
#include "tests/setup/home.hpp"
#include "tests/support/openrouter_page.hpp"

#include <doctest/doctest.h>

#include <fstream>

using namespace moltbot::test;

TEST_CASE("every snippet of the OpenRouter page loads, validates and shows") {
    for (const auto &snippet : page::kAllSnippets) {
        Home home;
        home.writeConfig(snippet);
        RunResult validate = home.run({"config", "validate"});
        CHECK(validate.exitCode == 0);
        CHECK(validate.out == "Config valid: " + home.config().string() + "\n");
        // Two snippets name slugs OpenRouter does not have (aws-bedrock, google): the OpenRouter plugin's provider
        // list (its built-in one here, offline) says so, as it does on every request. A warning, not an error: the
        // slug is still sent as written.
        const std::string at = "warning: agents.defaults.models[\"openrouter/anthropic/claude-sonnet-4-5\"].provider.";
        if (snippet == page::kPreferBedrock) {
            CHECK(validate.err == at + "order: \"aws-bedrock\" is not a known OpenRouter provider slug; did you mean "
                                       "\"amazon-bedrock\"? (sent as is)\n");
        } else if (snippet == page::kBlockProviders) {
            CHECK(validate.err == at + "ignore: \"google\" is not a known OpenRouter provider slug; did you mean "
                                       "\"google-vertex\"? (sent as is)\n");
        } else {
            CHECK(validate.err.empty());
        }
        RunResult status = home.run({"models", "status"});
        CHECK(status.exitCode == 0);
        CHECK(status.out.find("Default") != std::string::npos);
        RunResult get = home.run({"config", "get", "agents.defaults"});
        CHECK(get.exitCode == 0);
        CHECK(get.out.find("openrouter/anthropic/claude-sonnet-4-5") != std::string::npos);
    }
}

TEST_CASE("config get: raw scalars, JSON objects, bracketed keys with and without quotes") {
    Home home;
    home.writeConfig(page::kModelParameters);
    CHECK(home.run({"config", "get", "agents.defaults.models"}).out ==
          "{\n  \"openrouter/anthropic/claude-sonnet-4-5\": {\n    \"params\": {\n      \"temperature\": 0.7,\n"
          "      \"maxTokens\": 4096,\n      \"cacheControlTtl\": \"1h\"\n    }\n  }\n}\n");
    CHECK(home.run({"config", "get", "agents.defaults.models[\"openrouter/anthropic/claude-sonnet-4-5\"].params.maxTokens"})
              .out == "4096\n");
    CHECK(home.run({"config", "get", "agents.defaults.models[openrouter/anthropic/claude-sonnet-4-5].params.cacheControlTtl"})
              .out == "1h\n");
    CHECK(home.run({"config", "get", "--json", "agents.defaults.models['openrouter/anthropic/claude-sonnet-4-5']"
                                               ".params.cacheControlTtl"})
              .out == "\"1h\"\n");

    RunResult missing = home.run({"config", "get", "agents.defaults.model.primary"});
    CHECK(missing.exitCode == 1);
    CHECK(missing.err == "moltbot: Config path not found: agents.defaults.model.primary\n");
    CHECK(missing.out.empty());

    RunResult badPath = home.run({"config", "get", "agents..defaults"});
    CHECK(badPath.exitCode == 1);
    CHECK(badPath.err == "moltbot: invalid config path 'agents..defaults': empty key at character 8\n");
}

TEST_CASE("secrets are masked in everything config get prints") {
    Home home;
    home.writeConfig("{env: {OPENROUTER_API_KEY: '" + kOpenRouterKey + "', vars: {GITHUB_TOKEN: '" + kOpenRouterKey +
                     "'}}, models: {providers: {openrouter: {apiKey: '" + kOpenRouterKey + "', baseUrl: 'https://x'}}}}");
    for (const std::vector<std::string> &args :
         {std::vector<std::string>{"config", "get", "env"}, {"config", "get", "env.OPENROUTER_API_KEY"},
          {"config", "get", "env.vars.GITHUB_TOKEN"}, {"config", "get", "models"}, {"config", "get", "--json", "models"},
          {"config", "get", "models.providers.openrouter.apiKey"}, {"models", "status"}, {"models", "status", "--json"}}) {
        RunResult result = home.run(args);
        CHECK(result.exitCode == 0);
        CHECK_FALSE(leaksKey(result.out + result.err));
        CHECK(result.out.find("sk-or-v1...abcd") != std::string::npos);
    }
    CHECK(home.run({"config", "get", "models.providers.openrouter.baseUrl"}).out == "https://x\n");
}

TEST_CASE("config set: JSON5 values, raw strings, created parents, a validated result and a backup") {
    Home home;
    RunResult first = home.run({"config", "set", "agents.defaults.model.primary", "openrouter/anthropic/claude-sonnet-4-5"});
    CHECK(first.exitCode == 0);
    CHECK(first.out == "Updated agents.defaults.model.primary in " + home.config().string() + "\n");
    CHECK(modeOf(home.config()) == 0600);
    CHECK(modeOf(home.state()) == 0700);
    CHECK(home.run({"config", "set", "agents.defaults.model.fallbacks", "['openrouter/openai/gpt-5.2']"}).exitCode == 0);
    CHECK(home.run({"config", "set", "agents.defaults.models[\"openrouter/anthropic/claude-sonnet-4-5\"].provider",
                    "{only: ['anthropic'], allow_fallbacks: false}"})
              .exitCode == 0);
    CHECK(home.run({"config", "set", "agents.defaults.models[openrouter/anthropic/claude-sonnet-4-5].params.maxTokens",
                    "4096"})
              .exitCode == 0);
    std::string before = readFile(home.config());
    CHECK(home.run({"config", "set", "agents.defaults.models[openrouter/anthropic/claude-sonnet-4-5].alias", "true"})
              .exitCode == 1);  // true is a boolean, and an alias must be a string
    CHECK(home.run({"config", "set", "agents.defaults.models[openrouter/anthropic/claude-sonnet-4-5].alias", "'true'"})
              .exitCode == 0);
    CHECK(readFile(home.config().string() + ".bak") == before);
    CHECK(readFile(home.config()) ==
          "{\n  \"agents\": {\n    \"defaults\": {\n      \"model\": {\n        \"primary\": "
          "\"openrouter/anthropic/claude-sonnet-4-5\",\n        \"fallbacks\": [\n          \"openrouter/openai/gpt-5.2\"\n"
          "        ]\n      },\n      \"models\": {\n        \"openrouter/anthropic/claude-sonnet-4-5\": {\n"
          "          \"provider\": {\n            \"only\": [\n              \"anthropic\"\n            ],\n"
          "            \"allow_fallbacks\": false\n          },\n          \"params\": {\n            \"maxTokens\": 4096\n"
          "          },\n          \"alias\": \"true\"\n        }\n      }\n    }\n  }\n}\n");
    RunResult json = home.run({"config", "set", "--json", "agents.defaults.model.primary", "openrouter/auto"});
    CHECK(json.out.find("\"ok\": true") != std::string::npos);
    CHECK(json.out.find("\"action\": \"set\"") != std::string::npos);

    RunResult unknown = home.run({"config", "set", "agents.defaults.workspace", "~/work"});
    CHECK(unknown.exitCode == 0);
    CHECK(unknown.err == "warning: agents.defaults.workspace: unknown key (ignored)\n");
}

TEST_CASE("config set refuses invalid values and leaves the file byte-identical") {
    Home home;
    const std::string original = "// keep me\n{agents: {defaults: {model: {primary: 'openrouter/auto'}}}, }\n";
    home.writeConfig(original);
    std::map<std::string, std::string> before = home.snapshot();
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    const std::string prefix = "moltbot: not changing " + home.config().string() + ": the result would be invalid:\n  - ";
    const std::vector<Case> cases = {
        {{"config", "set", "agents.defaults.models[openrouter/x].params.maxTokens", "-5"},
         "moltbot: unknown option -5 for 'moltbot config set'; see 'moltbot config set --help'\n"},
        {{"config", "set", "agents.defaults.models[openrouter/x].params.maxTokens", "--", "-5"},
         prefix + "agents.defaults.models[\"openrouter/x\"].params.maxTokens: expected a positive integer, found a number "
                  "(-5)\n"},
        {{"config", "set", "agents.defaults.models[openrouter/x].params.temperature", "warm"},
         prefix + "agents.defaults.models[\"openrouter/x\"].params.temperature: expected a finite number, found a string\n"},
        {{"config", "set", "agents.defaults.models[openrouter/x].params.cacheControlTtl", "2h"},
         prefix + "agents.defaults.models[\"openrouter/x\"].params.cacheControlTtl: expected \"5m\" or \"1h\", found "
                  "\"2h\"\n"},
        {{"config", "set", "agents.defaults.models[openrouter/x].provider", "{only: ['anthropic']"},
         "moltbot: VALUE is not valid JSON5: VALUE:1:21: expected ',' or '}' after an object member, found end of "
         "input; nothing was changed\n"},
        {{"config", "set", "agents.defaults.model.fallbacks", "openrouter/x"},
         prefix + "agents.defaults.model.fallbacks: expected an array of strings, found a string\n"},
        {{"config", "set", "agents.defaults.model.primary.deeper", "x"},
         "moltbot: cannot set agents.defaults.model.primary.deeper: agents.defaults.model.primary is a string, not an "
         "object\n"},
        {{"config", "set", "agents.defaults.model.primary"},
         "moltbot: 'moltbot config set' takes two arguments, PATH VALUE (got 1); see 'moltbot config set --help'\n"},
        {{"config", "unset", "agents.nothing"}, "moltbot: Config path not found: agents.nothing\n"},
        {{"config", "sett", "a", "b"},
         "moltbot: unknown subcommand 'sett' for 'moltbot config' (did you mean 'set'?); subcommands: get, set, unset, "
         "path, validate\n"},
        {{"config", "get", "--jsn", "a"},
         "moltbot: unknown option --jsn for 'moltbot config get' (did you mean --json?); see 'moltbot config get --help'\n"},
        {{"config"}, "moltbot: 'moltbot config' needs a subcommand: get, set, unset, path, validate; see 'moltbot config "
                     "--help'\n"},
        {{"models", "status", "--chek"},
         "moltbot: unknown option --chek for 'moltbot models status' (did you mean --check?); see 'moltbot models status "
         "--help'\n"},
    };
    for (const auto &test : cases) {
        RunResult result = home.run(test.args);
        INFO("command: " << test.args[0] << " " << (test.args.size() > 1 ? test.args[1] : ""));
        CHECK(result.exitCode == 1);
        CHECK(result.err == test.message);
        CHECK(result.out.empty());
        CHECK(home.snapshot() == before);
    }
}

TEST_CASE("a mistyped models subcommand is named with the nearest one") {
    Home home;
    RunResult result = home.run({"models", "statsu"});
    CHECK(result.exitCode == 1);
    // The list after it grows as other models subcommands are registered.
    CHECK(result.err.rfind("moltbot: unknown subcommand 'statsu' for 'moltbot models' (did you mean 'status'?); "
                           "subcommands: status", 0) == 0);
}

TEST_CASE("config unset removes a key and keeps the rest") {
    Home home;
    home.writeConfig(page::kModelNaming);
    RunResult result = home.run({"config", "unset", "agents.defaults.model.fallbacks"});
    CHECK(result.exitCode == 0);
    CHECK(result.out == "Removed agents.defaults.model.fallbacks from " + home.config().string() + "\n");
    CHECK(home.run({"config", "get", "agents.defaults.model"}).out ==
          "{\n  \"primary\": \"openrouter/anthropic/claude-sonnet-4-5\"\n}\n");
    CHECK(readFile(home.config().string() + ".bak") == page::kModelNaming);
}

TEST_CASE("config path follows MOLTBOT_STATE_DIR and MOLTBOT_CONFIG_PATH") {
    Home home;
    CHECK(home.run({"config", "path"}).out == home.config().string() + "\n");
    std::string state = (home.path() / "elsewhere").string();
    CHECK(home.run({"config", "path"}, {{"MOLTBOT_STATE_DIR", state}}).out == state + "/moltbot.json\n");
    CHECK(home.run({"config", "path"}, {{"MOLTBOT_STATE_DIR", "~/st"}}).out == home.path().string() + "/st/moltbot.json\n");
    std::string file = (home.path() / "my.json5").string();
    CHECK(home.run({"config", "path"}, {{"MOLTBOT_STATE_DIR", state}, {"MOLTBOT_CONFIG_PATH", file}}).out == file + "\n");
    RunResult json = home.run({"config", "path", "--json"}, {{"MOLTBOT_STATE_DIR", state}});
    CHECK(json.out.find("\"credentialsPath\": \"" + state + "/credentials.json\"") != std::string::npos);
    CHECK(json.out.find("\"exists\": false") != std::string::npos);

    home.run({"config", "set", "agents.defaults.model.primary", "openrouter/auto"}, {{"MOLTBOT_CONFIG_PATH", file}});
    CHECK(readFile(file).find("openrouter/auto") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(home.config()));
}

TEST_CASE("config validate: syntax errors with line:column, wrong types with path and types, unknown keys warned") {
    Home home;
    RunResult none = home.run({"config", "validate"});
    CHECK(none.exitCode == 0);
    CHECK(none.out == "Config valid: " + home.config().string() + " (no file yet)\n");

    home.writeConfig("{\n  agents: {\n    defaults: {\n      model: { primary: \"openrouter/auto\" }\n      models: {}\n");
    std::map<std::string, std::string> before = home.snapshot();
    RunResult syntax = home.run({"config", "validate"});
    CHECK(syntax.exitCode == 1);
    CHECK(syntax.err == "moltbot: " + home.config().string() + ":5:7: expected ',' or '}' after an object member, found 'm'\n");
    RunResult syntaxJson = home.run({"config", "validate", "--json"});
    CHECK(syntaxJson.exitCode == 1);
    CHECK(syntaxJson.out.find("\"line\": 5,\n      \"column\": 7") != std::string::npos);
    for (const std::vector<std::string> &args : {std::vector<std::string>{"config", "get", "agents"},
                                                 {"config", "set", "a", "1"}, {"models", "status"}}) {
        RunResult result = home.run(args);
        CHECK(result.exitCode == 1);
        CHECK(result.err.find(home.config().string() + ":5:7: expected ','") != std::string::npos);
    }
    CHECK(home.snapshot() == before);

    home.writeConfig("{agents: {defaults: {model: {primary: 42}}}, channels: {port: 1}}");
    RunResult wrongType = home.run({"config", "validate"});
    CHECK(wrongType.exitCode == 1);
    CHECK(wrongType.err == "warning: channels: unknown key (ignored)\nmoltbot: invalid config " + home.config().string() +
                               ":\n  - agents.defaults.model.primary: expected a string, found a number\n");
    RunResult status = home.run({"models", "status"});
    CHECK(status.exitCode == 1);
    CHECK(status.err == "moltbot: invalid config " + home.config().string() +
                            ":\n  - agents.defaults.model.primary: expected a string, found a number\n");
    RunResult json = home.run({"config", "validate", "--json"});
    CHECK(json.exitCode == 1);
    CHECK(json.out.find("\"valid\": false") != std::string::npos);
    CHECK(json.out.find("\"path\": \"agents.defaults.model.primary\",\n      \"message\": \"expected a string, found a "
                        "number\"") != std::string::npos);

    home.writeConfig("{channels: {port: 1}}");
    RunResult warned = home.run({"config", "validate"});
    CHECK(warned.exitCode == 0);
    CHECK(warned.err == "warning: channels: unknown key (ignored)\n");
}

TEST_CASE("unreadable configs: a folder, invalid UTF-8, too large, too deep") {
    Home home;
    std::filesystem::create_directories(home.config());
    RunResult folder = home.run({"config", "validate"});
    CHECK(folder.exitCode == 1);
    CHECK(folder.err == "moltbot: cannot read " + home.config().string() + ": it is a folder, not a file\n");
    RunResult set = home.run({"config", "set", "a", "1"});
    CHECK(set.exitCode == 1);
    CHECK(set.err == folder.err);
    std::filesystem::remove(home.config());

    home.writeConfig("{\n  env: { NAME: 'caf\xe9' }\n}");
    RunResult utf8 = home.run({"config", "validate"});
    CHECK(utf8.exitCode == 1);
    CHECK(utf8.err == "moltbot: " + home.config().string() + ":2:20: invalid UTF-8 (byte 0xE9); the file must be UTF-8 text\n");

    {
        std::ofstream big(home.config(), std::ios::binary | std::ios::trunc);
        big << "{a: '" << std::string((16u << 20) + 16, 'x') << "'}";
    }
    RunResult large = home.run({"config", "validate"});
    CHECK(large.exitCode == 1);
    CHECK(large.err == "moltbot: cannot read " + home.config().string() + ": larger than the limit of 16 MiB\n");

    home.writeConfig("{a: " + std::string(1000, '[') + "}");
    RunResult deep = home.run({"config", "validate"});
    CHECK(deep.exitCode == 1);
    CHECK(deep.err == "moltbot: " + home.config().string() + ":1:260: nesting is deeper than 256 levels\n");
}

TEST_CASE("models status: key sources in order, aliases, --check and --json") {
    Home home;
    home.writeConfig(R"({
      agents: { defaults: {
        model: { primary: "sonnet", fallbacks: ["openrouter/openai/gpt-5.2"] },
        models: { "openrouter/anthropic/claude-sonnet-4-5": { alias: "Sonnet" } },
      } },
    })");
    RunResult missing = home.run({"models", "status", "--check"});
    CHECK(missing.exitCode == 1);
    CHECK(missing.out.find("Default       : openrouter/anthropic/claude-sonnet-4-5 (from sonnet)\n") != std::string::npos);
    CHECK(missing.out.find("Fallbacks (1) : openrouter/openai/gpt-5.2\n") != std::string::npos);
    CHECK(missing.out.find("Aliases (1)   : Sonnet -> openrouter/anthropic/claude-sonnet-4-5\n") != std::string::npos);
    CHECK(missing.out.find("- openrouter effective=missing | set OPENROUTER_API_KEY\n") != std::string::npos);
    CHECK(missing.err == "warning: no API key for provider 'openrouter': set OPENROUTER_API_KEY or run 'moltbot onboard'\n"
                         "moltbot: check failed: no API key for provider 'openrouter' of the default model "
                         "openrouter/anthropic/claude-sonnet-4-5\n");
    CHECK(home.run({"models", "status"}).exitCode == 0);

    home.run({"config", "set", "models.providers.openrouter.apiKey", kOpenRouterKey});
    RunResult configKey = home.run({"models", "status", "--check"});
    CHECK(configKey.exitCode == 0);
    CHECK(configKey.out.find("effective=config apiKey | key=sk-or-v1...abcd | source=models.providers.openrouter.apiKey") !=
          std::string::npos);

    const std::string stored = "sk-or-v1-1111111111111111111111111111111111111111111111111111111111112222";
    home.run({"onboard", "--non-interactive", "--openrouter-api-key", stored});
    CHECK(home.run({"models", "status"}).out.find("effective=credentials file | key=sk-or-v1...2222") != std::string::npos);

    const std::string block = "sk-or-v1-3333333333333333333333333333333333333333333333333333333333334444";
    home.run({"config", "set", "env.OPENROUTER_API_KEY", block});
    RunResult envBlock = home.run({"models", "status"});
    CHECK(envBlock.out.find("effective=config env block | key=sk-or-v1...4444 | source=OPENROUTER_API_KEY") !=
          std::string::npos);
    // An empty variable counts as unset, so the env block fills it.
    CHECK(home.run({"models", "status"}, {{"OPENROUTER_API_KEY", ""}}).out.find("effective=config env block") !=
          std::string::npos);

    RunResult environment = home.run({"models", "status", "--json"}, {{"OPENROUTER_API_KEY", kOpenRouterKey}});
    CHECK(environment.exitCode == 0);
    CHECK(environment.out.find("\"source\": \"environment\"") != std::string::npos);
    CHECK(environment.out.find("\"key\": \"sk-or-v1...abcd\"") != std::string::npos);
    CHECK(environment.out.find("\"resolvedDefault\": \"openrouter/anthropic/claude-sonnet-4-5\"") != std::string::npos);
    for (const auto &text : {missing.out, configKey.out, envBlock.out, environment.out}) {
        CHECK_FALSE(leaksKey(text));
        CHECK_FALSE(leaksKey(text, stored));
        CHECK_FALSE(leaksKey(text, block));
    }
}

TEST_CASE("models status: a provider whose key comes from apiKeyEnv is told to set that variable") {
    Home home;
    home.writeConfig(R"({
      models: { providers: { local: { api: "openai-completions", baseUrl: "http://127.0.0.1:9/v1",
                                      apiKeyEnv: "LLAMA_TOKEN" } } },
      agents: { defaults: { model: { primary: "local/llama3" } } },
    })");
    // LOCAL_API_KEY is not the variable apiKeyEnv names: it neither counts nor is suggested.
    RunResult missing = home.run({"models", "status", "--check"}, {{"LOCAL_API_KEY", "ignored"}});
    CHECK(missing.exitCode == 1);
    CHECK(missing.out.find("- local effective=missing | set LLAMA_TOKEN\n") != std::string::npos);
    CHECK(missing.err == "warning: no API key for provider 'local': set LLAMA_TOKEN\n"
                         "moltbot: check failed: no API key for provider 'local' of the default model local/llama3\n");
    RunResult json = home.run({"models", "status", "--json"});
    CHECK(json.out.find("\"envVar\": \"LLAMA_TOKEN\"") != std::string::npos);

    RunResult set = home.run({"models", "status", "--check"}, {{"LLAMA_TOKEN", "local-token-0123456789"}});
    CHECK(set.exitCode == 0);
    CHECK(set.out.find("- local effective=environment | key=") != std::string::npos);
    CHECK(set.out.find("| source=LLAMA_TOKEN\n") != std::string::npos);
}

TEST_CASE("models status without a default model says how to set one; --check fails") {
    Home home;
    RunResult result = home.run({"models", "status", "--check"});
    CHECK(result.exitCode == 1);
    CHECK(result.out.find("Default       : -\n") != std::string::npos);
    CHECK(result.err == "warning: no default model: run 'moltbot onboard' or 'moltbot config set "
                        "agents.defaults.model.primary <provider>/<model>'\nmoltbot: check failed: no default model is set\n");
}

TEST_CASE("config set and unset keep the file's comments and layout; the last 5 versions are kept as backups") {
    Home home;
    const std::string original = "// my config\n{\n  agents: {\n    defaults: {\n      model: {\n"
                                 "        primary: 'openrouter/auto', // for now\n      },\n    },\n  },\n"
                                 "  /* logging */ logs: { enabled: true },\n}\n";
    home.writeConfig(original);
    RunResult set = home.run({"config", "set", "agents.defaults.model.primary", "openrouter/openai/gpt-5.2"});
    CHECK(set.exitCode == 0);
    CHECK(set.err.empty());  // nothing was lost, so nothing to warn about
    std::string expected = original;
    expected.replace(expected.find("'openrouter/auto'"), 17, "\"openrouter/openai/gpt-5.2\"");
    CHECK(readFile(home.config()) == expected);
    CHECK(readFile(home.config().string() + ".bak") == original);

    RunResult add = home.run({"config", "set", "agents.defaults.model.fallbacks", "['openrouter/auto']"});
    CHECK(add.exitCode == 0);
    CHECK(readFile(home.config()).find("        primary: \"openrouter/openai/gpt-5.2\", // for now\n"
                                       "        \"fallbacks\": [\n          \"openrouter/auto\"\n        ],\n      },") !=
          std::string::npos);
    RunResult unset = home.run({"config", "unset", "logs.enabled"});
    CHECK(unset.exitCode == 0);
    std::string now = readFile(home.config());
    CHECK(now.find("// my config\n{\n") == 0);
    CHECK(now.find("  /* logging */ logs: {},\n}\n") != std::string::npos);
    CHECK(home.run({"config", "validate"}).exitCode == 0);

    // Three more writes: five backups, newest first in .bak, then .bak.1 to .bak.4; the oldest (the original) is gone.
    std::vector<std::string> versions{original, expected, readFile(home.config().string() + ".bak"), now};
    for (const char *model : {"openrouter/a/one", "openrouter/a/two", "openrouter/a/three"}) {
        REQUIRE(home.run({"config", "set", "agents.defaults.model.primary", model}).exitCode == 0);
        versions.push_back(readFile(home.config()));
    }
    CHECK(readFile(home.config().string() + ".bak") == versions[5]);
    CHECK(readFile(home.config().string() + ".bak.1") == versions[4]);
    CHECK(readFile(home.config().string() + ".bak.2") == versions[3]);
    CHECK(readFile(home.config().string() + ".bak.3") == versions[2]);
    CHECK(readFile(home.config().string() + ".bak.4") == versions[1]);
    CHECK_FALSE(std::filesystem::exists(home.config().string() + ".bak.5"));
    CHECK(readFile(home.config()).find("// my config") == 0);
}

TEST_CASE("a config that cannot be edited in place is written whole, with a warning naming the backup") {
    Home home;
    const std::string original = "{ // twice\n  logs: { enabled: true },\n  logs: { enabled: false },\n}\n";
    home.writeConfig(original);
    RunResult set = home.run({"config", "set", "logs.enabled", "true"});
    CHECK(set.exitCode == 0);
    CHECK(set.err == "warning: " + home.config().string() + " was written whole as plain JSON: its comments and JSON5 "
                     "spellings are gone (the previous file is " + home.config().string() + ".bak)\n");
    CHECK(readFile(home.config()) == "{\n  \"logs\": {\n    \"enabled\": true\n  }\n}\n");
    CHECK(readFile(home.config().string() + ".bak") == original);
    RunResult json = home.run({"config", "set", "--json", "logs.enabled", "false"});
    CHECK(json.out.find("\"rewritten\": false") != std::string::npos);  // plain JSON from now on: nothing more lost
}

TEST_CASE("a write that fails leaves the config and its backups as they were") {
    Home home;
    // A backup slot that cannot be taken: rotating the backups fails before anything is written.
    home.writeConfig("{ logs: { enabled: true } } // mine\n");
    std::filesystem::create_directories(home.config().string() + ".bak.4/blocked");
    std::ofstream(home.config().string() + ".bak.3") << "older\n";
    auto before = home.snapshot();
    RunResult set = home.run({"config", "set", "logs.enabled", "false"});
    CHECK(set.exitCode == 1);
    CHECK(set.err.find("moltbot: cannot keep the backup " + home.config().string() + ".bak.3: ") == 0);
    CHECK(home.snapshot() == before);
}
