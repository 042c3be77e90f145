/*
 * A complete moltbot provider plugin in plain C11, built outside the moltbot tree against the installed SDK
 * (docs/plugin-authoring.md walks through it). It serves the model-ref prefix "example": every model answers
 * with one greeting, streamed in two pieces, then usage and done. <moltbot/plugin_helpers.h> (optional, header-only)
 * gives the entry point, the error struct and the emitters, which JSON-escape the text they send.
 *
 *   make && mkdir -p ~/.moltbot/plugins && cp example.so ~/.moltbot/plugins/
 *   moltbot agent --model example/anything -m hi
 */
#include <moltbot/plugin.h>
#include <moltbot/plugin_helpers.h>

#include <stdlib.h>
#include <string.h>

struct mb_instance {
    int unused; /* nothing per instance: the provider keeps no state */
};

static int32_t example_create(const mb_host_api *host, const char *config, size_t config_len, mb_instance **out,
                              mb_error *error) {
    (void)host;
    (void)config; /* {"name": "<prefix>", "config": {...models.providers.<prefix>...}} */
    (void)config_len;
    if (out == NULL) return mb_set_error(error, MB_ERR_INVALID_ARGUMENT, "example: no output pointer");
    *out = calloc(1, sizeof **out);
    return *out != NULL ? MB_OK : mb_set_error(error, MB_ERR_INTERNAL, "example: out of memory");
}

static void example_destroy(mb_instance *instance) { free(instance); }

/* [any] The request is an OpenAI Chat Completions body; this provider ignores it and always greets. Each emitter
 * returns MB_OK, or MB_ERR_CANCELLED once the host asked to stop. */
static int32_t example_stream(mb_instance *instance, const char *request, size_t request_len, const char *options,
                              size_t options_len, mb_call *call, mb_error *error) {
    static const char *const pieces[] = {"Hello from ", "a C plugin."};
    int32_t rc = MB_OK;
    (void)instance;
    (void)request;
    (void)request_len;
    (void)options;
    (void)options_len;
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0] && rc == MB_OK; ++i) {
        rc = call->is_cancelled(call) ? MB_ERR_CANCELLED : mb_emit_text_delta(call, pieces[i], strlen(pieces[i]));
    }
    if (rc == MB_OK) rc = mb_emit_usage(call, 1, 5);
    if (rc == MB_OK) rc = mb_emit_done(call, "stop");
    return rc == MB_OK ? MB_OK : mb_set_error(error, rc, "example: cancelled");
}

static const mb_provider_vtable example_vtable = {
    sizeof(mb_provider_vtable), 0, example_create, example_destroy, NULL, NULL, example_stream, NULL,
};

static const char *const example_prefixes[] = {"example", NULL};

static const mb_provider_descriptor example_descriptor = {
    sizeof(mb_provider_descriptor),
    MB_CAP_STREAM,
    "org.example.greeter", /* reverse-DNS id: yours, not ai.moltbot.* */
    "Example Greeter",
    "1.0.0",
    "Example Org",
    "https://example.org",
    "A provider that always greets",
    example_prefixes,
    NULL,
    &example_vtable,
};

static const mb_provider_descriptor *const example_providers[] = {&example_descriptor};

static int32_t example_init(const mb_host_api *host, mb_error *error) {
    (void)error;
    static const char ready[] = "example plugin ready";
    host->log(host->host_ctx, MB_LOG_DEBUG, ready, sizeof ready - 1);
    return MB_OK;
}

static const mb_plugin_entry example_entry = {
    sizeof(mb_plugin_entry), MB_ABI_CURRENT, 1, 0, example_providers, example_init, NULL,
};

/* The one exported symbol, moltbot_plugin_negotiate: it answers with the entry when the host's ABI range includes the
 * version this file was compiled for, and MB_ERR_INCOMPATIBLE otherwise. (MB_ABI_CURRENT is the header's version, 1.1
 * today; this example uses nothing of 1.1, so MB_ABI_MAKE_VERSION(1, 0) would also load it in 1.0 hosts.) */
MB_PLUGIN_NEGOTIATE(&example_entry);
