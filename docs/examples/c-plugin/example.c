/*
 * A complete moltbot provider plugin in plain C11, built outside the moltbot tree against the installed SDK
 * (docs/plugin-authoring.md walks through it). It serves the model-ref prefix "example": every model answers
 * with one greeting, streamed in two pieces, then usage and done.
 *
 *   make && mkdir -p ~/.moltbot/plugins && cp example.so ~/.moltbot/plugins/
 *   moltbot agent --model example/anything -m hi
 */
#include <moltbot/plugin.h>

#include <stdlib.h>
#include <string.h>

struct mb_instance {
    int unused; /* nothing per instance: the provider keeps no state */
};

/* Writes a message into the host's error struct and returns `code` (the host reads both). */
static int32_t fail(mb_error *error, int32_t code, const char *message) {
    if (error != NULL && error->message != NULL && error->message_capacity > 0) {
        size_t n = strlen(message);
        if (n >= error->message_capacity) n = error->message_capacity - 1;
        memcpy(error->message, message, n);
        error->message[n] = '\0';
        error->code = code;
    }
    return code;
}

/* One event; the JSON is borrowed by the host only for the duration of emit. */
static int32_t emit(mb_call *call, uint32_t kind, const char *json) {
    return call->emit(call, kind, json, strlen(json)) == 0 ? MB_OK : MB_ERR_CANCELLED;
}

static int32_t example_create(const mb_host_api *host, const char *config, size_t config_len, mb_instance **out,
                              mb_error *error) {
    (void)host;
    (void)config; /* {"name": "<prefix>", "config": {...models.providers.<prefix>...}} */
    (void)config_len;
    if (out == NULL) return fail(error, MB_ERR_INVALID_ARGUMENT, "example: no output pointer");
    *out = calloc(1, sizeof **out);
    return *out != NULL ? MB_OK : fail(error, MB_ERR_INTERNAL, "example: out of memory");
}

static void example_destroy(mb_instance *instance) { free(instance); }

/* [any] The request is an OpenAI Chat Completions body; this provider ignores it and always greets. */
static int32_t example_stream(mb_instance *instance, const char *request, size_t request_len, const char *options,
                              size_t options_len, mb_call *call, mb_error *error) {
    (void)instance;
    (void)request;
    (void)request_len;
    (void)options;
    (void)options_len;
    static const struct {
        uint32_t kind;
        const char *json;
    } events[] = {
        {MB_EVENT_TEXT_DELTA, "{\"text\":\"Hello from \"}"},
        {MB_EVENT_TEXT_DELTA, "{\"text\":\"a C plugin.\"}"},
        {MB_EVENT_USAGE, "{\"prompt_tokens\":1,\"completion_tokens\":5}"},
        {MB_EVENT_DONE, "{\"finish_reason\":\"stop\"}"},
    };
    for (size_t i = 0; i < sizeof events / sizeof events[0]; ++i) {
        if (call->is_cancelled(call)) return fail(error, MB_ERR_CANCELLED, "example: cancelled");
        if (emit(call, events[i].kind, events[i].json) != MB_OK) {
            return fail(error, MB_ERR_CANCELLED, "example: cancelled");
        }
    }
    return MB_OK;
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

/* The one exported symbol. Accept any host whose range includes the version this file was compiled for. */
MB_EXPORT int32_t moltbot_plugin_negotiate(const mb_host_info *host, const mb_plugin_entry **entry) {
    if (host == NULL || entry == NULL || host->struct_size < sizeof(mb_host_info)) return MB_ERR_INVALID_ARGUMENT;
    if (host->abi_min > MB_ABI_CURRENT || host->abi_max < MB_ABI_CURRENT) return MB_ERR_INCOMPATIBLE;
    *entry = &example_entry;
    return MB_OK;
}
