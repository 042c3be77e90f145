// Validation of the known keys: every snippet of the OpenRouter page is valid; wrong types name path and types.
#include "core/config/json5.hpp"
#include "core/config/schema.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace moltbot::config;

namespace {

Validation check(std::string_view text) {
    rapidjson::Document document;
    parseJson5(text, document, "test");
    return validateConfig(document);
}

std::string onlyError(std::string_view text) {
    Validation result = check(text);
    REQUIRE(result.errors.size() == 1);
    return result.errors[0].text();
}

}  // namespace

TEST_CASE("a full config with every known key is valid and silent") {
    Validation result = check(R"({
      env: { OPENROUTER_API_KEY: "sk-or-x", vars: { OTHER: "1" } },
      agents: { defaults: {
        model: { primary: "openrouter/anthropic/claude-sonnet-4-5", fallbacks: ["openrouter/openai/gpt-5.2"] },
        models: { "openrouter/anthropic/claude-sonnet-4-5": {
          alias: "sonnet",
          params: { temperature: 0.7, maxTokens: 4096, cacheControlTtl: "1h", top_p: 0.9 },
          provider: { only: ["anthropic"], ignore: [], order: ["aws-bedrock"], allow_fallbacks: false, sort: "price" },
        } },
      } },
      models: { providers: { openrouter: { baseUrl: "https://openrouter.ai/api/v1", apiKey: "k", api: "openai", x: 1 } } },
    })");
    CHECK(result.errors.empty());
    CHECK(result.warnings.empty());
}

TEST_CASE("the model may be given as a plain string") {
    CHECK(check("{agents: {defaults: {model: 'openrouter/auto'}}}").ok());
}

TEST_CASE("wrong types name the path, the expected and the found type") {
    CHECK(onlyError("{agents: {defaults: {model: {primary: 5}}}}") ==
          "agents.defaults.model.primary: expected a string, found a number");
    CHECK(onlyError("{agents: {defaults: {model: {fallbacks: 'x'}}}}") ==
          "agents.defaults.model.fallbacks: expected an array of strings, found a string");
    CHECK(onlyError("{agents: {defaults: {model: {fallbacks: ['a', true]}}}}") ==
          "agents.defaults.model.fallbacks[1]: expected a string, found a boolean");
    CHECK(onlyError("{agents: {defaults: {models: {'openrouter/x': {params: {maxTokens: 0}}}}}}") ==
          "agents.defaults.models[\"openrouter/x\"].params.maxTokens: expected a positive integer, found a number (0)");
    CHECK(onlyError("{agents: {defaults: {models: {'openrouter/x': {params: {maxTokens: 1.5}}}}}}") ==
          "agents.defaults.models[\"openrouter/x\"].params.maxTokens: expected a positive integer, found a number (1.5)");
    CHECK(onlyError("{agents: {defaults: {models: {'openrouter/x': {params: {temperature: '0.7'}}}}}}") ==
          "agents.defaults.models[\"openrouter/x\"].params.temperature: expected a finite number, found a string");
    CHECK(onlyError("{agents: {defaults: {models: {'openrouter/x': {params: {temperature: NaN}}}}}}") ==
          "agents.defaults.models[\"openrouter/x\"].params.temperature: expected a finite number, found NaN");
    CHECK(onlyError("{agents: {defaults: {models: {'openrouter/x': {params: {cacheControlTtl: '2h'}}}}}}") ==
          "agents.defaults.models[\"openrouter/x\"].params.cacheControlTtl: expected \"5m\" or \"1h\", found \"2h\"");
    CHECK(onlyError("{agents: {defaults: {models: {'openrouter/x': {provider: {allow_fallbacks: 'no'}}}}}}") ==
          "agents.defaults.models[\"openrouter/x\"].provider.allow_fallbacks: expected a boolean (true or false), found a "
          "string");
    CHECK(onlyError("{agents: {defaults: {models: {'openrouter/x': {provider: {only: 'anthropic'}}}}}}") ==
          "agents.defaults.models[\"openrouter/x\"].provider.only: expected an array of strings, found a string");
    CHECK(onlyError("{agents: {defaults: {models: {'openrouter/x': {alias: 1}}}}}") ==
          "agents.defaults.models[\"openrouter/x\"].alias: expected a string, found a number");
    CHECK(onlyError("{models: {providers: {openrouter: {apiKey: 5}}}}") ==
          "models.providers.openrouter.apiKey: expected a string, found a number");
    CHECK(onlyError("{models: {providers: {local: {apiKeyEnv: 'LLAMA TOKEN'}}}}") ==
          "models.providers.local.apiKeyEnv: not a valid environment variable name (letters, digits and '_')");
    CHECK(onlyError("{models: {providers: {local: {apiKeyEnv: 7}}}}") ==
          "models.providers.local.apiKeyEnv: expected a string, found a number");
    CHECK(check("{models: {providers: {local: {apiKeyEnv: 'LLAMA_TOKEN'}}}}").ok());
    CHECK(onlyError("{env: {OPENROUTER_API_KEY: 1}}") == "env.OPENROUTER_API_KEY: expected a string, found a number");
    CHECK(onlyError("{env: {vars: {A: null}}}") == "env.vars.A: expected a string, found null");
    CHECK(onlyError("{env: {'BAD=NAME': 'x'}}") ==
          "env[\"BAD=NAME\"]: not a valid environment variable name (letters, digits and '_')");
    CHECK(onlyError("{agents: []}") == "agents: expected an object, found an array");
    CHECK(onlyError("[]") == "(root): expected an object, found an array");
    CHECK(onlyError("{agents: {defaults: {model: {primary: ''}}}}") == "agents.defaults.model.primary: must not be empty");
}

TEST_CASE("unknown keys are warnings, not errors; open objects pass anything through") {
    Validation result = check("{channels: {}, agents: {defaults: {workspace: '~/w', models: {'m/x': {compat: 1, "
                              "params: {seed: 1}}}}}}");
    CHECK(result.ok());
    REQUIRE(result.warnings.size() == 3);
    CHECK(result.warnings[0].text() == "channels: unknown key (ignored)");
    CHECK(result.warnings[1].text() == "agents.defaults.workspace: unknown key (ignored)");
    CHECK(result.warnings[2].text() == "agents.defaults.models[\"m/x\"].compat: unknown key (ignored)");
}

TEST_CASE("the original tool's env.shellEnv is warned about, not refused") {
    Validation result = check("{env: {shellEnv: {enabled: true}, A: 'x'}}");
    CHECK(result.ok());
    REQUIRE(result.warnings.size() == 1);
    CHECK(result.warnings[0].text() == "env.shellEnv: importing the login shell's environment is not supported (ignored)");
}

TEST_CASE("an alias used twice is a warning") {
    Validation result = check("{agents: {defaults: {models: {'a/x': {alias: 'Fast'}, 'b/y': {alias: 'fast'}}}}}");
    CHECK(result.ok());
    REQUIRE(result.warnings.size() == 1);
    CHECK(result.warnings[0].text() == "agents.defaults.models[\"b/y\"].alias: the alias is also used by a/x; that one wins");
}

TEST_CASE("the state block: backend, Redis URL and prefix, onStateError; errors name the path") {
    CHECK(check("{state: {backend: 'local'}}").ok());
    CHECK(check("{state: {backend: 'redis', onStateError: 'reject', redis: {url: 'redis://:pw@10.0.0.5:6380/2', "
                "keyPrefix: 'gw:', connectTimeoutMs: 100, commandTimeoutMs: 800}}}")
              .ok());
    CHECK(onlyError("{state: {backend: 'memcached'}}") ==
          "state.backend: expected \"local\" (the state folder) or \"redis\" (shared by several servers), found "
          "\"memcached\"");
    CHECK(onlyError("{state: {redis: {url: 'http://x'}}}") ==
          "state.redis.url: expected a redis://[:password@]host[:port][/db] URL");
    CHECK(onlyError("{state: {redis: {keyPrefix: 'a{b}'}}}") ==
          "state.redis.keyPrefix: expected a string without '{', '}' or spaces (the keys' hash tags are moltbot's own)");
    CHECK(onlyError("{state: {redis: {commandTimeoutMs: 0}}}") ==
          "state.redis.commandTimeoutMs: expected an integer from 1 to 60000, found 0");
    CHECK(check("{state: {onStateError: 'local', instances: 3}}").ok());
    CHECK(onlyError("{state: {onStateError: 'drop'}}") ==
          "state.onStateError: expected \"reject\" (answer 503 while the state backend is down) or \"local\" "
          "(per-instance limits meanwhile), found \"drop\"");
    CHECK(onlyError("{state: {instances: 0}}") == "state.instances: expected an integer from 1 to 1000, found 0");
    CHECK(check("{state: {colour: 1}}").warnings.size() == 1);
}

TEST_CASE("gateway.stickySeconds and gateway.instanceId: ranges and errors name the path") {
    CHECK(check("{gateway: {stickySeconds: 0, instanceId: 'gw-a:4000'}}").ok());
    CHECK(check("{gateway: {stickySeconds: 3600}}").ok());
    CHECK(onlyError("{gateway: {stickySeconds: -1}}") == "gateway.stickySeconds: expected an integer from 0 to 86400, found -1");
    CHECK(onlyError("{gateway: {stickySeconds: 'long'}}") ==
          "gateway.stickySeconds: expected an integer from 0 to 86400, found a string");
    CHECK(onlyError("{gateway: {instanceId: ''}}") ==
          "gateway.instanceId: expected a string of 1 to 200 characters naming this instance");
    CHECK(onlyError("{gateway: {instanceId: 7}}") ==
          "gateway.instanceId: expected a string of 1 to 200 characters naming this instance");
}

TEST_CASE("an unknown key names the nearest known one at its level") {
    Validation result = check("{agent: {}, agents: {defaults: {model: {primary: 'a/b', fallback: []}, "
                              "models: {'m/x': {parms: {}, alias: 'x'}}}}, gateway: {prot: 1}, logs: {enable: true}}");
    CHECK(result.ok());
    REQUIRE(result.warnings.size() == 5);
    CHECK(result.warnings[0].text() == "agent: unknown key (ignored); did you mean 'agents'?");
    CHECK(result.warnings[1].text() == "agents.defaults.model.fallback: unknown key (ignored); did you mean 'fallbacks'?");
    CHECK(result.warnings[2].text() == "agents.defaults.models[\"m/x\"].parms: unknown key (ignored); did you mean 'params'?");
    CHECK(result.warnings[3].text() == "gateway.prot: unknown key (ignored); did you mean 'port'?");
    CHECK(result.warnings[4].text() == "logs.enable: unknown key (ignored); did you mean 'enabled'?");
}

TEST_CASE("unknown params and routing keys are sent as written, and named with the nearest known one") {
    Validation result = check("{agents: {defaults: {models: {'m/x': {"
                              "params: {temprature: 0.5, cacheControlTTL: '1h', top_p: 0.9, topK: 5, brandNewParam: 1},"
                              "provider: {allow_fallback: false, sort: 'price', experimental_key: 1}}}}}}");
    CHECK(result.ok());
    REQUIRE(result.warnings.size() == 5);
    const std::string at = "agents.defaults.models[\"m/x\"].";
    CHECK(result.warnings[0].text() ==
          at + "params.temprature: not a parameter moltbot knows; sent to the provider as written; did you mean "
               "'temperature'?");
    CHECK(result.warnings[1].text() ==
          at + "params.cacheControlTTL: not a parameter moltbot knows; sent to the provider as written; did you mean "
               "'cacheControlTtl'?");
    CHECK(result.warnings[2].text() == at + "params.brandNewParam: not a parameter moltbot knows; sent to the provider "
                                            "as written");
    CHECK(result.warnings[3].text() == at + "provider.allow_fallback: not an OpenRouter provider-routing key; sent as "
                                            "written; did you mean 'allow_fallbacks'?");
    CHECK(result.warnings[4].text() ==
          at + "provider.experimental_key: not an OpenRouter provider-routing key; sent as written");
}

TEST_CASE("a provider's settings warn only about a near miss of a key moltbot reads") {
    Validation result = check("{models: {providers: {local: {baseURL: 'http://127.0.0.1:1/v1', api: 'openai-completions', "
                              "custom: 1}}}}");
    CHECK(result.ok());
    REQUIRE(result.warnings.size() == 1);
    CHECK(result.warnings[0].text() ==
          "models.providers.local.baseURL: unknown key (passed to the plugin as written); did you mean 'baseUrl'?");
}
