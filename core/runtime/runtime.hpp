// The live host of one moltbot invocation: the configuration, the loaded plugins, the HTTP transport and the
// cancellation of the process, wired together behind the services plugins see (mb_host_api) and the model backend
// the request pipeline calls.
#pragma once

#include "core/config/config.hpp"
#include "core/http/cancel.hpp"
#include "core/http/transport.hpp"
#include "core/pipeline/runner.hpp"
#include "core/plugin/host_services.hpp"
#include "core/plugin/provider_instance.hpp"
#include "core/plugin/registry.hpp"

#include <iosfwd>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace moltbot::runtime {

struct RuntimeOptions {
    http::TransportOptions transport;
    // Plugin log messages below this MB_LOG_* level are dropped (--verbose lowers it to info).
    int32_t logLevel = MB_LOG_WARNING;
    // Ask plugins to fetch their model catalogs again rather than use their cache (`models list --refresh`).
    bool refreshCatalogs = false;
};

// HostServices over the real configuration and transport. Thread-safe.
class Services : public plugin::HostServices {
public:
    Services(const config::Config &config, const http::CancelToken &cancel, RuntimeOptions options, std::ostream &log);

    // The configuration plugins read from now on (a reloaded one), kept alive for as long as a plugin call may be
    // reading it.
    void useConfig(std::shared_ptr<const config::Config> config);

    void log(std::string_view plugin, int32_t level, std::string_view message) override;
    std::optional<std::string> configGet(std::string_view plugin, std::string_view path) override;
    std::optional<std::string> secretGet(std::string_view plugin, std::string_view name) override;
    int32_t httpRequest(std::string_view plugin, mb_call *call, const mb_http_request &request,
                        mb_error &error) override;
    const void *getService(std::string_view plugin, std::string_view id) override;

    // Whether a plugin asked for `provider`'s key and none was configured: a failure of that provider is then a
    // configuration error (docs/cli.md), not an upstream one.
    bool keyWasMissing(std::string_view provider) const;

private:
    std::shared_ptr<const config::Config> config() const;

    mutable std::mutex configMutex_;
    std::shared_ptr<const config::Config> config_;  // the first one is borrowed (not owned) from the constructor
    std::set<std::string, std::less<>> missingKeys_;  // guarded by configMutex_
    const http::CancelToken &cancel_;
    http::Transport transport_;
    plugin::DefaultHostServices logger_;
};

// "OPENROUTER_BASE_URL" for "openrouter": the variable that replaces models.providers.<name>.baseUrl.
std::string baseUrlVariable(const std::string &name);
// What is wrong with $<NAME>_BASE_URL when it is set but not an http:// or https:// URL, naming the variable; ""
// when it is unset or fine.
std::string baseUrlVariableProblem(const std::string &name);

// The instance config a plugin's create() receives for a prefix (docs/abi.md): {"name", "config", "cacheDir"}.
// "config" is models.providers.<name> with "baseUrl" replaced by $<NAME>_BASE_URL when that is set, and
// "refreshCatalog": true when the user asked for fresh catalogs.
std::string instanceConfigJson(const config::Config &config, const std::string &name, bool refreshCatalog = false);

// Plugins, instances per prefix, and the pipeline's view of them.
class Runtime : public pipeline::ModelBackend {
public:
    Runtime(const config::Config &config, const http::CancelToken &cancel, RuntimeOptions options, std::ostream &log);
    // A reload: `config` over the plugins, services and cancellation of `previous`, which stays usable by the
    // requests still running on it. Plugins are loaded once per process; their instances are made anew.
    Runtime(std::shared_ptr<const config::Config> config, Runtime &previous);
    ~Runtime() override;

    const plugin::Registry &registry() const { return *registry_; }
    Services &services() { return *services_; }

    // The instance serving `prefix`, created on first use. Throws std::runtime_error with a message for the user
    // when no plugin serves it or its create() failed.
    const plugin::ProviderInstance &instance(const std::string &prefix);

    // The provider that serves `prefix` (one it declares, else a config-defined prefix through
    // models.providers.<prefix>.api), or nullptr when none does. Makes no instance.
    std::shared_ptr<const plugin::Provider> providerOf(const std::string &prefix) const;
    // Whether `prefix` is served by a provider that needs no API key (MB_CAP_NO_API_KEY, ABI 1.1; the loader drops
    // the bit from a plugin that negotiated 1.0). `models list` and `models status` count such a provider as
    // available without a key.
    bool needsNoApiKey(const std::string &prefix) const;

    plugin::CallResult attempt(const pipeline::ChainEntry &entry, const std::string &requestJson, bool stream,
                                    const pipeline::EventSink &sink, const pipeline::CancelCheck &cancelled) override;

private:
    const config::Config &config_;
    const http::CancelToken &cancel_;
    RuntimeOptions options_;
    std::shared_ptr<Services> services_;
    std::shared_ptr<plugin::Registry> registry_;
    std::mutex mutex_;
    std::map<std::string, std::unique_ptr<plugin::ProviderInstance>> instances_;
};

}  // namespace moltbot::runtime
