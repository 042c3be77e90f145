#include "instance.hpp"

#include "errors.hpp"
#include "request.hpp"

#include <moltbot/sdk/files.hpp>
#include <moltbot/sdk/http.hpp>
#include <moltbot/sdk/json.hpp>
#include <moltbot/sdk/openai/client.hpp>
#include <moltbot/sdk/openai/request.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>

namespace moltbot::openrouter {

namespace json = sdk::json;
namespace fs = std::filesystem;
using sdk::Failure;

namespace {

constexpr uint32_t kCatalogTimeoutMs = 30000;
constexpr int64_t kRetryAfterFailureSeconds = 300;  // after a failed fetch, how long before the next one

using sdk::nowMs;

int64_t nowSeconds() { return nowMs() / 1000; }

[[noreturn]] void badConfig(std::string_view key, std::string_view expected) {
    throw Failure(MB_ERR_INVALID_ARGUMENT,
                  "openrouter config: " + std::string(key) + " must be " + std::string(expected));
}

// A header value from the config; CR or LF would let it inject other headers.
void addHeader(std::string &out, std::string_view name, std::string_view value, std::string_view key) {
    if (value.find_first_of("\r\n") != std::string_view::npos || name.find_first_of("\r\n: ") != std::string_view::npos ||
        name.empty()) {
        badConfig(key, "a single-line header");
    }
    if (value.empty()) return;  // an empty value turns a default header off
    out.append(name).append(": ").append(value).append("\n");
}

std::string_view stringOption(const rapidjson::Value &object, const char *name, std::string_view fallback,
                              std::string_view key) {
    const rapidjson::Value *v = json::member(object, name);
    if (v == nullptr) return fallback;
    if (!v->IsString()) badConfig(key, "a string");
    return json::view(*v);
}

// ---- the disk cache: one file per resource, a JSON line {"baseUrl", "fetchedAt", "etag", "lastModified"} followed by
// the resource's data (Resource<T>::toCache) ----

struct CacheFile {
    std::string baseUrl, etag, lastModified, data;
    int64_t fetchedAt = 0;
};

fs::path cachePath(const InstanceConfig &config, std::string_view resource) {
    std::string stem;
    for (char c : config.name) stem += std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? c : '_';
    return fs::path(config.cacheDir) / (stem + "." + std::string(resource) + ".json");
}

std::optional<CacheFile> readCache(const fs::path &path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    std::streamoff size = in.tellg();
    if (!in || size < 0) return std::nullopt;
    std::string text(static_cast<std::size_t>(size), '\0');
    if (!in.seekg(0) || !in.read(text.data(), static_cast<std::streamsize>(text.size()))) return std::nullopt;
    std::size_t end = text.find('\n');
    rapidjson::Document doc;
    if (end == std::string::npos || !json::parse(doc, std::string_view(text).substr(0, end)) || !doc.IsObject()) {
        return std::nullopt;
    }
    CacheFile file;
    file.baseUrl = json::getString(doc, "baseUrl");
    file.etag = json::getString(doc, "etag");
    file.lastModified = json::getString(doc, "lastModified");
    file.fetchedAt = json::getInt(doc, "fetchedAt", 0);
    file.data = text.substr(end + 1);
    return file;
}

// Readers see the old file or the new one, never half of one; the folders are 0700 and the file 0600, like
// everything in the state folder. "" when written, else why not.
std::string writeCache(const fs::path &path, const CacheFile &file) {
    std::string text = "{\"baseUrl\":" + json::quote(file.baseUrl) + ",\"fetchedAt\":" +
                       std::to_string(file.fetchedAt) + ",\"etag\":" + json::quote(file.etag) +
                       ",\"lastModified\":" + json::quote(file.lastModified) + "}\n" + file.data;
    if (std::string error = sdk::makePrivateFolder(path.parent_path()); !error.empty()) return error;
    return sdk::writePrivateFile(path, text);
}

// What load() needs of each cached resource: parse a fetched body, and what the disk cache keeps of it (toCache) and
// how that is read back (fromCache).
template <class T>
struct Resource;

// The catalog is cached in its compact form: every chat request reads it.
template <>
struct Resource<Catalog> {
    static std::shared_ptr<const Catalog> parse(std::string_view body) {
        return std::make_shared<const Catalog>(Catalog::parse(body));
    }
    static std::shared_ptr<const Catalog> fromCache(std::string data) {
        return std::make_shared<const Catalog>(Catalog::deserialize(std::move(data)));
    }
    static std::string toCache(const Catalog &catalog, std::string) { return catalog.serialize(); }
};

// The provider list is cached as OpenRouter sent it.
template <>
struct Resource<ProviderDirectory> {
    static std::shared_ptr<const ProviderDirectory> parse(std::string_view body) {
        return std::make_shared<const ProviderDirectory>(ProviderDirectory::parse(body));
    }
    static std::shared_ptr<const ProviderDirectory> fromCache(std::string data) { return parse(data); }
    static std::string toCache(const ProviderDirectory &, std::string body) { return body; }
};

}  // namespace

InstanceConfig InstanceConfig::parse(std::string_view createJson) {
    rapidjson::Document doc;
    if (!json::parse(doc, createJson) || !doc.IsObject()) badConfig("the create config", "a JSON object");
    InstanceConfig config;
    config.name = stringOption(doc, "name", config.name, "name");
    config.cacheDir = stringOption(doc, "cacheDir", "", "cacheDir");
    static const rapidjson::Value kEmpty(rapidjson::kObjectType);
    const rapidjson::Value *settings = json::member(doc, "config");
    if (settings != nullptr && !settings->IsObject() && !settings->IsNull()) badConfig("config", "an object");
    const rapidjson::Value &c = settings != nullptr && settings->IsObject() ? *settings : kEmpty;

    std::string_view base = stringOption(c, "baseUrl", config.baseUrl, "baseUrl");
    while (!base.empty() && base.back() == '/') base.remove_suffix(1);
    if (base.rfind("http://", 0) != 0 && base.rfind("https://", 0) != 0) badConfig("baseUrl", "an http(s) URL");
    config.baseUrl = base;

    if (const rapidjson::Value *ttl = json::member(c, "catalogTtlSeconds")) {
        if (!ttl->IsInt64() || ttl->GetInt64() < 0) badConfig("catalogTtlSeconds", "a non-negative integer");
        config.catalogTtlSeconds = ttl->GetInt64();
    }
    if (const rapidjson::Value *refresh = json::member(c, "refreshCatalog")) {
        if (!refresh->IsBool()) badConfig("refreshCatalog", "a boolean");
        config.refreshCatalog = refresh->GetBool();
    }
    if (const rapidjson::Value *timeout = json::member(c, "timeoutMs")) {
        if (!timeout->IsUint()) badConfig("timeoutMs", "a non-negative integer");
        config.timeoutMs = timeout->GetUint();
    }

    // App attribution (openrouter.ai rankings): defaults, overridable, "" turns one off.
    const rapidjson::Value *attribution = json::member(c, "attribution");
    if (attribution != nullptr && !attribution->IsObject()) badConfig("attribution", "an object");
    const rapidjson::Value &a = attribution != nullptr ? *attribution : kEmpty;
    std::string_view title = stringOption(a, "title", "moltbot", "attribution.title");
    addHeader(config.headers, "HTTP-Referer",
              stringOption(a, "referer", "https://github.com/moltbot/moltbot", "attribution.referer"),
              "attribution.referer");
    addHeader(config.headers, "X-OpenRouter-Title", title, "attribution.title");
    addHeader(config.headers, "X-Title", title, "attribution.title");  // the legacy name, still read
    addHeader(config.headers, "X-OpenRouter-Categories", stringOption(a, "categories", "", "attribution.categories"),
              "attribution.categories");
    if (const rapidjson::Value *extra = json::member(c, "headers")) {
        if (!extra->IsObject()) badConfig("headers", "an object of strings");
        for (const auto &h : extra->GetObject()) {
            std::string key = "headers." + std::string(json::view(h.name));
            if (!h.value.IsString()) badConfig(key, "a string");
            addHeader(config.headers, json::view(h.name), json::view(h.value), key);
        }
    }
    return config;
}

Instance::Instance(const mb_host_api *host, InstanceConfig config)
    : host_(host), config_(std::move(config)), catalog_("models"), providers_("providers") {
    catalog_.forceRefresh = config_.refreshCatalog;
}

std::string Instance::apiKey() const {
    std::optional<std::string> key = host_.secretGet(config_.name.c_str());
    if (!key || key->empty()) {
        throw Failure(MB_ERR_AUTH, "No API key found for provider \"" + config_.name +
                                       "\". Run `moltbot onboard --auth-choice openrouter-api-key` or set "
                                       "OPENROUTER_API_KEY.");
    }
    return *key;
}

// GET <baseUrl>/<path> of a JSON resource (the catalog needs no key: none is sent then).
sdk::openai::Exchange Instance::get(sdk::Call call, std::string_view path, std::string_view key,
                                    const std::string &extraHeaders) {
    sdk::Host::HttpRequest request;
    request.url = config_.baseUrl + "/" + std::string(path);
    request.headers = sdk::openai::requestHeaders(dialect(), key, "application/json", false, config_.headers) +
                      extraHeaders;
    request.timeoutMs = kCatalogTimeoutMs;
    return sdk::openai::fetch(host_, call, dialect(), std::move(request));
}

// Fresh in memory or on disk: no network. Stale: a conditional GET (ETag / Last-Modified); a failure then keeps the
// stale copy. Nothing cached and the fetch fails: throws. Either way the next fetch waits kRetryAfterFailureSeconds.
template <class T>
std::shared_ptr<const T> Instance::load(Cached<T> &cached, sdk::Call call) {
    std::lock_guard<std::mutex> lock(cached.mutex);
    int64_t now = nowSeconds();
    fs::path path = config_.cacheDir.empty() ? fs::path() : cachePath(config_, cached.resource);
    if (!cached.diskRead && !path.empty()) {
        cached.diskRead = true;
        std::optional<CacheFile> file = readCache(path);
        if (file && file->baseUrl == config_.baseUrl) {
            try {
                cached.value = Resource<T>::fromCache(std::move(file->data));
                cached.etag = file->etag;
                cached.lastModified = file->lastModified;
                cached.fetchedAt = file->fetchedAt;
            } catch (const Failure &) {
                host_.log(MB_LOG_WARNING, "openrouter: ignoring a corrupt cache file " + path.string());
            }
        }
    }
    bool fresh = cached.value && now - cached.fetchedAt < config_.catalogTtlSeconds;
    if (cached.value && !cached.forceRefresh && (fresh || now < cached.nextAttempt)) return cached.value;
    // Offline without a copy: fail at once rather than make every chat request wait for another failed fetch.
    if (!cached.value && now < cached.nextAttempt) throw Failure(MB_ERR_UNAVAILABLE, cached.lastError);

    std::string validators;
    if (cached.value && !cached.etag.empty()) validators += "If-None-Match: " + cached.etag + "\n";
    if (cached.value && !cached.lastModified.empty()) validators += "If-Modified-Since: " + cached.lastModified + "\n";
    try {
        sdk::openai::Exchange exchange = get(call, cached.resource, {}, validators);
        if (exchange.status == 304 && cached.value) {
            cached.fetchedAt = now;
        } else if (exchange.status == 200) {
            cached.value = Resource<T>::parse(exchange.body);
            cached.fetchedAt = now;
            cached.etag = headerValue(exchange.headers, "ETag").value_or("");
            cached.lastModified = headerValue(exchange.headers, "Last-Modified").value_or("");
            std::string error =
                path.empty() ? "" : writeCache(path, {config_.baseUrl, cached.etag, cached.lastModified,
                                                      Resource<T>::toCache(*cached.value, std::move(exchange.body)),
                                                      cached.fetchedAt});
            if (!error.empty()) host_.log(MB_LOG_WARNING, "openrouter: could not write the cache file: " + error);
        } else {
            throw httpFailure(exchange.status, exchange.headers, exchange.body, nowMs());
        }
        cached.forceRefresh = false;
        if (exchange.status == 304 && !path.empty()) {
            if (std::optional<CacheFile> file = readCache(path)) {
                file->fetchedAt = now;
                writeCache(path, *file);
            }
        }
        return cached.value;
    } catch (const Failure &failure) {
        if (failure.code() == MB_ERR_CANCELLED) throw;
        cached.nextAttempt = now + kRetryAfterFailureSeconds;
        if (!cached.value) {
            cached.lastError = failure.message();
            throw;
        }
        host_.log(MB_LOG_WARNING, std::string("openrouter: using the cached /") + cached.resource +
                                      " list, its refresh failed: " + failure.message());
        cached.forceRefresh = false;
        return cached.value;
    }
}

std::shared_ptr<const Catalog> Instance::catalog(sdk::Call call, bool required) {
    if (required) return load(catalog_, call);
    try {
        return load(catalog_, call);
    } catch (const Failure &failure) {
        if (failure.code() == MB_ERR_CANCELLED) throw;
        // Without a catalog, model ids are sent as given: the request itself may still work.
        host_.log(MB_LOG_WARNING, "openrouter: no model catalog: " + failure.message());
        return nullptr;
    }
}

std::shared_ptr<const ProviderDirectory> Instance::providers(sdk::Call call) {
    try {
        return load(providers_, call);
    } catch (const Failure &failure) {
        if (failure.code() == MB_ERR_CANCELLED) throw;
        host_.log(MB_LOG_INFO, "openrouter: checking provider slugs against the built-in list: " + failure.message());
        static const auto kBuiltin = std::make_shared<const ProviderDirectory>(ProviderDirectory::builtin());
        return kBuiltin;
    }
}

int32_t Instance::listModels(sdk::Call call) {
    std::shared_ptr<const Catalog> models = catalog(call, true);
    for (const auto &model : models->models()) {
        if (!call.emit(MB_EVENT_MODEL, model.event)) return MB_ERR_CANCELLED;
    }
    return MB_OK;
}

int32_t Instance::keyInfo(sdk::Call call) {
    sdk::openai::Exchange exchange = get(call, "key", apiKey());
    if (!exchange.ok()) throw httpFailure(exchange.status, exchange.headers, exchange.body, nowMs());
    rapidjson::Document doc;
    const rapidjson::Value *data = json::parse(doc, exchange.body) ? json::getObject(doc, "data") : nullptr;
    if (data == nullptr) throw Failure(MB_ERR_UPSTREAM_PROTOCOL, "OpenRouter /key answered without a data object");
    return call.emit(MB_EVENT_RESPONSE, json::write(*data)) ? MB_OK : MB_ERR_CANCELLED;
}

int32_t Instance::checkOptions(std::string_view modelId, std::string_view optionsJson, sdk::Call call) {
    rapidjson::Document request;
    rapidjson::Document options;
    sdk::openai::parseCall(R"({"messages":[]})", optionsJson, request, options);
    std::shared_ptr<const ProviderDirectory> directory;
    BuiltRequest built = buildRequest(request, options, modelId, false, [&]() -> const ProviderDirectory & {
        if (!directory) directory = providers(call);
        return *directory;
    });
    for (const auto &notice : built.notices) {
        if (!call.notice("warning", notice)) return MB_ERR_CANCELLED;
    }
    return MB_OK;
}

int32_t Instance::chat(std::string_view requestJson, std::string_view optionsJson, sdk::Call call, bool streamed) {
    rapidjson::Document request;
    rapidjson::Document options;
    sdk::openai::parseCall(requestJson, optionsJson, request, options);
    std::string_view model = json::getString(request, "model");
    if (model.empty()) throw Failure(MB_ERR_INVALID_ARGUMENT, "the request has no model");
    sdk::openai::Endpoint endpoint;
    endpoint.url = config_.baseUrl + "/chat/completions";
    endpoint.apiKey = apiKey();
    endpoint.headers = config_.headers;
    endpoint.timeoutMs = config_.timeoutMs;
    endpoint.limits.maxEventBytes = config_.maxEventBytes;
    std::shared_ptr<const Catalog> models = catalog(call, false);
    ModelResolution resolved = resolveModelId(model, models.get());
    std::shared_ptr<const ProviderDirectory> directory;
    BuiltRequest built = buildRequest(request, options, resolved.id, streamed, [&]() -> const ProviderDirectory & {
        if (!directory) directory = providers(call);
        return *directory;
    });
    if (!resolved.notice.empty() && !call.notice("info", resolved.notice)) return MB_ERR_CANCELLED;
    for (const auto &notice : built.notices) {
        if (!call.notice("warning", notice)) return MB_ERR_CANCELLED;
    }
    try {
        return sdk::openai::chat(host_, call, dialect(), endpoint, std::move(built.body), streamed);
    } catch (const UpstreamFailure &failure) {
        if (!failure.invalidModel()) throw;
        std::string message = failure.message();
        if (models) {
            std::string names;
            for (const auto &id : models->closest(resolved.id, 3)) names += (names.empty() ? "" : ", ") + id;
            if (!names.empty()) message += ". Closest OpenRouter model ids: " + names;
        }
        throw Failure(failure.code(), message, failure.httpStatus(), failure.retryAfterMs());
    }
}

}  // namespace moltbot::openrouter
