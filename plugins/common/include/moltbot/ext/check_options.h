/*
 * moltbot/ext/check_options.h - the "moltbot.check-options/1" provider extension: check a model's options from the
 * config without sending anything, so that `moltbot config validate` and `moltbot models status` name mistakes only
 * the provider can see (an unknown provider slug in OpenRouter's routing) where the config is checked, not only when
 * a request is made.
 *
 * A provider offering it returns a `const mb_ext_check_options *` from get_extension(instance,
 * MB_EXT_CHECK_OPTIONS). The table is static (valid until deinit) and follows the plugin.h rules: it starts with
 * struct_size, only grows at its end, and a NULL function pointer means unsupported.
 */
#ifndef MOLTBOT_EXT_CHECK_OPTIONS_H
#define MOLTBOT_EXT_CHECK_OPTIONS_H

#include <moltbot/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MB_EXT_CHECK_OPTIONS "moltbot.check-options/1"

typedef struct mb_ext_check_options {
    uint32_t struct_size;
    uint32_t reserved0;
    /*
     * [any] Checks `options_json` (the per-model options of the config, as complete() and stream() receive them:
     * {"ref", "model", "params", "provider", ...}) for the provider-local model id `model_id` (NUL-terminated).
     * Emits one MB_EVENT_NOTICE {"level": "warning", "message": "..."} per problem, the message starting with the
     * option's path inside the options ("provider.order: ..."), and returns MB_OK; a wrong type fails with
     * MB_ERR_INVALID_ARGUMENT as a request would. It may read the provider's lists (from its cache, or the network),
     * but never sends a request on the user's behalf.
     */
    int32_t (*check_options)(mb_instance *instance, const char *model_id, const char *options_json, size_t options_len,
                             mb_call *call, mb_error *error);
} mb_ext_check_options;

#ifdef __cplusplus
}
#endif

#endif /* MOLTBOT_EXT_CHECK_OPTIONS_H */
