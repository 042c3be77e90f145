// Provider routing (only/ignore/order/allow_fallbacks, base slugs) and the `models` fallback.
#include "tests/simulator/catalog.hpp"
#include "tests/simulator/routing.hpp"
#include "tests/simulator/sim_client.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace moltbot::sim;
using namespace moltbot::sim::test;

namespace {

std::vector<std::string> tags(const std::vector<const Endpoint *> &plan) {
    std::vector<std::string> out;
    for (const Endpoint *endpoint : plan) out.push_back(endpoint->tag);
    return out;
}

std::vector<std::string> plan(const std::string &model, ProviderPreferences preferences) {
    return tags(planRoute(*Catalog::instance().find(model), preferences));
}

using Tags = std::vector<std::string>;
const char *kSonnet = "anthropic/claude-sonnet-4.5";

// The last recorded request.
rapidjson::Document lastRequest(Fixture &fixture) {
    auto all = fixture.get("/_sim/requests", false).json();
    rapidjson::Document last;
    last.CopyFrom(all["data"][all["data"].Size() - 1], last.GetAllocator());
    return last;
}

}  // namespace

TEST_CASE("planRoute: default order, only, ignore, order and allow_fallbacks") {
    CHECK(plan(kSonnet, {}) == Tags{"anthropic", "amazon-bedrock", "google-vertex", "google-vertex/europe"});
    CHECK(plan(kSonnet, {{}, {"amazon-bedrock"}, {}, true}) == Tags{"amazon-bedrock"});
    // A base slug covers its variants; a full slug only itself.
    CHECK(plan(kSonnet, {{}, {}, {"google-vertex"}, true}) == Tags{"anthropic", "amazon-bedrock"});
    CHECK(plan(kSonnet, {{}, {"google-vertex/europe"}, {}, true}) == Tags{"google-vertex/europe"});
    CHECK(plan(kSonnet, {{"google-vertex", "anthropic"}, {}, {}, true}) ==
          Tags{"google-vertex", "google-vertex/europe", "anthropic", "amazon-bedrock"});
    CHECK(plan(kSonnet, {{"amazon-bedrock", "anthropic"}, {}, {}, false}) == Tags{"amazon-bedrock", "anthropic"});
    // Unknown entries and display names match nothing.
    CHECK(plan(kSonnet, {{"acme", "amazon-bedrock"}, {}, {}, true}).front() == "amazon-bedrock");
    CHECK(plan(kSonnet, {{"Amazon Bedrock"}, {}, {}, false}).empty());
    CHECK(plan(kSonnet, {{}, {"aws-bedrock"}, {}, true}).empty());
    // No fallbacks and no order: the `only` set, or just the default endpoint.
    CHECK(plan(kSonnet, {{}, {"anthropic", "google-vertex"}, {}, false}) ==
          Tags{"anthropic", "google-vertex", "google-vertex/europe"});
    CHECK(plan(kSonnet, {{}, {}, {}, false}) == Tags{"anthropic"});
    CHECK(plan(kSonnet, {{}, {}, {"anthropic"}, false}) == Tags{"amazon-bedrock"});
    // `order` cannot bring back what `only`/`ignore` removed.
    CHECK(plan(kSonnet, {{"anthropic"}, {}, {"anthropic"}, true}) ==
          Tags{"amazon-bedrock", "google-vertex", "google-vertex/europe"});
}

TEST_CASE("the provider preferences choose the serving provider, named by display name") {
    Fixture fixture;
    auto served = [&](const std::string &provider) {
        Reply reply = fixture.chat(chatBody(kSonnet, "hi", "\"provider\":" + provider));
        REQUIRE_MESSAGE(reply.status == 200, reply.body);
        return str(reply.json()["provider"]);
    };
    CHECK(served("{}") == "Anthropic");
    CHECK(served(R"({"only":["amazon-bedrock"],"allow_fallbacks":false})") == "Amazon Bedrock");
    CHECK(served(R"({"ignore":["anthropic","amazon-bedrock"]})") == "Google");
    CHECK(served(R"({"order":["google-vertex/europe"]})") == "Google");
    CHECK(str(lastRequest(fixture)["provider_slug"]) == "google-vertex/europe");
    CHECK(served(R"({"order":["aws-bedrock","azure","amazon-bedrock"],"allow_fallbacks":true})") == "Amazon Bedrock");
    CHECK(str(fixture.chat(chatBody("openai/gpt-5.2", "hi", R"("provider":{"only":["azure"]})")).json()["provider"]) ==
          "Azure");

    // Open-weights models default to the cheapest endpoint (DeepInfra); ignoring it drops its variants too.
    const Model &llama = *Catalog::instance().find("meta-llama/llama-3.3-70b-instruct");
    CHECK(str(fixture.chat(chatBody(llama.id, "hi")).json()["provider"]) == "DeepInfra");
    std::string next;
    for (const Endpoint &endpoint : llama.endpoints) {
        if (next.empty() && !endpoint.tag.starts_with("deepinfra")) next = endpoint.provider->name;
    }
    CHECK(str(fixture.chat(chatBody(llama.id, "hi", R"("provider":{"ignore":["deepinfra"]})")).json()["provider"]) ==
          next);
}

TEST_CASE("no endpoint left is a 404 naming the model") {
    Fixture fixture;
    Reply reply = fixture.chat(chatBody(kSonnet, "hi", R"("provider":{"only":["aws-bedrock"]})"));
    CHECK(reply.status == 404);
    CHECK(str(reply.json()["error"]["message"]) == "No endpoints found for anthropic/claude-sonnet-4.5.");
    CHECK(
        fixture.chat(chatBody(kSonnet, "hi", R"("provider":{"ignore":["anthropic","amazon-bedrock","google-vertex"]})"))
            .status == 404);
}

TEST_CASE("a failing provider is skipped in order; without fallbacks its error reaches the client") {
    Fixture fixture;
    fixture.faults(R"([{"kind":"http","status":503,"match":{"provider":"amazon-bedrock"},"times":2}])");
    std::string preferences = R"("provider":{"order":["amazon-bedrock","google-vertex"],"allow_fallbacks":true})";
    Reply fallback = fixture.chat(chatBody(kSonnet, "hi", preferences));
    REQUIRE(fallback.status == 200);
    CHECK(str(fallback.json()["provider"]) == "Google");
    auto record = lastRequest(fixture);
    REQUIRE(record["attempts"].Size() == 2);
    CHECK(str(record["attempts"][0]["provider"]) == "amazon-bedrock");
    CHECK(record["attempts"][0]["status"].GetInt() == 503);
    CHECK(str(record["attempts"][1]["provider"]) == "google-vertex");

    Reply strict =
        fixture.chat(chatBody(kSonnet, "hi", R"("provider":{"order":["amazon-bedrock"],"allow_fallbacks":false})"));
    CHECK(strict.status == 503);
    auto error = strict.json();
    CHECK(str(error["error"]["message"]) == "Provider returned error");
    CHECK(str(error["error"]["metadata"]["provider_name"]) == "Amazon Bedrock");
    // The fault is used up: Bedrock serves again.
    CHECK(fixture.chat(chatBody(kSonnet, "hi", R"("provider":{"only":["amazon-bedrock"]})")).status == 200);
}

TEST_CASE("the models fallback: when the first model fails, the next one serves and is billed") {
    Fixture fixture;
    fixture.faults(R"([{"kind":"http","status":429,"match":{"model":"anthropic/claude-sonnet-4.5"}}])");
    Reply reply = fixture.chat(chatBody(kSonnet, "hi", R"("models":["openai/gpt-5.2"])"));
    REQUIRE(reply.status == 200);
    auto json = reply.json();
    CHECK(str(json["model"]) == "openai/gpt-5.2");
    CHECK(str(json["provider"]) == "OpenAI");
    CHECK(str(json["choices"][0]["message"]["content"]) == "[gpt-5.2 via OpenAI] You said: hi");
    int completion = json["usage"]["completion_tokens"].GetInt();
    CHECK(json["usage"]["cost"].GetDouble() == doctest::Approx(1 * 1.75e-6 + completion * 14e-6));

    // Without a fallback the model's failure is the answer; filters that leave the first model nothing also fall back.
    fixture.faults(R"([{"kind":"http","status":429,"match":{"model":"anthropic/claude-sonnet-4.5"}}])");
    CHECK(fixture.chat(chatBody(kSonnet, "hi")).status == 429);
    Reply filtered =
        fixture.chat(chatBody(kSonnet, "hi", R"("models":["openai/gpt-5.2"],"provider":{"only":["azure"]})"));
    CHECK(str(filtered.json()["provider"]) == "Azure");
    // An unknown fallback id is rejected up front.
    CHECK(fixture.chat(chatBody(kSonnet, "hi", R"("models":["acme/nope"])")).status == 400);
}

TEST_CASE("account errors (401, 402) end the request without trying fallbacks") {
    Fixture fixture;
    fixture.faults(R"([{"kind":"http","status":402,"match":{"model":"anthropic/claude-sonnet-4.5"}}])");
    CHECK(fixture.chat(chatBody(kSonnet, "hi", R"("models":["openai/gpt-5.2"])")).status == 402);
}
