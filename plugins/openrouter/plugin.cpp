// The OpenRouter provider plugin: the entry point, its descriptor and the key-info and check-options extensions. The C vtable over
// Instance is the SDK's (sdk/provider.hpp): every entry point runs through sdk::guard, so no exception crosses the ABI.
#include "instance.hpp"

#include <moltbot/ext/check_options.h>
#include <moltbot/ext/key_info.h>
#include <moltbot/plugin.h>
#include <moltbot/plugin_helpers.h>
#include <moltbot/sdk/provider.hpp>

#include <string_view>

namespace {

using Glue = moltbot::sdk::Provider<moltbot::openrouter::Instance>;

int32_t keyInfo(mb_instance *instance, mb_call *call, mb_error *error) {
    return Glue::invoke(instance, call, error, "key_info",
                        [](moltbot::openrouter::Instance &self, moltbot::sdk::Call c) { return self.keyInfo(c); });
}

const mb_ext_key_info kKeyInfo = {sizeof(mb_ext_key_info), 0, keyInfo};

int32_t checkOptions(mb_instance *instance, const char *modelId, const char *options, size_t optionsLen, mb_call *call,
                     mb_error *error) {
    return Glue::invoke(instance, call, error, "check_options", [&](moltbot::openrouter::Instance &self,
                                                                    moltbot::sdk::Call c) {
        if (modelId == nullptr || (options == nullptr && optionsLen > 0)) {
            throw moltbot::sdk::Failure(MB_ERR_INVALID_ARGUMENT, "check_options: NULL argument");
        }
        return self.checkOptions(modelId, options == nullptr ? std::string_view() : std::string_view(options, optionsLen), c);
    });
}

const mb_ext_check_options kCheckOptions = {sizeof(mb_ext_check_options), 0, checkOptions};

const void *getExtension(mb_instance *, const char *id) {
    if (id == nullptr) return nullptr;
    if (std::string_view(id) == MB_EXT_KEY_INFO) return &kKeyInfo;
    if (std::string_view(id) == MB_EXT_CHECK_OPTIONS) return &kCheckOptions;
    return nullptr;
}

const mb_provider_vtable kVtable = Glue::vtable(getExtension);

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

const mb_plugin_entry kEntry = {
    sizeof(mb_plugin_entry), MB_ABI_CURRENT, 1, 0, kProviders, moltbot::sdk::plainInit, nullptr,
};

}  // namespace

// This plugin speaks the header's version (MB_ABI_CURRENT, 1.1); it ships with the host, which always offers it.
MB_PLUGIN_NEGOTIATE(&kEntry);
