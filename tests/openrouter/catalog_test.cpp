// Model catalog parsing, model id resolution, closest ids and provider slug suggestions.
#include "samples.hpp"

#include "catalog.hpp"

#include <moltbot/sdk/guard.hpp>
#include <moltbot/sdk/json.hpp>

#include <doctest/doctest.h>

using namespace moltbot::openrouter;

TEST_CASE("catalog: /models entries become MB_EVENT_MODEL payloads") {
    Catalog catalog = Catalog::parse(test::kModels);
    REQUIRE(catalog.models().size() == 5);
    CHECK(catalog.contains("openrouter/auto"));
    rapidjson::Document sonnet;
    REQUIRE(moltbot::sdk::json::parse(sonnet, catalog.models()[0].event));
    CHECK(moltbot::sdk::json::getString(sonnet, "id") == "anthropic/claude-sonnet-4.5");
    CHECK(moltbot::sdk::json::getString(sonnet, "name") == "Anthropic: Claude Sonnet 4.5");
    CHECK(moltbot::sdk::json::getInt(sonnet, "context_length") == 1000000);
    CHECK(moltbot::sdk::json::getInt(sonnet, "max_completion_tokens") == 64000);
    CHECK(moltbot::sdk::json::getString(sonnet, "input") == "text+image");
    CHECK(moltbot::sdk::json::getString(sonnet["pricing"], "prompt") == "0.000003");
    CHECK(moltbot::sdk::json::getBool(sonnet, "tools"));
    CHECK(moltbot::sdk::json::getBool(sonnet, "reasoning"));
    rapidjson::Document haiku;
    REQUIRE(moltbot::sdk::json::parse(haiku, catalog.models()[1].event));
    CHECK(moltbot::sdk::json::getString(haiku, "input") == "text");  // from "modality" alone
    CHECK_FALSE(moltbot::sdk::json::getBool(haiku, "tools", true));

    CHECK_THROWS_AS(Catalog::parse("{\"data\":{}}"), moltbot::sdk::Failure);
    CHECK_THROWS_AS(Catalog::parse("<html>"), moltbot::sdk::Failure);
}

TEST_CASE("catalog: the cached form reads back the same models, ids and events") {
    Catalog catalog = Catalog::parse(test::kModels);
    Catalog back = Catalog::deserialize(catalog.serialize());
    REQUIRE(back.models().size() == catalog.models().size());
    for (std::size_t i = 0; i < catalog.models().size(); ++i) {
        CHECK(back.models()[i].id == catalog.models()[i].id);
        CHECK(back.models()[i].event == catalog.models()[i].event);
    }
    CHECK(resolveModelId("anthropic/claude-sonnet-4-5", &back).id == "anthropic/claude-sonnet-4.5");
    CHECK(Catalog::deserialize("[]\n").models().empty());
    Catalog twice = Catalog::parse(R"({"data":[{"id":"a/b"},{"id":"c/d"},{"id":"a/b"}]})");
    CHECK(twice.models().size() == 2);  // a repeated id is listed once
    CHECK(twice.contains("a/b"));
    CHECK(twice.contains("c/d"));
    CHECK_FALSE(twice.contains("a/c"));

    std::string text = catalog.serialize();
    CHECK_THROWS_AS(Catalog::deserialize(text.substr(0, text.size() - 1)), moltbot::sdk::Failure);  // cut short
    CHECK_THROWS_AS(Catalog::deserialize(text + "{}\n"), moltbot::sdk::Failure);                    // an extra line
    CHECK_THROWS_AS(Catalog::deserialize(test::kModels), moltbot::sdk::Failure);                    // a /models body
    CHECK_THROWS_AS(Catalog::deserialize("[1]\n{}\n"), moltbot::sdk::Failure);
    CHECK_THROWS_AS(Catalog::deserialize("[\"a/b\"]\n{\"id\":\"a/\n"), moltbot::sdk::Failure);  // a damaged event line
    CHECK_THROWS_AS(Catalog::deserialize("[\"a/b\"]\n\n"), moltbot::sdk::Failure);
    CHECK_THROWS_AS(Catalog::deserialize(""), moltbot::sdk::Failure);
}

TEST_CASE("model ids: routers, -/. between digits, variants, unknown ids") {
    Catalog catalog = Catalog::parse(test::kModels);
    // `openrouter/auto` and `openrouter/openrouter/auto` both reach the router.
    CHECK(resolveModelId("auto", &catalog).id == "openrouter/auto");
    CHECK(resolveModelId("openrouter/auto", &catalog).id == "openrouter/auto");
    CHECK(resolveModelId("auto", nullptr).id == "openrouter/auto");

    ModelResolution exact = resolveModelId("anthropic/claude-sonnet-4.5", &catalog);
    CHECK(exact.id == "anthropic/claude-sonnet-4.5");
    CHECK(exact.notice.empty());

    ModelResolution dashed = resolveModelId("anthropic/claude-sonnet-4-5", &catalog);
    CHECK(dashed.id == "anthropic/claude-sonnet-4.5");
    CHECK(dashed.notice.find("anthropic/claude-sonnet-4-5") != std::string::npos);
    CHECK(resolveModelId("anthropic/claude-3-5-haiku", &catalog).id == "anthropic/claude-3.5-haiku");
    CHECK(resolveModelId("openai/gpt-5-2", &catalog).id == "openai/gpt-5.2");
    // Only between digits: "claude-sonnet" is not "claude.sonnet".
    CHECK(resolveModelId("anthropic/claude.sonnet-4.5", &catalog).id == "anthropic/claude.sonnet-4.5");

    // A variant suffix is kept; a listed variant is matched as a whole.
    CHECK(resolveModelId("anthropic/claude-sonnet-4-5:nitro", &catalog).id == "anthropic/claude-sonnet-4.5:nitro");
    ModelResolution nitro = resolveModelId("anthropic/claude-sonnet-4.5:nitro", &catalog);
    CHECK(nitro.id == "anthropic/claude-sonnet-4.5:nitro");
    CHECK(nitro.notice.empty());
    CHECK(resolveModelId("qwen/qwen3-coder:free", &catalog).notice.empty());

    // Unknown ids, and everything without a catalog, go as given.
    ModelResolution unknown = resolveModelId("acme/fake-1.0", &catalog);
    CHECK(unknown.id == "acme/fake-1.0");
    CHECK(unknown.notice.empty());
    CHECK(resolveModelId("anthropic/claude-sonnet-4-5", nullptr).id == "anthropic/claude-sonnet-4-5");
}

TEST_CASE("model ids: a normalised id matching two catalog ids is not guessed") {
    Catalog catalog = Catalog::parse(R"({"data":[{"id":"a/m-1.5"},{"id":"a/m-1-5"}]})");
    ModelResolution r = resolveModelId("a/M-1.5", &catalog);
    CHECK(r.id == "a/M-1.5");
    CHECK(r.notice.empty());
}

TEST_CASE("closest ids: nearest first, normalised") {
    Catalog catalog = Catalog::parse(test::kModels);
    std::vector<std::string> near = catalog.closest("anthropic/claude-sonnet-4-6", 2);
    REQUIRE(near.size() == 2);
    CHECK(near[0] == "anthropic/claude-sonnet-4.5");
    CHECK(near[1] == "anthropic/claude-3.5-haiku");
    CHECK(catalog.closest("x", 10).size() == 5);
    CHECK(editDistance("kitten", "sitting") == 3);
    CHECK(normalizeModelId("Anthropic/Claude-Sonnet-4-5-20250929") == "anthropic/claude-sonnet-4.5.20250929");
}

TEST_CASE("provider slugs: known, endpoint variants, suggestions") {
    ProviderDirectory directory = ProviderDirectory::parse(test::kProviders);
    CHECK(directory.known("amazon-bedrock"));
    CHECK(directory.known("deepinfra/turbo"));  // an endpoint tag: its base slug counts
    CHECK_FALSE(directory.known("aws-bedrock"));
    CHECK_FALSE(directory.known("Amazon Bedrock"));
    CHECK(directory.suggest("aws-bedrock") == "amazon-bedrock");
    CHECK(directory.suggest("bedrock") == "amazon-bedrock");
    CHECK(directory.suggest("google") == "google-vertex");
    CHECK(directory.suggest("Amazon Bedrock") == "amazon-bedrock");  // a display name
    CHECK(directory.suggest("OpenAI") == "openai");
    CHECK(directory.suggest("togetherai") == "together");
    CHECK(directory.suggest("zzzzzzzzzz").empty());

    ProviderDirectory builtin = ProviderDirectory::builtin();
    CHECK(builtin.known("amazon-bedrock"));
    CHECK(builtin.suggest("aws-bedrock") == "amazon-bedrock");
}
