#include "core/runtime/runtime.hpp"

#include "core/config/files.hpp"
#include "core/config/paths.hpp"
#include "core/runtime/plugin_policy.hpp"

#include <rapidjson/document.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string_view>

namespace moltbot::runtime {

// "openrouter" -> "OPENROUTER_BASE_URL", like config::apiKeyVariable does for keys.
std::string baseUrlVariable(const std::string &name) {
    std::string variable = config::apiKeyVariable(name);
    return variable.substr(0, variable.size() - std::string("API_KEY").size()) + "BASE_URL";
}

std::string baseUrlVariableProblem(const std::string &name) {
    std::string variable = baseUrlVariable(name);
    const char *value = std::getenv(variable.c_str());
    if (value == nullptr || *value == '\0') return {};
    std::string_view url(value);
    for (std::string_view scheme : {"http://", "https://"}) {
        if (url.rfind(scheme, 0) == 0 && url.size() > scheme.size() && url[scheme.size()] != '/') return {};
    }
    std::string shown(url.substr(0, 200));
    if (shown.find_first_of("\r\n") != std::string::npos) shown = "(a value with a line break)";
    return variable + " is '" + shown + "', not an http:// or https:// URL (it replaces models.providers." + name +
           ".baseUrl; unset it to use the default)";
}

Services::Services(const config::Config &config, const http::CancelToken &cancel, RuntimeOptions options,
                   std::ostream &log)
    : config_(&config, [](const config::Config *) {}),  // borrowed: the caller's config outlives this object
      cancel_(cancel),
      transport_(options.transport),
      logger_(log, options.logLevel) {}

void Services::useConfig(std::shared_ptr<const config::Config> config) {
    std::lock_guard lock(configMutex_);
    config_.swap(config);
}

std::shared_ptr<const config::Config> Services::config() const {
    std::lock_guard lock(configMutex_);
    return config_;
}

void Services::log(std::string_view plugin, int32_t level, std::string_view message) { logger_.log(plugin, level, message); }

std::optional<std::string> Services::configGet(std::string_view, std::string_view path) {
    return config()->getJson(path);
}

std::optional<std::string> Services::secretGet(std::string_view, std::string_view name) {
    config::ApiKey key = config()->resolveApiKey(name);
    if (key.key.empty()) {
        std::lock_guard lock(configMutex_);
        missingKeys_.emplace(name);
        return std::nullopt;
    }
    return key.key;
}

bool Services::keyWasMissing(std::string_view provider) const {
    std::lock_guard lock(configMutex_);
    return missingKeys_.find(provider) != missingKeys_.end();
}

int32_t Services::httpRequest(std::string_view, mb_call *call, const mb_http_request &request, mb_error &error) {
    // The process-wide token aborts the transfer the moment Ctrl-C (or the --timeout watchdog) fires; the call's own
    // cancellation (emit returned non-zero, or the call ended) is polled.
    http::CallControl control;
    control.cancel = &cancel_;
    control.cancelled = [call] { return plugin::callCancelled(call); };
    return transport_.request(request, &error, &control);
}

const void *Services::getService(std::string_view, std::string_view) { return nullptr; }

std::string instanceConfigJson(const config::Config &config, const std::string &name, bool refreshCatalog) {
    rapidjson::Document instance(rapidjson::kObjectType);
    auto &allocator = instance.GetAllocator();
    instance.AddMember("name", rapidjson::Value(name.c_str(), allocator), allocator);
    rapidjson::Value settings(rapidjson::kObjectType);
    if (const rapidjson::Value *configured = config.providerSettings(name); configured && configured->IsObject()) {
        settings.CopyFrom(*configured, allocator);
    }
    if (const char *baseUrl = std::getenv(baseUrlVariable(name).c_str()); baseUrl != nullptr && *baseUrl != '\0') {
        settings.RemoveMember("baseUrl");
        settings.AddMember("baseUrl", rapidjson::Value(baseUrl, allocator), allocator);
    }
    if (refreshCatalog) {
        settings.RemoveMember("refreshCatalog");
        settings.AddMember("refreshCatalog", true, allocator);
    }
    instance.AddMember("config", settings, allocator);
    std::filesystem::path cacheFolder = config::stateDir() / "cache" / name;
    // Made here, 0700 like every folder of the state folder, before a plugin makes it (and the state folder, the
    // first time) with the umask's mode. A folder that cannot be made only costs the plugin its cache.
    try {
        config::ensurePrivateFolder(cacheFolder);
    } catch (const config::ConfigError &) {
    }
    std::string cacheDir = cacheFolder.string();
    instance.AddMember("cacheDir", rapidjson::Value(cacheDir.c_str(), allocator), allocator);
    return config::toCompactJson(instance);
}

Runtime::Runtime(const config::Config &config, const http::CancelToken &cancel, RuntimeOptions options,
                 std::ostream &log)
    : config_(config),
      cancel_(cancel),
      options_(options),
      services_(std::make_shared<Services>(config, cancel, options, log)),
      registry_(std::make_shared<plugin::Registry>(
          plugin::Registry::load(plugin::searchFolders(), services_, pluginPolicy(config)))) {}

Runtime::Runtime(std::shared_ptr<const config::Config> config, Runtime &previous)
    : config_(*config),
      cancel_(previous.cancel_),
      options_(previous.options_),
      services_(previous.services_),
      registry_(previous.registry_) {
    services_->useConfig(std::move(config));
}

Runtime::~Runtime() = default;

const plugin::ProviderInstance &Runtime::instance(const std::string &prefix) {
    std::lock_guard lock(mutex_);
    if (auto it = instances_.find(prefix); it != instances_.end()) return *it->second;
    for (const auto &problem : registry_->pinProblems()) {
        if (problem.prefix == prefix) throw std::runtime_error(problem.message + "; see 'moltbot plugins list'");
    }
    auto provider = registry_->find(prefix);
    // A prefix no plugin claims by name may be a config-defined provider: models.providers.<prefix>.api names the
    // kind of plugin (e.g. "openai-completions") that serves it under that prefix.
    const rapidjson::Value *settings = config_.providerSettings(prefix);
    const rapidjson::Value *api = settings != nullptr && settings->IsObject() && settings->HasMember("api")
                                      ? &(*settings)["api"]
                                      : nullptr;
    if (!provider && api != nullptr && api->IsString()) {
        provider = registry_->findByApi(api->GetString(), prefix);
        if (!provider) {
            throw std::runtime_error("models.providers." + prefix + ".api is '" + api->GetString() + "' but " +
                                     (registry_->pinned(prefix) ? "the provider plugins.prefixes." + prefix + " names"
                                                                : std::string("no plugin")) +
                                     " serves that api; see 'moltbot plugins list'");
        }
    }
    if (!provider) {
        std::string known;
        for (const auto &loaded : registry_->plugins()) {
            for (const auto &each : loaded.providers) {
                for (const auto &served : each->info.prefixes) known += (known.empty() ? "" : ", ") + served;
            }
        }
        throw std::runtime_error("no plugin serves the prefix '" + prefix + "'" +
                                 (known.empty() ? " (no plugins were found)" : " (plugins serve: " + known + ")") +
                                 "; see 'moltbot plugins list'");
    }
    if (std::string problem = baseUrlVariableProblem(prefix); !problem.empty()) throw std::runtime_error(problem);
    plugin::CallResult result;
    auto created = plugin::ProviderInstance::create(provider, instanceConfigJson(config_, prefix, options_.refreshCatalogs), result);
    if (!created) {
        throw std::runtime_error("the " + provider->info.name + " plugin (" + provider->path.string() +
                                 ") could not start: " + result.message);
    }
    return *(instances_[prefix] = std::move(created));
}

std::shared_ptr<const plugin::Provider> Runtime::providerOf(const std::string &prefix) const {
    for (const auto &problem : registry_->pinProblems()) {
        if (problem.prefix == prefix) return nullptr;
    }
    if (auto provider = registry_->find(prefix)) return provider;
    const rapidjson::Value *settings = config_.providerSettings(prefix);
    if (settings == nullptr || !settings->IsObject()) return nullptr;
    auto api = settings->FindMember("api");
    if (api == settings->MemberEnd() || !api->value.IsString()) return nullptr;
    return registry_->findByApi(api->value.GetString(), prefix);
}

bool Runtime::needsNoApiKey(const std::string &prefix) const {
    auto provider = providerOf(prefix);
    return provider != nullptr && (provider->info.capabilities & MB_CAP_NO_API_KEY) != 0;
}

plugin::CallResult Runtime::attempt(const pipeline::ChainEntry &entry, const std::string &requestJson, bool stream,
                                         const pipeline::EventSink &sink, const pipeline::CancelCheck &cancelledToo) {
    const plugin::ProviderInstance *target = nullptr;
    try {
        target = &instance(entry.ref.prefix);
    } catch (const std::runtime_error &error) {
        return {MB_ERR_NOT_FOUND, 0, -1, error.what()};
    }
    // The process-wide token (Ctrl-C, --timeout) and the request's own check (a gateway client that went away).
    auto cancelled = [this, &cancelledToo] { return cancel_.cancelled() || (cancelledToo && cancelledToo()); };
    bool canStream = (target->provider().info.capabilities & MB_CAP_STREAM) != 0 && target->provider().vtable.stream;
    bool useStream = canStream && (stream || target->provider().vtable.complete == nullptr);
    return useStream ? target->stream(requestJson, entry.optionsJson, sink, cancelled)
                     : target->complete(requestJson, entry.optionsJson, sink, cancelled);
}

}  // namespace moltbot::runtime
