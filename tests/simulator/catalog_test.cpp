// The catalog and its public endpoints: /models (with ETag caching), /models/.../endpoints, /providers.
#include "tests/simulator/catalog.hpp"
#include "tests/simulator/sim_client.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

using namespace moltbot::sim;
using namespace moltbot::sim::test;

namespace {

const rapidjson::Value *findById(const rapidjson::Value &list, const std::string &id) {
    for (const auto &entry : list.GetArray()) {
        if (entry["id"].GetString() == id) return &entry;
    }
    return nullptr;
}

}  // namespace

TEST_CASE("the catalog is large, deterministic and holds the models the project relies on") {
    const Catalog &catalog = Catalog::instance();
    CHECK(catalog.models().size() >= 400);
    for (const char *id :
         {"anthropic/claude-sonnet-4.5", "anthropic/claude-opus-4.5", "anthropic/claude-haiku-4.5",
          "anthropic/claude-3.7-sonnet", "openai/gpt-5.2", "openai/gpt-4o-mini", "google/gemini-2.5-pro",
          "meta-llama/llama-3.3-70b-instruct", "meta-llama/llama-3.3-70b-instruct:free", "deepseek/deepseek-chat",
          "mistralai/mistral-large", "x-ai/grok-4", "openrouter/auto"}) {
        CHECK_MESSAGE(catalog.find(id) != nullptr, id);
    }
    CHECK(catalog.find("anthropic/claude-sonnet-4-5") == nullptr);  // the dashed form is not an OpenRouter id

    std::set<std::string> ids;
    for (const Model &model : catalog.models()) {
        CHECK_MESSAGE(ids.insert(model.id).second, "duplicate " << model.id);
        if (model.routesTo.empty()) CHECK_MESSAGE(!model.endpoints.empty(), model.id);
    }

    const Model &sonnet = *catalog.find("anthropic/claude-sonnet-4.5");
    CHECK(formatPrice(sonnet.pricing.prompt) == "0.000003");
    CHECK(formatPrice(sonnet.pricing.completion) == "0.000015");
    CHECK(formatPrice(sonnet.pricing.cacheRead) == "0.0000003");
    CHECK(formatPrice(sonnet.pricing.cacheWrite) == "0.00000375");
    CHECK(formatPrice(sonnet.pricing.cacheWrite1h) == "0.000006");
    std::vector<std::string> tags;
    for (const Endpoint &endpoint : sonnet.endpoints) tags.push_back(endpoint.tag);
    CHECK(tags == std::vector<std::string>{"anthropic", "amazon-bedrock", "google-vertex", "google-vertex/europe"});

    const Model &gpt = *catalog.find("openai/gpt-5.2");
    CHECK(gpt.endpoints.front().provider->name == "OpenAI");
    CHECK(gpt.endpoints.at(1).provider->name == "Azure");

    const Model &free = *catalog.find("meta-llama/llama-3.3-70b-instruct:free");
    CHECK(free.canonicalSlug == catalog.find("meta-llama/llama-3.3-70b-instruct")->canonicalSlug);
    CHECK(free.pricing.prompt == 0);
    CHECK(free.pricing.completion == 0);

    // Open-weights models are on the shared pool, cheapest (DeepInfra) first.
    const Model &llama = *catalog.find("meta-llama/llama-3.3-70b-instruct");
    CHECK(llama.endpoints.front().tag == "deepinfra");
    for (const char *tag : {"together", "fireworks"}) {
        bool found = false;
        for (const Endpoint &endpoint : llama.endpoints) found = found || endpoint.tag == tag;
        CHECK_MESSAGE(found, tag);
    }
}

TEST_CASE("prices are plain decimal strings") {
    CHECK(formatPrice(0.000003) == "0.000003");
    CHECK(formatPrice(0.00000013) == "0.00000013");
    CHECK(formatPrice(0) == "0");
    CHECK(formatPrice(0.5, true) == "-1");
}

TEST_CASE("GET /models lists the catalog without auth, with ETag and Last-Modified") {
    Fixture fixture;
    Reply reply = fixture.get("/api/v1/models", false);
    REQUIRE(reply.status == 200);
    auto json = reply.json();
    const auto &data = json["data"];
    CHECK(data.Size() == Catalog::instance().models().size());
    CHECK(json["total_count"].GetInt() == static_cast<int>(data.Size()));

    const rapidjson::Value *sonnet = findById(data, "anthropic/claude-sonnet-4.5");
    REQUIRE(sonnet);
    CHECK(std::string((*sonnet)["pricing"]["prompt"].GetString()) == "0.000003");
    CHECK(std::string((*sonnet)["pricing"]["input_cache_write"].GetString()) == "0.00000375");
    CHECK(std::string((*sonnet)["name"].GetString()) == "Anthropic: Claude Sonnet 4.5");
    CHECK((*sonnet)["context_length"].GetInt() == 1000000);
    CHECK(std::string((*sonnet)["architecture"]["input_modalities"][1].GetString()) == "image");
    const rapidjson::Value *router = findById(data, "openrouter/auto");
    REQUIRE(router);
    CHECK(std::string((*router)["pricing"]["prompt"].GetString()) == "-1");
    const rapidjson::Value *free = findById(data, "meta-llama/llama-3.3-70b-instruct:free");
    REQUIRE(free);
    CHECK(std::string((*free)["pricing"]["completion"].GetString()) == "0");

    std::string etag = reply.header("ETag");
    REQUIRE(etag.size() > 2);
    REQUIRE(!reply.header("Last-Modified").empty());
    Reply again = fixture.call({"GET", "/api/v1/models", "", {{"If-None-Match", etag}}, false});
    CHECK(again.status == 304);
    CHECK(again.body.empty());
    CHECK(again.header("ETag") == etag);
    Reply stale = fixture.call({"GET", "/api/v1/models", "", {{"If-None-Match", "\"other\""}}, false});
    CHECK(stale.status == 200);
    Reply since =
        fixture.call({"GET", "/api/v1/models", "", {{"If-Modified-Since", reply.header("Last-Modified")}}, false});
    CHECK(since.status == 304);
    Reply older =
        fixture.call({"GET", "/api/v1/models", "", {{"If-Modified-Since", "Mon, 01 Jan 2024 00:00:00 GMT"}}, false});
    CHECK(older.status == 200);
}

TEST_CASE("GET /models?supported_parameters= keeps the models supporting all of them") {
    Fixture fixture;
    auto all = fixture.get("/api/v1/models", false).json();
    auto tools = fixture.get("/api/v1/models?supported_parameters=tools,reasoning", false).json();
    CHECK(tools["data"].Size() > 10);
    CHECK(tools["data"].Size() < all["data"].Size());
    for (const auto &model : tools["data"].GetArray()) {
        std::set<std::string> supported;
        for (const auto &parameter : model["supported_parameters"].GetArray()) supported.insert(parameter.GetString());
        CHECK(supported.count("tools") == 1);
        CHECK(supported.count("reasoning") == 1);
    }
}

TEST_CASE("GET /models/{author}/{slug}/endpoints lists each provider endpoint with its routing tag") {
    Fixture fixture;
    Reply reply = fixture.get("/api/v1/models/anthropic/claude-sonnet-4.5/endpoints", false);
    REQUIRE(reply.status == 200);
    auto json = reply.json();
    const auto &endpoints = json["data"]["endpoints"];
    REQUIRE(endpoints.Size() == 4);
    CHECK(std::string(endpoints[1]["tag"].GetString()) == "amazon-bedrock");
    CHECK(std::string(endpoints[1]["provider_name"].GetString()) == "Amazon Bedrock");
    CHECK(std::string(endpoints[3]["tag"].GetString()) == "google-vertex/europe");
    CHECK(std::string(endpoints[3]["provider_name"].GetString()) == "Google");
    CHECK(std::string(endpoints[0]["pricing"]["completion"].GetString()) == "0.000015");

    CHECK(fixture.get("/api/v1/models/meta-llama/llama-3.3-70b-instruct:free/endpoints", false).status == 200);
    Reply missing = fixture.get("/api/v1/models/acme/nothing/endpoints", false);
    CHECK(missing.status == 404);
    CHECK(missing.json()["error"]["code"].GetInt() == 404);
}

TEST_CASE("GET /providers maps slugs to display names") {
    Fixture fixture;
    Reply reply = fixture.get("/api/v1/providers", false);
    REQUIRE(reply.status == 200);
    std::map<std::string, std::string> names;
    auto json = reply.json();
    for (const auto &provider : json["data"].GetArray())
        names[provider["slug"].GetString()] = provider["name"].GetString();
    std::map<std::string, std::string> expected = {{"openai", "OpenAI"},
                                                   {"anthropic", "Anthropic"},
                                                   {"amazon-bedrock", "Amazon Bedrock"},
                                                   {"google-vertex", "Google"},
                                                   {"google-ai-studio", "Google AI Studio"},
                                                   {"azure", "Azure"},
                                                   {"together", "Together"},
                                                   {"deepinfra", "DeepInfra"},
                                                   {"fireworks", "Fireworks"},
                                                   {"groq", "Groq"},
                                                   {"mistral", "Mistral"},
                                                   {"deepseek", "DeepSeek"},
                                                   {"xai", "xAI"}};
    for (const auto &[slug, name] : expected) CHECK_MESSAGE(names[slug] == name, slug);
    CHECK(names.count("aws-bedrock") == 0);
}
