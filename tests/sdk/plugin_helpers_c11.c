/* plugin_helpers.h compiled as strict C11 (-pedantic-errors, -Werror: see meson.build), and its helpers run as C code
 * by plugin_helpers_test.cpp through the wrappers below. */
#include "tests/sdk/plugin_helpers_c11.h"

#include <moltbot/plugin_helpers.h>

const char *mb_c11_status_name(int32_t status) { return mb_status_name(status); }

int32_t mb_c11_set_error(mb_error *error, int32_t code, const char *message) {
    return mb_set_error(error, code, message);
}

int32_t mb_c11_emit_text_delta(mb_call *call, const char *text, size_t len) {
    return mb_emit_text_delta(call, text, len);
}

int32_t mb_c11_emit_reasoning_delta(mb_call *call, const char *text, size_t len) {
    return mb_emit_reasoning_delta(call, text, len);
}

int32_t mb_c11_emit_usage(mb_call *call, int64_t prompt_tokens, int64_t completion_tokens) {
    return mb_emit_usage(call, prompt_tokens, completion_tokens);
}

int32_t mb_c11_emit_done(mb_call *call, const char *finish_reason) { return mb_emit_done(call, finish_reason); }

/* Two entries of different versions: negotiation picks the highest one the host accepts. */
static const mb_plugin_entry c11_entry_1_0 = {sizeof(mb_plugin_entry), MB_ABI_MAKE_VERSION(1, 0), 0, 0, NULL, NULL,
                                              NULL};
static const mb_plugin_entry c11_entry_1_2 = {sizeof(mb_plugin_entry), MB_ABI_MAKE_VERSION(1, 2), 0, 0, NULL, NULL,
                                              NULL};

const mb_plugin_entry *const mb_c11_entry_1_0 = &c11_entry_1_0;
const mb_plugin_entry *const mb_c11_entry_1_2 = &c11_entry_1_2;

MB_PLUGIN_NEGOTIATE(&c11_entry_1_2, &c11_entry_1_0);
