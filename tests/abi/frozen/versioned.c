/*
 * A provider built against a frozen ABI header: tests/abi/frozen/moltbot/plugin-1.0.h (a byte copy of the 1.0
 * header, kept forever) or, with MB_TEST_GROWN, the test-only 1.2 header (one minor version ahead of the real one).
 * It streams "<prefix> plugin built for ABI <negotiated version>" and is otherwise as small as a provider can be.
 * The grown build answers the newest version both sides speak: 1.2 to a host that offers it, 1.1 to this host, 1.0 to
 * a 1.0 host; its descriptor is the bigger 1.2 struct either way, which an older host reads only as far as it knows.
 */
#ifdef MB_TEST_GROWN
#include "plugin-1.2-test.h"
#define PREFIX "grown"
#else
#include <moltbot/plugin-1.0.h>
#define PREFIX "frozen"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mb_instance {
    int unused;
};

static int32_t versioned_create(const mb_host_api *host, const char *config, size_t config_len, mb_instance **out,
                                mb_error *error) {
    (void)host;
    (void)config;
    (void)config_len;
    (void)error;
    *out = calloc(1, sizeof **out);
    return *out != NULL ? MB_OK : MB_ERR_INTERNAL;
}

static void versioned_destroy(mb_instance *instance) { free(instance); }

static uint32_t g_abi; /* the version negotiated, for the answer */

static int32_t versioned_stream(mb_instance *instance, const char *request, size_t request_len, const char *options,
                                size_t options_len, mb_call *call, mb_error *error) {
    (void)instance;
    (void)request;
    (void)request_len;
    (void)options;
    (void)options_len;
    (void)error;
    char text[96];
    snprintf(text, sizeof text, "{\"text\":\"" PREFIX " plugin built for ABI %u.%u\"}",
             (unsigned)MB_ABI_VERSION_MAJOR(g_abi), (unsigned)MB_ABI_VERSION_MINOR(g_abi));
    static const char done[] = "{\"finish_reason\":\"stop\"}";
    if (call->emit(call, MB_EVENT_TEXT_DELTA, text, strlen(text)) != 0) return MB_ERR_CANCELLED;
    return call->emit(call, MB_EVENT_DONE, done, sizeof done - 1) != 0 ? MB_ERR_CANCELLED : MB_OK;
}

static const mb_provider_vtable versioned_vtable = {
    sizeof(mb_provider_vtable), 0, versioned_create, versioned_destroy, NULL, NULL, versioned_stream, NULL,
};

static const char *const versioned_prefixes[] = {PREFIX, NULL};

#define DESCRIPTOR_1_0(size)                                                                                       \
    {(size), MB_CAP_STREAM, "ai.moltbot.fixture." PREFIX, "ABI fixture " PREFIX, "1.0.0", NULL, NULL, NULL,         \
     versioned_prefixes, NULL, &versioned_vtable}

#ifdef MB_TEST_GROWN
static const mb_provider_descriptor_1_2 versioned_descriptor = {
    DESCRIPTOR_1_0(sizeof(mb_provider_descriptor_1_2)), "https://example.org/docs",
};
#define DESCRIPTOR_POINTER ((const mb_provider_descriptor *)&versioned_descriptor)
#define NEWEST MB_ABI_TEST_1_2
#else
static const mb_provider_descriptor versioned_descriptor = DESCRIPTOR_1_0(sizeof(mb_provider_descriptor));
#define DESCRIPTOR_POINTER (&versioned_descriptor)
#define NEWEST MB_ABI_CURRENT
#endif

static const mb_provider_descriptor *const versioned_providers[] = {DESCRIPTOR_POINTER};

static int32_t versioned_init(const mb_host_api *host, mb_error *error) {
    (void)host;
    (void)error;
    return MB_OK;
}

static mb_plugin_entry versioned_entry = {
    sizeof(mb_plugin_entry), 0, 1, 0, versioned_providers, versioned_init, NULL,
};

/* The newest version both sides speak: this plugin speaks 1.0 up to NEWEST. */
MB_EXPORT int32_t moltbot_plugin_negotiate(const mb_host_info *host, const mb_plugin_entry **entry) {
    if (host == NULL || entry == NULL || host->struct_size < sizeof(mb_host_info)) return MB_ERR_INVALID_ARGUMENT;
    uint32_t oldest = MB_ABI_MAKE_VERSION(1, 0);
    uint32_t chosen = host->abi_max < NEWEST ? host->abi_max : NEWEST;
    if (chosen < oldest || chosen < host->abi_min) return MB_ERR_INCOMPATIBLE;
    g_abi = chosen;
    versioned_entry.abi_version = chosen;
    *entry = &versioned_entry;
    return MB_OK;
}
