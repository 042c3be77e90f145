// The simulator's model catalog: a deterministic, generated list of models, their provider endpoints and the
// provider directory, shaped like OpenRouter's /models, /models/{author}/{slug}/endpoints and /providers.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace moltbot::sim {

// USD per token. A negative cache price means the model has no such price (the key is left out of /models).
struct Pricing {
    double prompt = 0;
    double completion = 0;
    double cacheRead = -1;
    double cacheWrite = -1;    // 5 minute TTL write
    double cacheWrite1h = -1;  // 1 hour TTL write
    bool router = false;       // routers list every price as "-1"
};

struct Provider {
    std::string slug;  // base routing slug, e.g. "amazon-bedrock"
    std::string name;  // display name, e.g. "Amazon Bedrock"
    std::string headquarters;
};

struct Endpoint {
    std::string tag;  // routing slug: a provider slug, or "slug/variant" such as "deepinfra/turbo"
    const Provider *provider = nullptr;
    Pricing pricing;
    std::string quantization;  // empty: null
    double throughput = 0;     // tokens/s, p50
    double latency = 0;        // seconds, p50
};

struct Model {
    std::string id;  // "author/slug[:variant]"
    std::string canonicalSlug;
    std::string name;
    std::string description;
    long created = 0;
    int contextLength = 0;
    int maxCompletionTokens = 0;
    std::vector<std::string> inputModalities;
    std::string tokenizer;
    std::vector<std::string> supportedParameters;
    bool reasoning = false;
    Pricing pricing;                  // the cheapest endpoint's, which is also the default route
    std::vector<Endpoint> endpoints;  // cheapest first; routing keeps this order among equals
    std::string routesTo;             // routers (openrouter/auto): the model a request is served by

    std::string author() const { return id.substr(0, id.find('/')); }
    // The id without the author, e.g. "claude-sonnet-4.5".
    std::string shortName() const { return id.substr(id.find('/') + 1); }
};

class Catalog {
public:
    // The one catalog; built on first use, never modified.
    static const Catalog &instance();

    const std::vector<Model> &models() const { return models_; }
    const std::vector<Provider> &providers() const { return providers_; }
    const Model *find(const std::string &id) const;
    const Provider *provider(const std::string &slug) const;

private:
    Catalog();
    std::vector<Provider> providers_;
    std::vector<Model> models_;
    std::map<std::string, std::size_t> index_;
};

// A price as OpenRouter writes it: a plain decimal string without exponent ("0.000003"); routers give "-1".
std::string formatPrice(double usdPerToken, bool router = false);

}  // namespace moltbot::sim
