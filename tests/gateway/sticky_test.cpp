// Session stickiness's pieces (core/gateway/sticky.hpp) and the local backend's sticky records; the Redis backend's
// are in tests/state, the whole path through `moltbot serve` in serve_test.cpp and tests/scaleout.
#include "core/gateway/sticky.hpp"
#include "core/state/local_backend.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <thread>

using namespace moltbot::gateway;

namespace {

rapidjson::Document parse(const char *json) {
    rapidjson::Document doc;
    doc.Parse(json);
    REQUIRE_FALSE(doc.HasParseError());
    return doc;
}

moltbot::pipeline::ChainEntry entry(const char *options) {
    moltbot::pipeline::ChainEntry e;
    e.ref = {"openrouter", "anthropic/claude-sonnet-4.5"};
    e.optionsJson = options;
    return e;
}

}  // namespace

TEST_CASE("a session is the x-session-id header, else the user field, scoped by the gateway key") {
    CHECK(stickySessionId("k1", "", "").empty());
    std::string byHeader = stickySessionId("k1", "s-42", "alice");
    CHECK(byHeader.size() == 40);
    CHECK(byHeader.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(byHeader == stickySessionId("k1", "s-42", "bob"));      // the header wins over user
    CHECK(byHeader != stickySessionId("k2", "s-42", "alice"));    // another key, another session
    CHECK(stickySessionId("k1", "", "alice") == stickySessionId("k1", "", "alice"));
    CHECK(stickySessionId("k1", "", "alice") != stickySessionId("k1", "alice", ""));  // user "alice" is not header "alice"
    CHECK(stickySessionId("k1", "", "alice") != stickySessionId("", "", "alice"));    // no key is a scope of its own
}

TEST_CASE("provider display names map to OpenRouter's routing slugs") {
    CHECK(providerSlug("Amazon Bedrock") == "amazon-bedrock");
    CHECK(providerSlug("Anthropic") == "anthropic");
    CHECK(providerSlug("Google") == "google-vertex");
    CHECK(providerSlug("Google AI Studio") == "google-ai-studio");
    CHECK(providerSlug("Moonshot AI") == "moonshotai");
    CHECK(providerSlug("NovitaAI") == "novita");
    CHECK(providerSlug("Nebius AI Studio") == "nebius");
    CHECK(providerSlug("Z.AI") == "z-ai");
    CHECK(providerSlug("xAI") == "xai");
    CHECK(providerSlug("DeepInfra") == "deepinfra");
    CHECK(providerSlug("  Some  New--Host ") == "some-new-host");
    CHECK(providerSlug("").empty());
}

TEST_CASE("pinProvider adds provider.order to the model's options, keeping the other provider keys") {
    rapidjson::Document body = parse(R"({"messages":[]})");
    auto plain = entry("{}");
    CHECK(pinProvider(plain, body, "amazon-bedrock"));
    CHECK(plain.optionsJson == R"({"provider":{"order":["amazon-bedrock"]}})");

    auto kept = entry(R"({"provider":{"allow_fallbacks":false},"params":{"temperature":0.2}})");
    CHECK(pinProvider(kept, body, "anthropic"));
    rapidjson::Document options = parse(kept.optionsJson.c_str());
    CHECK(options["provider"]["allow_fallbacks"].IsFalse());
    CHECK(std::string(options["provider"]["order"][0].GetString()) == "anthropic");
    CHECK(options["params"]["temperature"].GetDouble() == doctest::Approx(0.2));

    SUBCASE("an order the config or the request chose stays") {
        for (const char *pinned : {R"({"provider":{"order":["groq"]}})", R"({"params":{"provider":{"order":["groq"]}}})"}) {
            auto configured = entry(pinned);
            CHECK_FALSE(pinProvider(configured, body, "anthropic"));
            CHECK(configured.optionsJson == pinned);
        }
        rapidjson::Document asked = parse(R"({"messages":[],"provider":{"order":["groq"]}})");
        auto fromRequest = entry("{}");
        CHECK_FALSE(pinProvider(fromRequest, asked, "anthropic"));
        CHECK(fromRequest.optionsJson == "{}");
    }
}

TEST_CASE("the local backend keeps a session's provider for its TTL, refreshed on use, and warns once") {
    moltbot::state::LocalBackend backend("/nonexistent/keys.json", "/nonexistent/ledger");
    CHECK_FALSE(backend.stickyRecord("s1", 1000));
    auto first = backend.recordSticky("s1", {"openrouter/a/b", "anthropic", 0}, true, 300);
    CHECK(first.answers == 1);
    CHECK_FALSE(first.warn);  // the first answer writes the cache: no cached tokens are expected yet
    auto record = backend.stickyRecord("s1", 300);
    REQUIRE(record);
    CHECK(record->ref == "openrouter/a/b");
    CHECK(record->provider == "anthropic");
    CHECK(record->answers == 1);
    CHECK_FALSE(backend.stickyRecord("s2", 300));

    auto second = backend.recordSticky("s1", {"openrouter/a/b", "amazon-bedrock", 0}, true, 300);
    CHECK(second.answers == 2);
    CHECK(second.warn);
    CHECK_FALSE(backend.recordSticky("s1", {"openrouter/a/b", "amazon-bedrock", 0}, true, 300).warn);  // once
    CHECK(backend.stickyRecord("s1", 300)->provider == "amazon-bedrock");  // the last provider that served

    // Used within its TTL it lives on; left alone past it, it is gone.
    for (int i = 0; i < 3; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
        CHECK(backend.stickyRecord("s1", 300));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    CHECK_FALSE(backend.stickyRecord("s1", 300));
}
