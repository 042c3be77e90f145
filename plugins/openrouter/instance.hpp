// One configured OpenRouter provider instance: its settings, the cached catalog and provider directory, and the calls
// of the vtable (list_models, complete/stream, the key-info extension). The exchanges themselves are the SDK's
// (sdk/openai/client.hpp). Thread-safe: the catalog and directory are loaded under their own locks, everything else
// is per call.
#pragma once

#include "catalog.hpp"

#include <moltbot/sdk/host.hpp>
#include <moltbot/sdk/openai/client.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace moltbot::openrouter {

constexpr std::string_view kDefaultBaseUrl = "https://openrouter.ai/api/v1";
// A non-streaming answer or a catalog (a catalog is ~0.5 MB), and an error body: the SDK's bounds.
constexpr std::size_t kMaxResponseBytes = sdk::openai::Limits{}.maxResponseBytes;
constexpr std::size_t kMaxErrorBytes = sdk::openai::Limits{}.maxErrorBytes;

// The create() config: {"name": "openrouter", "config": {models.providers.openrouter}, "cacheDir"?: "<folder>"}.
// The host applies OPENROUTER_BASE_URL to config.baseUrl before calling create.
struct InstanceConfig {
    std::string name = "openrouter";  // the instance name, also the secret's name
    std::string baseUrl = std::string(kDefaultBaseUrl);
    std::string headers;   // attribution and extra headers, as "Name: value\n" lines
    std::string cacheDir;  // empty: the catalog is cached in memory only
    int64_t catalogTtlSeconds = 24 * 3600;
    bool refreshCatalog = false;  // the first catalog use of this instance ignores the cache's age
    uint32_t timeoutMs = 0;       // total time of one chat request, 0 = the host's defaults
    std::size_t maxEventBytes = std::size_t{16} << 20;

    // Throws Failure(MB_ERR_INVALID_ARGUMENT) naming the bad key.
    static InstanceConfig parse(std::string_view createJson);
};

class Instance {
public:
    Instance(const mb_host_api *host, InstanceConfig config);
    // create(): the config as the host hands it (sdk::Provider).
    Instance(const mb_host_api *host, std::string_view createJson)
        : Instance(host, InstanceConfig::parse(createJson)) {}

    int32_t listModels(sdk::Call call);
    int32_t chat(std::string_view request, std::string_view options, sdk::Call call, bool stream);
    int32_t keyInfo(sdk::Call call);
    // moltbot.check-options/1: the request the options would make for `modelId`, built and not sent; its notices
    // (unknown provider slugs) emitted as warnings.
    int32_t checkOptions(std::string_view modelId, std::string_view options, sdk::Call call);

private:
    // A document fetched from OpenRouter and cached on disk: the parsed value plus the HTTP validators.
    template <class T>
    struct Cached {
        explicit Cached(const char *name) : resource(name) {}
        const char *resource;  // "models" or "providers"
        std::mutex mutex;
        std::shared_ptr<const T> value;
        std::string etag, lastModified;
        int64_t fetchedAt = 0;    // unix seconds
        int64_t nextAttempt = 0;  // after a failed fetch, no new attempt before then
        std::string lastError;    // why that fetch failed, while there is no copy to fall back on
        bool diskRead = false;
        bool forceRefresh = false;
    };

    template <class T>
    std::shared_ptr<const T> load(Cached<T> &cached, sdk::Call call);
    std::shared_ptr<const Catalog> catalog(sdk::Call call, bool required);
    std::shared_ptr<const ProviderDirectory> providers(sdk::Call call);

    std::string apiKey() const;
    sdk::openai::Exchange get(sdk::Call call, std::string_view path, std::string_view key,
                              const std::string &extraHeaders = {});

    sdk::Host host_;
    InstanceConfig config_;
    Cached<Catalog> catalog_;
    Cached<ProviderDirectory> providers_;
};

}  // namespace moltbot::openrouter
