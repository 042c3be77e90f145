// Session stickiness through `moltbot serve` (docs/gateway.md#session-stickiness): the simulator balances requests
// over a model's providers (--balance round-robin), and a session's requests must all reach one provider, with its
// prompt cache read from the second request on. Requests without a session keep spreading.
#include "tests/gateway/serve_fixture.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <set>
#include <thread>

using namespace moltbot::gateway::test;

namespace {

const std::string kChat = "/v1/chat/completions";

// Sonnet with no provider order of its own, so the simulator's balancing decides.
const std::string kBalancedConfig = R"({
  agents: { defaults: { model: { primary: "openrouter/anthropic/claude-sonnet-4.5" } } },
  gateway: { stickySeconds: STICKY },
})";

std::string config(int stickySeconds) {
    std::string text = kBalancedConfig;
    text.replace(text.find("STICKY"), 6, std::to_string(stickySeconds));
    return text;
}

moltbot::sim::Options balanced() {
    moltbot::sim::Options options;
    options.balance = "round-robin";
    return options;
}

// A 6000-byte document (1500 tokens) marked for caching, then the question; `extra` adds body members.
std::string cachedChat(const std::string &extra = "") {
    std::string doc;
    while (doc.size() < 6000) doc += "The quick brown fox jumps over the lazy dog. ";
    doc.resize(6000);
    return R"({"messages":[{"role":"system","content":[{"type":"text","text":")" + doc +
           R"(","cache_control":{"type":"ephemeral"}}]},{"role":"user","content":"Summarise."}])" + extra + "}";
}

int cachedTokens(const Response &response) {
    REQUIRE_MESSAGE(response.status == 200, response.body);
    rapidjson::Document json = response.json();
    return json["usage"]["prompt_tokens_details"]["cached_tokens"].GetInt();
}

// The provider slugs that served the simulator's chat requests from `from` on, in order, and whether each request
// carried a provider.order.
struct Served {
    std::vector<std::string> slugs;
    std::vector<bool> pinned;
};

Served servedSince(ServeFixture &fixture, std::size_t from) {
    rapidjson::Document chats = fixture.chatRequests();
    Served served;
    for (rapidjson::SizeType i = static_cast<rapidjson::SizeType>(from); i < chats.Size(); ++i) {
        const auto &request = chats[i];
        served.slugs.push_back(request["provider_slug"].IsString() ? request["provider_slug"].GetString() : "");
        const auto &body = request["body"];
        served.pinned.push_back(body.HasMember("provider") && body["provider"].HasMember("order"));
    }
    return served;
}

}  // namespace

TEST_CASE("sticky sessions: a session's requests stay on one provider and read its cache; others spread") {
    ServeFixture fixture(config(300), balanced());
    fixture.start();

    // No session: the simulator's balancing spreads the requests over the providers.
    for (int i = 0; i < 4; ++i) CHECK(post(fixture.port(), kChat, cachedChat()).status == 200);
    Served loose = servedSince(fixture, 0);
    CHECK(std::set<std::string>(loose.slugs.begin(), loose.slugs.end()).size() >= 3);
    for (bool pinned : loose.pinned) CHECK_FALSE(pinned);

    SUBCASE("by x-session-id") {
        std::size_t from = servedSince(fixture, 0).slugs.size();
        std::vector<int> cached;
        for (int i = 0; i < 5; ++i) {
            cached.push_back(cachedTokens(post(fixture.port(), kChat, cachedChat(), "x-session-id: conv-1\r\n")));
            // Another session interleaved moves the balancer on between the session's requests.
            CHECK(post(fixture.port(), kChat, cachedChat(), "x-session-id: conv-2\r\n").status == 200);
        }
        Served served = servedSince(fixture, from);
        REQUIRE(served.slugs.size() == 10);
        std::set<std::string> conv1, conv2;
        for (std::size_t i = 0; i < served.slugs.size(); ++i) (i % 2 == 0 ? conv1 : conv2).insert(served.slugs[i]);
        CHECK(conv1.size() == 1);
        CHECK(conv2.size() == 1);
        CHECK_FALSE(served.pinned[0]);  // the first request of a session goes where OpenRouter sends it
        for (std::size_t i = 2; i < served.pinned.size(); ++i) CHECK(served.pinned[i]);
        for (std::size_t i = 1; i < cached.size(); ++i) CHECK(cached[i] > 0);
        CHECK(fixture.log().find("sticky=" + *conv1.begin()) != std::string::npos);
        // The text access log names the provider that served by the same slug (no '?' for a space).
        CHECK(fixture.log().find("provider=" + *conv1.begin() + " sticky=" + *conv1.begin()) != std::string::npos);
        // moltbot usage shows the share of prompt tokens the gateway's requests read from a cache.
        rapidjson::Document usage;
        for (int tries = 0; tries < 200; ++tries) {  // the request log is written behind the requests
            auto result = cli(fixture, {"usage", "--json"});
            REQUIRE_MESSAGE(result.exitCode == 0, result.err);
            usage.Parse(result.out.c_str());
            REQUIRE(usage.IsObject());
            if (usage["total"]["requests"].GetInt64() == 14) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        CHECK(usage["total"]["requests"].GetInt64() == 14);
        CHECK(usage["total"]["cached_tokens"].GetInt64() > 0);
        CHECK(usage["total"]["cached_share"].GetDouble() > 0.3);
    }

    SUBCASE("by the user field, scoped like the header") {
        std::size_t from = servedSince(fixture, 0).slugs.size();
        for (int i = 0; i < 4; ++i) {
            CHECK(post(fixture.port(), kChat, cachedChat(R"(,"user":"alice")")).status == 200);
            CHECK(post(fixture.port(), kChat, cachedChat()).status == 200);  // no session: moves the balancer on
        }
        Served served = servedSince(fixture, from);
        REQUIRE(served.slugs.size() == 8);
        std::set<std::string> alice;
        for (std::size_t i = 0; i < served.slugs.size(); i += 2) alice.insert(served.slugs[i]);
        CHECK(alice.size() == 1);
        std::string metrics = get(fixture.port(), "/metrics").body;
        CHECK(metrics.find("moltbot_sticky_pins_total 3") != std::string::npos);
    }
}

TEST_CASE("sticky sessions off (stickySeconds 0): a session's requests spread like any others") {
    ServeFixture fixture(config(0), balanced());
    fixture.start();
    for (int i = 0; i < 4; ++i) {
        CHECK(post(fixture.port(), kChat, cachedChat(), "x-session-id: conv-1\r\n").status == 200);
    }
    Served served = servedSince(fixture, 0);
    CHECK(std::set<std::string>(served.slugs.begin(), served.slugs.end()).size() >= 3);
    for (bool pinned : served.pinned) CHECK_FALSE(pinned);
}

TEST_CASE("a sticky session whose cache stays cold warns once") {
    ServeFixture fixture(config(300), balanced());
    fixture.start();
    // No cache_control: nothing is ever cached, though the prompt is long enough.
    std::string doc(6000, 'a');
    std::string body = R"({"messages":[{"role":"user","content":")" + doc + R"("}]})";
    for (int i = 0; i < 4; ++i) CHECK(post(fixture.port(), kChat, body, "x-session-id: cold\r\n").status == 200);
    std::string log = fixture.log();
    std::size_t first = log.find("read no cached tokens");
    REQUIRE_MESSAGE(first != std::string::npos, log);
    CHECK(log.find("read no cached tokens", first + 1) == std::string::npos);
}

TEST_CASE("a session's provider that fails does not fail the request: another serves and becomes the session's") {
    ServeFixture fixture(config(300), balanced());
    fixture.start();
    REQUIRE(post(fixture.port(), kChat, cachedChat(), "x-session-id: conv-f\r\n").status == 200);
    Served first = servedSince(fixture, 0);
    REQUIRE(first.slugs.size() == 1);
    std::string pinned = first.slugs[0];
    fixture.faults(R"([{"kind":"http","status":503,"match":{"provider":")" + pinned + R"("},"times":100}])");
    for (int i = 0; i < 3; ++i) {
        CHECK(post(fixture.port(), kChat, cachedChat(), "x-session-id: conv-f\r\n").status == 200);
    }
    Served after = servedSince(fixture, 1);
    REQUIRE(after.slugs.size() == 3);
    CHECK(after.slugs[0] != pinned);  // OpenRouter's allow_fallbacks moved the pinned request on
    CHECK(after.slugs[1] == after.slugs[0]);  // and the session follows the provider that served it
    CHECK(after.slugs[2] == after.slugs[0]);
    for (bool isPinned : after.pinned) CHECK(isPinned);
}
