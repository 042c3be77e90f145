/*
 * moltbot/ext/key_info.h - the "moltbot.key-info/1" provider extension: check an API key and read its limits.
 *
 * A provider offering it returns a `const mb_ext_key_info *` from get_extension(instance, MB_EXT_KEY_INFO).
 * The table is static (valid until deinit) and follows the plugin.h rules: it starts with struct_size, only grows at
 * its end, and a NULL function pointer means unsupported.
 */
#ifndef MOLTBOT_EXT_KEY_INFO_H
#define MOLTBOT_EXT_KEY_INFO_H

#include <moltbot/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MB_EXT_KEY_INFO "moltbot.key-info/1"

typedef struct mb_ext_key_info {
    uint32_t struct_size;
    uint32_t reserved0;
    /*
     * [any] Asks the provider about the instance's API key and emits one MB_EVENT_RESPONSE whose payload is the
     * provider's key object (for OpenRouter, the `data` object of GET /key: label, limit, limit_remaining, usage,
     * is_free_tier, ...). A missing or rejected key fails with MB_ERR_AUTH like any other call.
     */
    int32_t (*key_info)(mb_instance *instance, mb_call *call, mb_error *error);
} mb_ext_key_info;

#ifdef __cplusplus
}
#endif

#endif /* MOLTBOT_EXT_KEY_INFO_H */
