// Calling a provider: one instance built from its config, and the blocking list_models / complete / stream calls
// with their events delivered to a C++ sink. Every plugin call is guarded: an exception or an ABI breach of the
// plugin becomes an MB_ERR_INTERNAL result naming the problem, never a crash of the host.
#pragma once

#include "core/plugin/call.hpp"
#include "core/plugin/registry.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace moltbot::plugin {

class ProviderInstance {
public:
    // Builds an instance from its config JSON ({"name": "<prefix>", "config": {...}}). On failure returns nullptr
    // and says why in `result`.
    static std::unique_ptr<ProviderInstance> create(std::shared_ptr<const Provider> provider,
                                                    std::string_view configJson, CallResult &result);
    ~ProviderInstance();
    ProviderInstance(const ProviderInstance &) = delete;
    ProviderInstance &operator=(const ProviderInstance &) = delete;

    // Thread-safe, like the plugin instance behind them. A function the provider lacks returns MB_ERR_UNSUPPORTED.
    CallResult listModels(const EventSink &sink, const CancelCheck &cancelled = {}) const;
    CallResult complete(std::string_view requestJson, std::string_view optionsJson, const EventSink &sink,
                        const CancelCheck &cancelled = {}) const;
    CallResult stream(std::string_view requestJson, std::string_view optionsJson, const EventSink &sink,
                      const CancelCheck &cancelled = {}) const;

    // A string-id extension table ("<name>/<rev>", e.g. MB_EXT_KEY_INFO) of this instance, or nullptr. The caller
    // checks the table's struct_size before using it.
    const void *extension(const std::string &id) const;

    using PluginFunction = std::function<int32_t(mb_instance *instance, mb_call *call, mb_error *error)>;
    // Runs one plugin function (e.g. of an extension) with a host-owned mb_call and mb_error, guarded like
    // stream(). `function` names it in messages.
    CallResult invoke(std::string_view function, const PluginFunction &run, const EventSink &sink,
                      const CancelCheck &cancelled = {}) const;

    const Provider &provider() const { return *provider_; }

private:
    ProviderInstance(std::shared_ptr<const Provider> provider, mb_instance *instance);

    // complete() and stream() share their signature and their call: `name` says which in messages.
    using ChatFunction = decltype(mb_provider_vtable::complete);
    CallResult chat(std::string_view name, ChatFunction function, std::string_view requestJson,
                    std::string_view optionsJson, const EventSink &sink, const CancelCheck &cancelled) const;

    std::shared_ptr<const Provider> provider_;
    mb_instance *instance_;
};

// For HostServices::httpRequest: whether the plugin call behind `call` was cancelled. Safe from any thread, with
// a stale or NULL pointer (a call that already returned counts as cancelled).
bool callCancelled(mb_call *call);

}  // namespace moltbot::plugin
