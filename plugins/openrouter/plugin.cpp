// The OpenRouter provider plugin: the entry point, its descriptor and the C vtable over Instance. Every entry point
// runs through sdk::guard, so no exception crosses the ABI.
#include "instance.hpp"

#include <moltbot/ext/key_info.h>
#include <moltbot/plugin.h>
#include <moltbot/sdk/guard.hpp>

#include <string_view>

struct mb_instance {
    moltbot::openrouter::Instance impl;
};

namespace {

using moltbot::sdk::guard;
using moltbot::sdk::Call;
using moltbot::sdk::Failure;
using moltbot::openrouter::Instance;
using moltbot::openrouter::InstanceConfig;

void requireArgument(bool ok, const char *what) {
    if (!ok) throw Failure(MB_ERR_INVALID_ARGUMENT, what);
}

// (pointer, length) that may be (NULL, 0).
std::string_view text(const char *data, size_t len) { return data == nullptr ? std::string_view() : std::string_view(data, len); }

int32_t create(const mb_host_api *host, const char *config, size_t configLen, mb_instance **out, mb_error *error) {
    return guard(error, [&] {
        requireArgument(host != nullptr && out != nullptr && config != nullptr, "create: NULL argument");
        *out = new mb_instance{Instance(host, InstanceConfig::parse(std::string_view(config, configLen)))};
        return MB_OK;
    });
}

void destroy(mb_instance *instance) { delete instance; }

int32_t listModels(mb_instance *instance, mb_call *call, mb_error *error) {
    return guard(error, [&] {
        requireArgument(instance != nullptr && call != nullptr, "list_models: NULL argument");
        return instance->impl.listModels(Call(call));
    });
}

int32_t chat(mb_instance *instance, const char *request, size_t requestLen, const char *options, size_t optionsLen,
             mb_call *call, mb_error *error, bool stream) {
    return guard(error, [&] {
        requireArgument(instance != nullptr && call != nullptr && request != nullptr, "NULL argument");
        return instance->impl.chat(std::string_view(request, requestLen), text(options, optionsLen), Call(call),
                                   stream);
    });
}

int32_t complete(mb_instance *instance, const char *request, size_t requestLen, const char *options,
                 size_t optionsLen, mb_call *call, mb_error *error) {
    return chat(instance, request, requestLen, options, optionsLen, call, error, false);
}

int32_t stream(mb_instance *instance, const char *request, size_t requestLen, const char *options, size_t optionsLen,
               mb_call *call, mb_error *error) {
    return chat(instance, request, requestLen, options, optionsLen, call, error, true);
}

int32_t keyInfo(mb_instance *instance, mb_call *call, mb_error *error) {
    return guard(error, [&] {
        requireArgument(instance != nullptr && call != nullptr, "key_info: NULL argument");
        return instance->impl.keyInfo(Call(call));
    });
}

const mb_ext_key_info kKeyInfo = {sizeof(mb_ext_key_info), 0, keyInfo};

const void *getExtension(mb_instance *, const char *id) {
    return id != nullptr && std::string_view(id) == MB_EXT_KEY_INFO ? &kKeyInfo : nullptr;
}

const mb_provider_vtable kVtable = {
    sizeof(mb_provider_vtable), 0, create, destroy, listModels, complete, stream, getExtension,
};

const char *const kPrefixes[] = {"openrouter", nullptr};

const mb_provider_descriptor kDescriptor = {
    sizeof(mb_provider_descriptor),
    MB_CAP_STREAM | MB_CAP_TOOLS | MB_CAP_LIST_MODELS | MB_CAP_REASONING | MB_CAP_PROMPT_CACHE,
    "ai.moltbot.openrouter",
    "OpenRouter",
    "0.1.0",
    "moltbot",
    "https://openrouter.ai",
    "Hundreds of models behind one API key, through OpenRouter's OpenAI-compatible API",
    kPrefixes,
    nullptr,
    &kVtable,
};

const mb_provider_descriptor *const kProviders[] = {&kDescriptor};

int32_t init(const mb_host_api *host, mb_error *error) {
    return guard(error, [&] {
        requireArgument(host != nullptr, "init: NULL host");
        return MB_OK;
    });
}

const mb_plugin_entry kEntry = {
    sizeof(mb_plugin_entry), MB_ABI_CURRENT, 1, 0, kProviders, init, nullptr,
};

}  // namespace

extern "C" MB_EXPORT int32_t moltbot_plugin_negotiate(const mb_host_info *host, const mb_plugin_entry **entry) {
    if (host == nullptr || entry == nullptr || host->struct_size < sizeof(uint32_t) * 3) return MB_ERR_INVALID_ARGUMENT;
    // This plugin speaks 1.0; any host range that includes it (same major, minor 0 or above accepted) works.
    if (MB_ABI_CURRENT < host->abi_min || MB_ABI_CURRENT > host->abi_max) return MB_ERR_INCOMPATIBLE;
    *entry = &kEntry;
    return MB_OK;
}
