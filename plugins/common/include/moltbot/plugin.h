/*
 * moltbot/plugin.h - the moltbot provider plugin C ABI, version 1.1.
 *
 * This is the only file a plugin needs. It is C99/C11 and C++ clean and depends only on <stdint.h> and <stddef.h>.
 * docs/abi.md is the normative description; this header states the same rules next to each declaration.
 *
 * Rules that hold everywhere:
 *  - Every struct that crosses the boundary starts with `uint32_t struct_size` and only grows at its end; each later
 *    field is marked `since 1.N`. A reader zero-fills what a smaller struct lacks. A NULL function pointer means
 *    "unsupported".
 *  - Strings are UTF-8. `const char *` without a length is NUL-terminated; `(ptr, len)` pairs are not.
 *  - No memory is freed across the boundary. Inputs are borrowed for the duration of the call; descriptors live until
 *    `deinit`; outputs leave through `emit`, caller buffers or the error struct.
 *  - No exception or longjmp crosses the boundary: every entry point catches everything and returns MB_ERR_INTERNAL.
 *
 * Thread tags, one on every function below:
 *  [loader]   called by the host's loading thread, never concurrently with any other function of the same plugin.
 *  [any]      may be called from any thread, concurrently with itself and every other [any] function.
 *  [last]     called once per instance, from any thread, after every other call on that instance returned (other
 *             instances' functions may run meanwhile).
 *  [call]     called only on the thread that is running the plugin call it belongs to, while that call runs.
 *  [transfer] called only on the thread that called http_request, before http_request returns.
 */
#ifndef MOLTBOT_PLUGIN_H
#define MOLTBOT_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Versions ------------------------------------------------------------------------------------------------- */

#define MB_ABI_MAKE_VERSION(major, minor) ((((uint32_t)(major)) << 16) | ((uint32_t)(minor)))
#define MB_ABI_VERSION_MAJOR(version) (((uint32_t)(version)) >> 16)
#define MB_ABI_VERSION_MINOR(version) (((uint32_t)(version)) & 0xFFFFu)

/* The version this header describes. 1.1 added MB_CAP_NO_API_KEY; no struct changed (docs/abi-changelog.md). */
#define MB_ABI_CURRENT_MAJOR 1
#define MB_ABI_CURRENT_MINOR 1
#define MB_ABI_CURRENT MB_ABI_MAKE_VERSION(MB_ABI_CURRENT_MAJOR, MB_ABI_CURRENT_MINOR)

/* The one exported symbol of every plugin, fixed forever. */
#define MB_ENTRY_SYMBOL "moltbot_plugin_negotiate"

#if defined(_WIN32)
#define MB_EXPORT __declspec(dllexport)
#else
#define MB_EXPORT __attribute__((visibility("default")))
#endif

/* ---- Status codes: 0 is success, negative values are never renumbered ----------------------------------------- */

#define MB_OK 0
#define MB_ERR_INVALID_ARGUMENT (-1)  /* a caller broke the ABI contract (NULL pointer, bad size, bad JSON) */
#define MB_ERR_UNSUPPORTED (-2)       /* the function or feature is not provided */
#define MB_ERR_INCOMPATIBLE (-3)      /* no common ABI version */
#define MB_ERR_CANCELLED (-4)         /* the call was cancelled (emit returned non-zero or is_cancelled) */
#define MB_ERR_TIMEOUT (-5)           /* connect, idle-read or total timeout, or an upstream 408 */
#define MB_ERR_TRANSPORT (-6)         /* connection refused, reset, DNS, TLS */
#define MB_ERR_HTTP (-7)              /* an HTTP error status not covered by a more precise code */
#define MB_ERR_AUTH (-8)              /* missing, invalid or disabled credentials (401) */
#define MB_ERR_PAYMENT (-9)           /* insufficient credits or quota (402) */
#define MB_ERR_RATE_LIMITED (-10)     /* rate limited (429); see mb_error.retry_after_ms */
#define MB_ERR_NOT_FOUND (-11)        /* unknown model, or no endpoint can serve it (404) */
#define MB_ERR_UPSTREAM_PROTOCOL (-12) /* the upstream answered something that cannot be parsed */
#define MB_ERR_INTERNAL (-13)         /* a bug or an exception inside the plugin or host */
#define MB_ERR_BUFFER_TOO_SMALL (-14) /* a caller buffer was too small; the needed size was written back */
#define MB_ERR_INVALID_REQUEST (-15)  /* the upstream rejected the request itself (400, 413, 422) */
#define MB_ERR_MODERATION (-16)       /* blocked by moderation or a permission rule (403) */
#define MB_ERR_UNAVAILABLE (-17)      /* the upstream is down or overloaded (5xx) */

/* ---- Errors ---------------------------------------------------------------------------------------------------- */

/* Host-owned. The host zeroes it and points `message` at a buffer before each call; a plugin that fails fills it. */
typedef struct mb_error {
    uint32_t struct_size;
    int32_t code;              /* one of MB_ERR_*; the same value the function returns */
    int32_t http_status;       /* the upstream's HTTP status, or 0 */
    uint32_t message_capacity; /* bytes available at `message`, including the terminating NUL */
    int64_t retry_after_ms;    /* how long the upstream asked to wait, or -1 when it did not say */
    char *message;             /* host-owned buffer: the plugin writes a NUL-terminated UTF-8 text, truncated to fit */
} mb_error;

/* ---- Calls and events ------------------------------------------------------------------------------------------ */

/* Kinds of event a plugin emits. The payload of each is one UTF-8 JSON object, described in docs/abi.md. */
#define MB_EVENT_TEXT_DELTA 1      /* {"text": "..."} */
#define MB_EVENT_TOOL_CALL_DELTA 2 /* {"index": 0, "id"?: "...", "name"?: "...", "arguments": "..."} */
#define MB_EVENT_REASONING_DELTA 3 /* {"text": "..."} */
#define MB_EVENT_USAGE 4           /* {"prompt_tokens", "completion_tokens", "cached_tokens"?, "cache_write_tokens"?, "cost"?} */
#define MB_EVENT_DONE 5            /* {"finish_reason": "stop"|"length"|"tool_calls"|..., "model"?, "provider"?, "id"?} */
#define MB_EVENT_RESPONSE 6        /* complete(): the whole OpenAI Chat Completions response object */
/* list_models(): one model {"id", "name"?, "context_length"?, "max_completion_tokens"?, "input"?: "text"|"text+image",
 * "pricing"?, ...} */
#define MB_EVENT_MODEL 7
#define MB_EVENT_NOTICE 8          /* {"level": "info"|"warning", "message": "..."}: shown to the user once */
#define MB_EVENT_META 9            /* {"model"?, "provider"?, "id"?}: who is serving, as soon as it is known */

typedef struct mb_call mb_call;

/*
 * Host-owned context of one plugin call (list_models, complete, stream). Valid until that function returns.
 * `emit` and `is_cancelled` are [call]. JSON handed to `emit` is borrowed: the host copies what it keeps.
 */
struct mb_call {
    uint32_t struct_size;
    uint32_t reserved0;
    /* [call] Deliver one event. A non-zero return asks the plugin to stop: it returns MB_ERR_CANCELLED as soon as it
     * can. */
    int32_t (*emit)(mb_call *call, uint32_t kind, const char *json, size_t json_len);
    /* [call] Non-zero once the user or the host cancelled the call. Plugins poll it between blocking steps. */
    int32_t (*is_cancelled)(mb_call *call);
    void *host_data; /* host-private; plugins never touch it */
};

/* ---- Host services ----------------------------------------------------------------------------------------------- */

#define MB_LOG_DEBUG 0
#define MB_LOG_INFO 1
#define MB_LOG_WARNING 2
#define MB_LOG_ERROR 3

/* [transfer] Called once with the status and every header as "Name: value\r\n" lines, before any body byte. A non-zero
 * return aborts the transfer. */
typedef int32_t (*mb_http_head_fn)(void *user, int32_t http_status, const char *headers, size_t headers_len);
/* [transfer] Called for each piece of the body as it arrives. A non-zero return aborts the transfer. */
typedef int32_t (*mb_http_body_fn)(void *user, const char *data, size_t len);

/* Plugin-owned, borrowed by the host for the duration of http_request. */
typedef struct mb_http_request {
    uint32_t struct_size;
    uint32_t timeout_ms;     /* total time allowed, 0 = none beyond the host's connect and idle-read timeouts */
    const char *method;      /* "GET", "POST", ... */
    const char *url;         /* absolute http:// or https:// URL */
    const char *headers;     /* "Name: value\n" lines, or NULL */
    size_t headers_len;
    const char *body;        /* request body, or NULL */
    size_t body_len;
    mb_http_head_fn on_head; /* may be NULL */
    mb_http_body_fn on_body; /* may be NULL: the body is discarded */
    void *user;              /* passed back to both callbacks */
} mb_http_request;

/*
 * The host's function table, handed to the plugin at init and valid until deinit returns. Every function is [any].
 * Buffer look-ups take a caller buffer and its size in *len; on success *len is the length written (without NUL);
 * when the buffer is too small they return MB_ERR_BUFFER_TOO_SMALL and set *len to the size needed (with NUL).
 */
typedef struct mb_host_api {
    uint32_t struct_size;
    uint32_t abi_version;      /* the version negotiated with this plugin */
    const char *host_name;     /* "moltbot" */
    const char *host_version;  /* "0.1.0" */
    void *host_ctx;            /* pass back as the first argument of every function below: it says who calls */
    /* [any] One log line; the host prefixes the plugin's id. */
    void (*log)(void *host_ctx, int32_t level, const char *message, size_t message_len);
    /* [any] The JSON value of a dotted config path (e.g. "agents.defaults.model.primary"); MB_ERR_NOT_FOUND if unset.
     * Paths through a secret key (apiKey, token, ...) or into another provider's models.providers.<name> answer
     * MB_ERR_NOT_FOUND too, and a value above them comes without them (docs/abi.md §6). */
    int32_t (*config_get)(void *host_ctx, const char *path, char *buf, size_t *len);
    /* [any] The credential the host resolved for a provider instance name (e.g. "openrouter"); MB_ERR_NOT_FOUND if
     * none, and for every name that is not an instance the host created through this plugin. Plugins never read
     * environment variables or files for credentials themselves. */
    int32_t (*secret_get)(void *host_ctx, const char *name, char *buf, size_t *len);
    /*
     * [any] One HTTP transfer. Blocks until the body ended, the transfer failed, or it was aborted. Returns MB_OK when
     * a response arrived, whatever its status; MB_ERR_TRANSPORT, MB_ERR_TIMEOUT or MB_ERR_CANCELLED otherwise (with
     * `error` filled). `call` links the transfer to a plugin call, so that cancelling the call aborts it at the
     * transport level; it may be NULL outside a call.
     */
    int32_t (*http_request)(void *host_ctx, mb_call *call, const mb_http_request *request, mb_error *error);
    /* [any] An optional service by string id "<name>/<rev>", or NULL when the host does not offer it. */
    const void *(*get_service)(void *host_ctx, const char *id);
} mb_host_api;

/* ---- Providers ----------------------------------------------------------------------------------------------------- */

typedef struct mb_instance mb_instance; /* plugin-defined */

#define MB_CAP_STREAM 0x1u          /* stream() works */
#define MB_CAP_TOOLS 0x2u           /* tool calls are passed through */
#define MB_CAP_LIST_MODELS 0x4u     /* list_models() works */
#define MB_CAP_REASONING 0x8u       /* reasoning deltas may be emitted */
#define MB_CAP_PROMPT_CACHE 0x10u   /* prompt caching and cached-token accounting */
#define MB_CAP_CONFIG_PREFIXES 0x20u /* serves prefixes named in the config (models.providers.<name>.api) */
/* since 1.1: the provider needs no API key (a local server, say): the host counts it as available without one and
 * never asks the user for one. secret_get still answers when the user configured a key anyway. The host honours
 * this bit only from a plugin that negotiated 1.1 or later; under 1.0 it is ignored, like every bit 1.0 lacks. */
#define MB_CAP_NO_API_KEY 0x40u

/*
 * A provider instance is thread-safe: the gateway calls one instance from many threads at once.
 *
 * create:      [any] build an instance from its config JSON: {"name": "<prefix>", "config": {models.providers.<name>,
 *              "baseUrl" overridden by $<NAME>_BASE_URL, "refreshCatalog": true on `models list --refresh`},
 *              "cacheDir": "<state>/cache/<name>"}. Also runs concurrently with other instances' calls and with
 *              another create (a config reload makes instances anew while the old ones still serve).
 * destroy:     [last] release an instance.
 * list_models: [any] emit one MB_EVENT_MODEL per model known to the provider.
 * complete:    [any] answer `request_json` (an OpenAI Chat Completions request whose "model" is the provider-local id)
 *              and emit one MB_EVENT_RESPONSE. `options_json` carries the per-model options of the config
 *              ({"ref", "model", "params", "provider", ...}), untouched, for the plugin to interpret.
 * stream:      [any] like complete, but emit deltas as they arrive, then MB_EVENT_USAGE (when known) and MB_EVENT_DONE.
 * get_extension: [any] a string-id extension "<name>/<rev>", or NULL.
 */
typedef struct mb_provider_vtable {
    uint32_t struct_size;
    uint32_t reserved0;
    int32_t (*create)(const mb_host_api *host, const char *config_json, size_t config_len, mb_instance **out,
                      mb_error *error);
    void (*destroy)(mb_instance *instance);
    int32_t (*list_models)(mb_instance *instance, mb_call *call, mb_error *error);
    int32_t (*complete)(mb_instance *instance, const char *request_json, size_t request_len, const char *options_json,
                        size_t options_len, mb_call *call, mb_error *error);
    int32_t (*stream)(mb_instance *instance, const char *request_json, size_t request_len, const char *options_json,
                      size_t options_len, mb_call *call, mb_error *error);
    const void *(*get_extension)(mb_instance *instance, const char *id);
} mb_provider_vtable;

/* A static description of one provider. Reading it needs no init, no network and no secrets. */
typedef struct mb_provider_descriptor {
    uint32_t struct_size;
    uint32_t capabilities;          /* MB_CAP_*: the host ignores bits the negotiated version does not define */
    const char *id;                 /* reverse-DNS, e.g. "ai.moltbot.openrouter" */
    const char *name;               /* display name */
    const char *version;            /* the provider's own version, e.g. "1.2.0" */
    const char *vendor;             /* may be NULL */
    const char *url;                /* may be NULL */
    const char *description;        /* may be NULL */
    const char *const *prefixes;    /* NULL-terminated model-ref prefixes served, e.g. {"openrouter", NULL} */
    const char *const *apis;        /* NULL-terminated config api kinds served (MB_CAP_CONFIG_PREFIXES), or NULL */
    const mb_provider_vtable *vtable;
} mb_provider_descriptor;

/* ---- Entry and negotiation ---------------------------------------------------------------------------------------- */

/* Host-owned, borrowed for the duration of the negotiate call. */
typedef struct mb_host_info {
    uint32_t struct_size;
    uint32_t abi_min;          /* lowest ABI version the host accepts (MB_ABI_MAKE_VERSION) */
    uint32_t abi_max;          /* highest ABI version the host accepts */
    uint32_t reserved0;
    const char *host_name;
    const char *host_version;
} mb_host_info;

/* Plugin-owned, static: valid from negotiate until deinit returned. */
typedef struct mb_plugin_entry {
    uint32_t struct_size;
    uint32_t abi_version;          /* the version the plugin chose, within [abi_min, abi_max] */
    uint32_t provider_count;
    uint32_t reserved0;
    const mb_provider_descriptor *const *providers; /* provider_count pointers */
    /* [loader] Called once after negotiation, before any provider function. A failure skips the plugin. */
    int32_t (*init)(const mb_host_api *host, mb_error *error);
    /* [loader] Called once before the plugin is unloaded, after every instance was destroyed. May be NULL. */
    void (*deinit)(void);
} mb_plugin_entry;

/*
 * The one exported function, named MB_ENTRY_SYMBOL. [loader]
 * Returns MB_OK with *entry set to an entry of a version within [host->abi_min, host->abi_max], or
 * MB_ERR_INCOMPATIBLE when the plugin speaks none of them.
 */
typedef int32_t (*mb_negotiate_fn)(const mb_host_info *host, const mb_plugin_entry **entry);

MB_EXPORT int32_t moltbot_plugin_negotiate(const mb_host_info *host, const mb_plugin_entry **entry);

#ifdef __cplusplus
}
#endif

#endif /* MOLTBOT_PLUGIN_H */
