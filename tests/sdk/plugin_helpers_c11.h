/* The C side of the plugin_helpers.h test: the helpers compiled as C11 (plugin_helpers_c11.c), callable from C++. */
#ifndef MOLTBOT_TESTS_SDK_PLUGIN_HELPERS_C11_H
#define MOLTBOT_TESTS_SDK_PLUGIN_HELPERS_C11_H

#include <moltbot/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

const char *mb_c11_status_name(int32_t status);
int32_t mb_c11_set_error(mb_error *error, int32_t code, const char *message);
int32_t mb_c11_emit_text_delta(mb_call *call, const char *text, size_t len);
int32_t mb_c11_emit_reasoning_delta(mb_call *call, const char *text, size_t len);
int32_t mb_c11_emit_usage(mb_call *call, int64_t prompt_tokens, int64_t completion_tokens);
int32_t mb_c11_emit_done(mb_call *call, const char *finish_reason);
extern const mb_plugin_entry *const mb_c11_entry_1_0;
extern const mb_plugin_entry *const mb_c11_entry_1_2;

#ifdef __cplusplus
}
#endif

#endif
