// One configured OpenRouter provider instance: its settings, the HTTP exchanges through the host, the cached catalog
// and provider directory, and the calls of the vtable (list_models, complete/stream, the key-info extension).
// Thread-safe: the catalog and directory are loaded under their own locks, everything else is per call.
#pragma once

#include "catalog.hpp"

#include <moltbot/sdk/host.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace moltbot::openrouter {

constexpr std::string_view kDefaultBaseUrl = "https://openrouter.ai/api/v1";
constexpr std::size_t kMaxResponseBytes = std::size_t{16} << 20;  // a non-streaming answer or a catalog (a catalog is ~0.5 MB)
constexpr std::size_t kMaxErrorBytes = std::size_t{64} << 10;     // an error body

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

    int32_t listModels(sdk::Call call);
    int32_t chat(std::string_view request, std::string_view options, sdk::Call call, bool stream);
    int32_t keyInfo(sdk::Call call);

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

    // One HTTP answer. Its body is kept up to a bound: kMaxResponseBytes for a success (beyond it the transfer stops
    // and `overflow` is set; a Content-Length over the bound stops it before any body arrives), kMaxErrorBytes for
    // an error (cut on purpose: what arrived is still classified).
    struct Exchange {
        int32_t status = 0;
        std::string headers;
        std::string body;
        bool overflow = false;

        // The transfer callbacks: false stops the transfer.
        bool onHead(int32_t status, std::string_view headers);
        bool onBody(std::string_view bytes);
        // After the transfer: throws when it failed, or when a success's body exceeded its bound.
        void check(const sdk::Host::HttpOutcome &outcome) const;
    };

    template <class T>
    std::shared_ptr<const T> load(Cached<T> &cached, sdk::Call call);
    std::shared_ptr<const Catalog> catalog(sdk::Call call, bool required);
    std::shared_ptr<const ProviderDirectory> providers(sdk::Call call);

    std::string apiKey() const;
    std::string headers(std::string_view key, std::string_view accept, bool jsonBody) const;
    Exchange send(sdk::Call call, sdk::Host::HttpRequest request);
    int32_t complete(sdk::Call call, sdk::Host::HttpRequest request);
    int32_t stream(sdk::Call call, sdk::Host::HttpRequest request);

    sdk::Host host_;
    InstanceConfig config_;
    Cached<Catalog> catalog_;
    Cached<ProviderDirectory> providers_;
};

}  // namespace moltbot::openrouter
