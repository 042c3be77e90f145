// Config paths: parsing the user's spelling, get/set/unset on a document, and masking secrets.
#include "core/config/files.hpp"
#include "core/config/json5.hpp"
#include "core/config/json_path.hpp"
#include "core/util/secrets.hpp"

#include <doctest/doctest.h>

using namespace moltbot::config;

namespace {

rapidjson::Document parse(std::string_view text) {
    rapidjson::Document document;
    parseJson5(text, document, "test");
    return document;
}

std::string errorOf(std::string_view path) {
    try {
        parsePath(path);
    } catch (const ConfigError &error) {
        return error.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("dots and brackets, with and without quotes") {
    CHECK(parsePath("agents.defaults.model.primary") == PathSegments{"agents", "defaults", "model", "primary"});
    PathSegments model{"agents", "defaults", "models", "openrouter/anthropic/claude-sonnet-4-5"};
    CHECK(parsePath("agents.defaults.models[\"openrouter/anthropic/claude-sonnet-4-5\"]") == model);
    CHECK(parsePath("agents.defaults.models['openrouter/anthropic/claude-sonnet-4-5']") == model);
    CHECK(parsePath("agents.defaults.models[openrouter/anthropic/claude-sonnet-4-5]") == model);
    CHECK(parsePath("a[\"x.y\"].b") == PathSegments{"a", "x.y", "b"});
    CHECK(parsePath("a[b][c]") == PathSegments{"a", "b", "c"});
    CHECK(parsePath("a\\.b.c") == PathSegments{"a.b", "c"});
    CHECK(parsePath("fallbacks[0]") == PathSegments{"fallbacks", "0"});
    CHECK(parsePath("a[\"q\\\"uote\"]") == PathSegments{"a", "q\"uote"});
}

TEST_CASE("bad paths say what is wrong") {
    CHECK(errorOf("") == "invalid config path '': the path is empty");
    CHECK(errorOf("a..b") == "invalid config path 'a..b': empty key at character 3");
    CHECK(errorOf("a.") == "invalid config path 'a.': empty key at the end");
    CHECK(errorOf("a[b") == "invalid config path 'a[b': expected ']' at character 4");
    CHECK(errorOf("a[\"b]") == "invalid config path 'a[\"b]': unclosed quote at character 3");
    CHECK(errorOf("a[]") == "invalid config path 'a[]': empty key at character 2");
    CHECK(errorOf("a[b]c") == "invalid config path 'a[b]c': expected '.' or '[' after ']' at character 5");
}

TEST_CASE("formatPath puts keys with slashes or dots in brackets, and parsePath reads it back") {
    PathSegments segments{"agents", "defaults", "models", "openrouter/x.y", "alias"};
    std::string text = formatPath(segments);
    CHECK(text == "agents.defaults.models[\"openrouter/x.y\"].alias");
    CHECK(parsePath(text) == segments);
}

TEST_CASE("find, set with created parents, replace, unset") {
    rapidjson::Document d = parse("{agents: {defaults: {model: {fallbacks: ['a', 'b']}}}, keep: 1}");
    CHECK(findPath(d, parsePath("agents.defaults.model.fallbacks[1]"))->GetString() == std::string("b"));
    CHECK(findPath(d, parsePath("agents.nothing")) == nullptr);
    CHECK(findPath(d, parsePath("agents.defaults.model.fallbacks[2]")) == nullptr);

    rapidjson::Value value("openrouter/auto");
    setPath(d, parsePath("agents.defaults.model.primary"), value);
    rapidjson::Value temperature(0.5);
    setPath(d, parsePath("agents.defaults.models[\"openrouter/x\"].params.temperature"), temperature);
    CHECK(findPath(d, parsePath("agents.defaults.models[openrouter/x].params.temperature"))->GetDouble() == 0.5);
    rapidjson::Value third("c");
    setPath(d, parsePath("agents.defaults.model.fallbacks[2]"), third);
    CHECK(d["agents"]["defaults"]["model"]["fallbacks"].Size() == 3);

    rapidjson::Value nested(1);
    CHECK_THROWS_WITH_AS(setPath(d, parsePath("keep.deeper"), nested), "cannot set keep.deeper: keep is a number, not an object",
                         ConfigError);
    CHECK_THROWS_WITH_AS(setPath(d, parsePath("agents.defaults.model.fallbacks[7]"), nested),
                         "cannot set agents.defaults.model.fallbacks[7]: agents.defaults.model.fallbacks is an array of 3 "
                         "elements and '7' is not an index in it",
                         ConfigError);

    CHECK(unsetPath(d, parsePath("agents.defaults.model.fallbacks[0]")));
    CHECK(d["agents"]["defaults"]["model"]["fallbacks"][0].GetString() == std::string("b"));
    CHECK(unsetPath(d, parsePath("keep")));
    CHECK_FALSE(unsetPath(d, parsePath("keep")));
    CHECK_FALSE(unsetPath(d, parsePath("nothing.here")));
}

TEST_CASE("keys holding a NUL are found, replaced and removed by their whole name") {
    // Found by fuzzing: the lookup stopped at the NUL, so set added a second member and get found nothing.
    rapidjson::Document d = parse("{'a\\u0000b': 1, a: 2}");
    PathSegments withNul{std::string("a\0b", 3)};
    REQUIRE(findPath(d, withNul) != nullptr);
    CHECK(findPath(d, withNul)->GetInt() == 1);
    rapidjson::Value value(3);
    setPath(d, withNul, value);
    CHECK(d.MemberCount() == 2);
    CHECK(findPath(d, withNul)->GetInt() == 3);
    CHECK(unsetPath(d, withNul));
    CHECK(findPath(d, withNul) == nullptr);
    CHECK(d["a"].GetInt() == 2);
}

TEST_CASE("secret keys are recognised by their words") {
    for (const char *key : {"apiKey", "api_key", "OPENROUTER_API_KEY", "token", "accessToken", "client_secret",
                            "password", "x-api-key", "Authorization", "key"}) {
        CHECK_MESSAGE(isSecretKey(key), key);
    }
    for (const char *key : {"maxTokens", "primary", "keyboard", "monkey", "cacheControlTtl", "baseUrl", "primaryKey"}) {
        CHECK_MESSAGE(!isSecretKey(key), key);
    }
}

TEST_CASE("maskSecrets hides secret strings anywhere and leaves the rest") {
    rapidjson::Document d = parse("{env: {OPENROUTER_API_KEY: 'sk-or-v1-0123456789abcdef0123', HOME_DIR: '/x'},"
                                  " models: {providers: {openrouter: {apiKey: 'sk-or-v1-0123456789abcdef0123', baseUrl: 'u'}}},"
                                  " tokens: ['a'], token: ['sk-or-v1-0123456789abcdef0123']}");
    maskSecrets(d, d.GetAllocator());
    std::string text = toPrettyJson(d);
    CHECK(text.find("0123456789abcdef") == std::string::npos);
    CHECK(d["env"]["OPENROUTER_API_KEY"].GetString() == moltbot::util::maskSecret("sk-or-v1-0123456789abcdef0123"));
    CHECK(d["env"]["HOME_DIR"].GetString() == std::string("/x"));
    CHECK(d["models"]["providers"]["openrouter"]["baseUrl"].GetString() == std::string("u"));
    CHECK(d["tokens"][0].GetString() == std::string("a"));
    CHECK(d["token"][0].GetString() == moltbot::util::maskSecret("sk-or-v1-0123456789abcdef0123"));
}
