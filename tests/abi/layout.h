/*
 * The v1 layout of every struct of moltbot/plugin.h on 64-bit platforms, as one table used twice: pinned by static
 * asserts in a C11 and a C++20 translation unit, and compared at run time between the two compilers' views.
 * A change here is an ABI break (docs/abi.md, "Struct growth"): fields are only ever appended.
 */
#ifndef MOLTBOT_TESTS_ABI_LAYOUT_H
#define MOLTBOT_TESTS_ABI_LAYOUT_H

#include <moltbot/plugin.h>

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

/* X(type, field, offset) for every field. */
#define MB_V1_FIELDS(X)                                                                                             \
    X(mb_error, struct_size, 0) X(mb_error, code, 4) X(mb_error, http_status, 8) X(mb_error, message_capacity, 12)  \
    X(mb_error, retry_after_ms, 16) X(mb_error, message, 24)                                                       \
    X(mb_call, struct_size, 0) X(mb_call, reserved0, 4) X(mb_call, emit, 8) X(mb_call, is_cancelled, 16)           \
    X(mb_call, host_data, 24)                                                                                       \
    X(mb_http_request, struct_size, 0) X(mb_http_request, timeout_ms, 4) X(mb_http_request, method, 8)             \
    X(mb_http_request, url, 16) X(mb_http_request, headers, 24) X(mb_http_request, headers_len, 32)                \
    X(mb_http_request, body, 40) X(mb_http_request, body_len, 48) X(mb_http_request, on_head, 56)                  \
    X(mb_http_request, on_body, 64) X(mb_http_request, user, 72)                                                    \
    X(mb_host_api, struct_size, 0) X(mb_host_api, abi_version, 4) X(mb_host_api, host_name, 8)                     \
    X(mb_host_api, host_version, 16) X(mb_host_api, host_ctx, 24) X(mb_host_api, log, 32)                          \
    X(mb_host_api, config_get, 40) X(mb_host_api, secret_get, 48) X(mb_host_api, http_request, 56)                 \
    X(mb_host_api, get_service, 64)                                                                                 \
    X(mb_provider_vtable, struct_size, 0) X(mb_provider_vtable, reserved0, 4) X(mb_provider_vtable, create, 8)     \
    X(mb_provider_vtable, destroy, 16) X(mb_provider_vtable, list_models, 24) X(mb_provider_vtable, complete, 32)  \
    X(mb_provider_vtable, stream, 40) X(mb_provider_vtable, get_extension, 48)                                      \
    X(mb_provider_descriptor, struct_size, 0) X(mb_provider_descriptor, capabilities, 4)                            \
    X(mb_provider_descriptor, id, 8) X(mb_provider_descriptor, name, 16) X(mb_provider_descriptor, version, 24)    \
    X(mb_provider_descriptor, vendor, 32) X(mb_provider_descriptor, url, 40)                                        \
    X(mb_provider_descriptor, description, 48) X(mb_provider_descriptor, prefixes, 56)                              \
    X(mb_provider_descriptor, apis, 64) X(mb_provider_descriptor, vtable, 72)                                       \
    X(mb_host_info, struct_size, 0) X(mb_host_info, abi_min, 4) X(mb_host_info, abi_max, 8)                        \
    X(mb_host_info, reserved0, 12) X(mb_host_info, host_name, 16) X(mb_host_info, host_version, 24)                \
    X(mb_plugin_entry, struct_size, 0) X(mb_plugin_entry, abi_version, 4) X(mb_plugin_entry, provider_count, 8)    \
    X(mb_plugin_entry, reserved0, 12) X(mb_plugin_entry, providers, 16) X(mb_plugin_entry, init, 24)               \
    X(mb_plugin_entry, deinit, 32)

/* S(type, size) for every struct. */
#define MB_V1_SIZES(S)                                                                                              \
    S(mb_error, 32) S(mb_call, 32) S(mb_http_request, 80) S(mb_host_api, 72) S(mb_provider_vtable, 56)             \
    S(mb_provider_descriptor, 80) S(mb_host_info, 32) S(mb_plugin_entry, 40)

#if UINTPTR_MAX == 0xFFFFFFFFFFFFFFFFu
#define MB_PIN_FIELD(type, field, offset) static_assert(offsetof(type, field) == (offset), #type "." #field " moved");
#define MB_PIN_SIZE(type, size) static_assert(sizeof(type) == (size), "sizeof(" #type ") changed");
MB_V1_FIELDS(MB_PIN_FIELD)
MB_V1_SIZES(MB_PIN_SIZE)
#endif

/* Values that are part of the ABI too: they are never renumbered. */
static_assert(MB_ABI_CURRENT == 0x00010001u, "the header describes ABI 1.1");
static_assert(MB_ABI_MAKE_VERSION(1, 2) == 0x00010002u && MB_ABI_VERSION_MAJOR(0x00020003u) == 2 &&
                  MB_ABI_VERSION_MINOR(0x00020003u) == 3,
              "version packing is major << 16 | minor");
static_assert(MB_OK == 0 && MB_ERR_INVALID_ARGUMENT == -1 && MB_ERR_UNSUPPORTED == -2 && MB_ERR_INCOMPATIBLE == -3 &&
                  MB_ERR_CANCELLED == -4 && MB_ERR_TIMEOUT == -5 && MB_ERR_TRANSPORT == -6 && MB_ERR_HTTP == -7 &&
                  MB_ERR_AUTH == -8 && MB_ERR_PAYMENT == -9 && MB_ERR_RATE_LIMITED == -10 &&
                  MB_ERR_NOT_FOUND == -11 && MB_ERR_UPSTREAM_PROTOCOL == -12 && MB_ERR_INTERNAL == -13 &&
                  MB_ERR_BUFFER_TOO_SMALL == -14 && MB_ERR_INVALID_REQUEST == -15 && MB_ERR_MODERATION == -16 &&
                  MB_ERR_UNAVAILABLE == -17,
              "status codes are never renumbered");
static_assert(MB_EVENT_TEXT_DELTA == 1 && MB_EVENT_TOOL_CALL_DELTA == 2 && MB_EVENT_REASONING_DELTA == 3 &&
                  MB_EVENT_USAGE == 4 && MB_EVENT_DONE == 5 && MB_EVENT_RESPONSE == 6 && MB_EVENT_MODEL == 7 &&
                  MB_EVENT_NOTICE == 8 && MB_EVENT_META == 9,
              "event kinds are never renumbered");
static_assert(MB_CAP_STREAM == 0x1u && MB_CAP_TOOLS == 0x2u && MB_CAP_LIST_MODELS == 0x4u &&
                  MB_CAP_REASONING == 0x8u && MB_CAP_PROMPT_CACHE == 0x10u && MB_CAP_CONFIG_PREFIXES == 0x20u &&
                  MB_CAP_NO_API_KEY == 0x40u,
              "capability bits are never reassigned");
static_assert(MB_LOG_DEBUG == 0 && MB_LOG_INFO == 1 && MB_LOG_WARNING == 2 && MB_LOG_ERROR == 3,
              "log levels are never renumbered");

#define MB_LAYOUT_OFFSET(type, field, offset) offsetof(type, field),
#define MB_LAYOUT_SIZE(type, size) sizeof(type),

#ifdef __cplusplus
extern "C" {
#endif

/* The offsets and sizes as the C compiler sees them (layout_c11.c), in table order. */
extern const size_t mb_c11_offsets[];
extern const size_t mb_c11_offset_count;
extern const size_t mb_c11_sizes[];
extern const size_t mb_c11_size_count;

#ifdef __cplusplus
}
#endif

#endif /* MOLTBOT_TESTS_ABI_LAYOUT_H */
