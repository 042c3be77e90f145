/*
 * moltbot/plugin_helpers.h - optional helpers for plugins written in C, over <moltbot/plugin.h>: status names,
 * version negotiation, the error struct and event emitters that JSON-escape their text.
 *
 * C99/C11 and C++ clean; needs only <stdint.h>, <stddef.h> and <string.h> (no allocation, no stdio). Every function
 * is `static inline`: including this header adds no symbol to a plugin, which still exports only
 * moltbot_plugin_negotiate. Nothing here is part of the ABI: a plugin may copy, change or ignore any of it.
 *
 *   #include <moltbot/plugin_helpers.h>
 *
 *   MB_PLUGIN_NEGOTIATE(&my_entry)                  defines the exported entry point (at file scope)
 *   return mb_set_error(error, MB_ERR_AUTH, "no key");
 *   if ((rc = mb_emit_text_delta(call, text, len)) != MB_OK) return rc;
 *   mb_emit_usage(call, 12, 34);
 *   return mb_emit_done(call, "stop");
 */
#ifndef MOLTBOT_PLUGIN_HELPERS_H
#define MOLTBOT_PLUGIN_HELPERS_H

#include <moltbot/plugin.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Status names ------------------------------------------------------------------------------------------------ */

/* The name of a status, as moltbot shows it ("ok", "rate_limited", ...); "unknown" for a value not listed here. */
static inline const char *mb_status_name(int32_t status) {
    switch (status) {
    case MB_OK: return "ok";
    case MB_ERR_INVALID_ARGUMENT: return "invalid_argument";
    case MB_ERR_UNSUPPORTED: return "unsupported";
    case MB_ERR_INCOMPATIBLE: return "incompatible";
    case MB_ERR_CANCELLED: return "cancelled";
    case MB_ERR_TIMEOUT: return "timeout";
    case MB_ERR_TRANSPORT: return "transport";
    case MB_ERR_HTTP: return "http";
    case MB_ERR_AUTH: return "auth";
    case MB_ERR_PAYMENT: return "payment";
    case MB_ERR_RATE_LIMITED: return "rate_limited";
    case MB_ERR_NOT_FOUND: return "not_found";
    case MB_ERR_UPSTREAM_PROTOCOL: return "upstream_protocol";
    case MB_ERR_INTERNAL: return "internal";
    case MB_ERR_BUFFER_TOO_SMALL: return "buffer_too_small";
    case MB_ERR_INVALID_REQUEST: return "invalid_request";
    case MB_ERR_MODERATION: return "moderation";
    case MB_ERR_UNAVAILABLE: return "unavailable";
    default: return "unknown";
    }
}

/* ---- Negotiation ------------------------------------------------------------------------------------------------- */

/* Whether the struct at `ptr` (whose struct_size the other side set) is large enough to hold `field`. */
#define MB_HAS_FIELD(ptr, type, field) \
    ((ptr) != NULL && (ptr)->struct_size >= offsetof(type, field) + sizeof(((type *)0)->field))

/*
 * Picks, among `count` entries (one per ABI version the plugin speaks), the one of the highest version within the
 * host's [abi_min, abi_max]: MB_OK with *out set, MB_ERR_INCOMPATIBLE when there is none, MB_ERR_INVALID_ARGUMENT for
 * NULL pointers or a host_info too small to hold the range.
 */
static inline int32_t mb_negotiate_entries(const mb_host_info *host, const mb_plugin_entry **out,
                                           const mb_plugin_entry *const *entries, size_t count) {
    const mb_plugin_entry *best = NULL;
    size_t i;
    if (!MB_HAS_FIELD(host, mb_host_info, abi_max) || out == NULL || (entries == NULL && count > 0)) {
        return MB_ERR_INVALID_ARGUMENT;
    }
    for (i = 0; i < count; ++i) {
        const mb_plugin_entry *entry = entries[i];
        if (entry == NULL || entry->abi_version < host->abi_min || entry->abi_version > host->abi_max) continue;
        if (best == NULL || entry->abi_version > best->abi_version) best = entry;
    }
    if (best == NULL) return MB_ERR_INCOMPATIBLE;
    *out = best;
    return MB_OK;
}

/*
 * Defines the exported entry point over the plugin's entries, at file scope: `MB_PLUGIN_NEGOTIATE(&my_entry);`.
 * (The closing declaration only takes the semicolon, which would otherwise be an empty declaration.)
 */
#define MB_PLUGIN_NEGOTIATE(...)                                                                                     \
    MB_EXPORT int32_t moltbot_plugin_negotiate(const mb_host_info *mb_host_, const mb_plugin_entry **mb_entry_) {  \
        static const mb_plugin_entry *const mb_entries_[] = {__VA_ARGS__};                                       \
        return mb_negotiate_entries(mb_host_, mb_entry_, mb_entries_, sizeof mb_entries_ / sizeof mb_entries_[0]); \
    }                                                                                                                \
    extern int mb_plugin_negotiate_defined_

/* ---- Errors ------------------------------------------------------------------------------------------------------ */

/*
 * Fills the host's error struct (the fields its struct_size holds) and returns `code`, so that a failure is
 * `return mb_set_error(error, MB_ERR_..., "...")`. The message is cut to fit, never inside a UTF-8 sequence.
 */
static inline int32_t mb_set_error(mb_error *error, int32_t code, const char *message) {
    if (MB_HAS_FIELD(error, mb_error, code)) error->code = code;
    if (MB_HAS_FIELD(error, mb_error, message) && error->message != NULL && error->message_capacity > 0) {
        size_t n = message != NULL ? strlen(message) : 0;
        if (n >= error->message_capacity) {
            n = error->message_capacity - 1;
            while (n > 0 && ((unsigned char)message[n] & 0xC0u) == 0x80u) --n; /* back to a lead byte */
        }
        if (n > 0) memcpy(error->message, message, n);
        error->message[n] = '\0';
    }
    return code;
}

/* ---- Events ------------------------------------------------------------------------------------------------------ */

/* One event with a NUL-terminated JSON payload: MB_OK, or MB_ERR_CANCELLED when the host asked to stop. */
static inline int32_t mb_emit(mb_call *call, uint32_t kind, const char *json) {
    if (call == NULL || call->emit == NULL || json == NULL) return MB_ERR_INVALID_ARGUMENT;
    return call->emit(call, kind, json, strlen(json)) == 0 ? MB_OK : MB_ERR_CANCELLED;
}

/* Appends byte `c` as JSON string content at buf[*n]: at most 6 bytes (\u00XX), which the caller has room for. */
static inline void mb_json_escape_(char *buf, size_t *n, unsigned char c) {
    static const char hex[] = "0123456789abcdef";
    if (c >= 0x20 && c != '"' && c != '\\') {
        buf[(*n)++] = (char)c;
        return;
    }
    buf[(*n)++] = '\\';
    switch (c) {
    case '"': buf[(*n)++] = '"'; break;
    case '\\': buf[(*n)++] = '\\'; break;
    case '\n': buf[(*n)++] = 'n'; break;
    case '\r': buf[(*n)++] = 'r'; break;
    case '\t': buf[(*n)++] = 't'; break;
    default:
        memcpy(buf + *n, "u00", 3);
        buf[*n + 3] = hex[c >> 4];
        buf[*n + 4] = hex[c & 0xFu];
        *n += 5;
    }
}

/* The JSON of a string member is at most this long per event; a longer text goes out as several events. */
#define MB_EMIT_TEXT_BYTES 1024

/*
 * {"text": "<text, JSON-escaped>"} as event `kind` (MB_EVENT_TEXT_DELTA or MB_EVENT_REASONING_DELTA). `text` is
 * UTF-8 of `len` bytes, not NUL-terminated; a long one is split into several deltas between characters. Nothing is
 * emitted for an empty text. MB_OK, or MB_ERR_CANCELLED when the host asked to stop.
 */
static inline int32_t mb_emit_text_event(mb_call *call, uint32_t kind, const char *text, size_t len) {
    static const char prefix[] = "{\"text\":\"";
    const size_t start = sizeof prefix - 1;
    char buf[MB_EMIT_TEXT_BYTES];
    size_t n = start;
    size_t i;
    if (call == NULL || call->emit == NULL || (text == NULL && len > 0)) return MB_ERR_INVALID_ARGUMENT;
    memcpy(buf, prefix, start);
    for (i = 0; i <= len; ++i) {
        unsigned char c = i < len ? (unsigned char)text[i] : 0;
        /* Flush at the end, before a character that starts near the end of the buffer, or (inside bytes that are
         * not UTF-8) when the longest escape plus the closing "} would not fit. */
        int lead = (c & 0xC0u) != 0x80u;
        if (n > start && (i == len || (lead && n + 16 > sizeof buf) || n + 8 > sizeof buf)) {
            buf[n++] = '"';
            buf[n++] = '}';
            if (call->emit(call, kind, buf, n) != 0) return MB_ERR_CANCELLED;
            n = start;
        }
        if (i < len) mb_json_escape_(buf, &n, c);
    }
    return MB_OK;
}

static inline int32_t mb_emit_text_delta(mb_call *call, const char *text, size_t len) {
    return mb_emit_text_event(call, MB_EVENT_TEXT_DELTA, text, len);
}

static inline int32_t mb_emit_reasoning_delta(mb_call *call, const char *text, size_t len) {
    return mb_emit_text_event(call, MB_EVENT_REASONING_DELTA, text, len);
}

/* Appends the decimal digits of `value` at buf[*n] (at most 20 bytes). */
static inline void mb_append_int_(char *buf, size_t *n, int64_t value) {
    char digits[20];
    size_t count = 0;
    uint64_t magnitude = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    if (value < 0) buf[(*n)++] = '-';
    do {
        digits[count++] = (char)('0' + (int)(magnitude % 10u));
        magnitude /= 10u;
    } while (magnitude > 0);
    while (count > 0) buf[(*n)++] = digits[--count];
}

/* {"prompt_tokens": n, "completion_tokens": m}. MB_OK, or MB_ERR_CANCELLED when the host asked to stop. */
static inline int32_t mb_emit_usage(mb_call *call, int64_t prompt_tokens, int64_t completion_tokens) {
    char buf[96];
    size_t n = 0;
    memcpy(buf, "{\"prompt_tokens\":", 17);
    n = 17;
    mb_append_int_(buf, &n, prompt_tokens);
    memcpy(buf + n, ",\"completion_tokens\":", 21);
    n += 21;
    mb_append_int_(buf, &n, completion_tokens);
    buf[n++] = '}';
    buf[n] = '\0';
    return mb_emit(call, MB_EVENT_USAGE, buf);
}

/* {"finish_reason": "<reason>"} ("stop" when NULL; at most 64 bytes of it), the last event of a stream. */
static inline int32_t mb_emit_done(mb_call *call, const char *finish_reason) {
    static const char prefix[] = "{\"finish_reason\":\"";
    char buf[sizeof prefix + 6 * 64 + 2];
    size_t n = sizeof prefix - 1;
    const char *reason = finish_reason != NULL ? finish_reason : "stop";
    size_t i;
    memcpy(buf, prefix, n);
    for (i = 0; reason[i] != '\0' && i < 64; ++i) mb_json_escape_(buf, &n, (unsigned char)reason[i]);
    buf[n++] = '"';
    buf[n++] = '}';
    buf[n] = '\0';
    return mb_emit(call, MB_EVENT_DONE, buf);
}

#ifdef __cplusplus
}
#endif

#endif /* MOLTBOT_PLUGIN_HELPERS_H */
