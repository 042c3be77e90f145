// C++ wrappers over the host services (mb_host_api) and the call context (mb_call): logging, config and secret
// look-ups with the buffer-size protocol, HTTP with std::function callbacks, and event emission.
#pragma once

#include <moltbot/plugin.h>
#include <moltbot/sdk/guard.hpp>
#include <moltbot/sdk/json.hpp>
#include <moltbot/sdk/structs.hpp>
#include <moltbot/sdk/text.hpp>

#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace moltbot::sdk {

class Host {
public:
    // `api` is copied (zero-filling what an older host lacks); a NULL api gives a host that offers nothing.
    explicit Host(const mb_host_api *api) : api_(readStruct(api)) {}

    void log(int32_t level, std::string_view message) const {
        if (api_.log != nullptr) api_.log(api_.host_ctx, level, message.data(), message.size());
    }

    // The JSON text of a config path, or nullopt when unset or when the host has no config service.
    std::optional<std::string> configGet(const char *path) const { return lookup(api_.config_get, path); }

    // The credential the host resolved for a provider instance name, or nullopt when there is none.
    std::optional<std::string> secretGet(const char *name) const { return lookup(api_.secret_get, name); }

    struct HttpRequest {
        std::string method = "GET";
        std::string url;
        std::string headers;  // "Name: value\n" lines
        std::string body;
        uint32_t timeoutMs = 0;
        // Both return false to abort the transfer. An exception thrown by either aborts it too, and is rethrown
        // from http() once the host returned (it never crosses the host's frames).
        std::function<bool(int32_t status, std::string_view headers)> onHead;
        std::function<bool(std::string_view bytes)> onBody;
    };

    struct HttpOutcome {
        int32_t code = MB_OK;  // MB_OK when a response arrived, whatever its status
        std::string message;   // the host's message when code != MB_OK
    };

    HttpOutcome http(mb_call *call, const HttpRequest &request) const {
        if (api_.http_request == nullptr) return {MB_ERR_UNSUPPORTED, "the host offers no HTTP service"};
        Trampoline state{&request, nullptr};
        mb_http_request raw{};
        raw.struct_size = sizeof raw;
        raw.timeout_ms = request.timeoutMs;
        raw.method = request.method.c_str();
        raw.url = request.url.c_str();
        raw.headers = request.headers.empty() ? nullptr : request.headers.data();
        raw.headers_len = request.headers.size();
        raw.body = request.body.empty() ? nullptr : request.body.data();
        raw.body_len = request.body.size();
        raw.on_head = &Host::onHead;
        raw.on_body = &Host::onBody;
        raw.user = &state;
        char buffer[512] = {};
        mb_error error{};
        error.struct_size = sizeof error;
        error.message = buffer;
        error.message_capacity = sizeof buffer;
        error.retry_after_ms = -1;
        int32_t code = api_.http_request(api_.host_ctx, call, &raw, &error);
        if (state.exception) std::rethrow_exception(state.exception);
        return {code, code == MB_OK ? std::string() : std::string(buffer)};
    }

private:
    struct Trampoline {
        const HttpRequest *request;
        std::exception_ptr exception;
    };

    static int32_t onHead(void *user, int32_t status, const char *headers, size_t len) {
        auto *state = static_cast<Trampoline *>(user);
        if (!state->request->onHead) return 0;
        return invoke(*state, [&] { return state->request->onHead(status, std::string_view(headers, len)); });
    }

    static int32_t onBody(void *user, const char *data, size_t len) {
        auto *state = static_cast<Trampoline *>(user);
        if (!state->request->onBody) return 0;
        return invoke(*state, [&] { return state->request->onBody(std::string_view(data, len)); });
    }

    template <class F>
    static int32_t invoke(Trampoline &state, F &&f) noexcept {
        try {
            return f() ? 0 : 1;
        } catch (...) {
            state.exception = std::current_exception();
            return 1;
        }
    }

    using LookupFn = int32_t (*)(void *, const char *, char *, size_t *);

    // The buffer-size protocol: try a small buffer, grow to the size the host asks for, retry (the value may change
    // between calls, so a few rounds are allowed).
    std::optional<std::string> lookup(LookupFn fn, const char *key) const {
        if (fn == nullptr) return std::nullopt;
        std::string buffer(256, '\0');
        for (int attempt = 0; attempt < 4; ++attempt) {
            size_t len = buffer.size();
            int32_t rc = fn(api_.host_ctx, key, buffer.data(), &len);
            if (rc == MB_OK) {
                buffer.resize(len < buffer.size() ? len : buffer.size());
                return buffer;
            }
            if (rc == MB_ERR_NOT_FOUND) return std::nullopt;
            if (rc != MB_ERR_BUFFER_TOO_SMALL || len <= buffer.size()) {
                throw Failure(rc == MB_ERR_BUFFER_TOO_SMALL ? MB_ERR_INTERNAL : rc,
                              std::string("host look-up of \"") + key + "\" failed");
            }
            buffer.assign(len, '\0');
        }
        throw Failure(MB_ERR_INTERNAL, std::string("host look-up of \"") + key + "\" kept growing");
    }

    mb_host_api api_;
};

// The context of one plugin call: emit events, poll cancellation.
class Call {
public:
    explicit Call(mb_call *call) : call_(call) {}

    mb_call *raw() const { return call_; }

    // Delivers one event; false when the host asked to stop (the plugin then returns MB_ERR_CANCELLED). The host
    // takes UTF-8 only: bytes an upstream sent that are not UTF-8 arrive as U+FFFD rather than fail the whole call.
    bool emit(uint32_t kind, std::string_view json) const {
        if (!hasField(call_, &mb_call::emit) || call_->emit == nullptr) return true;
        if (!isValidUtf8(json)) {
            std::string repaired = toValidUtf8(json);
            return call_->emit(call_, kind, repaired.data(), repaired.size()) == 0;
        }
        return call_->emit(call_, kind, json.data(), json.size()) == 0;
    }

    // An MB_EVENT_NOTICE {"level", "message"}.
    bool notice(std::string_view level, std::string_view message) const {
        std::string json = "{\"level\":";
        json::appendString(json, level);
        json += ",\"message\":";
        json::appendString(json, message);
        json += '}';
        return emit(MB_EVENT_NOTICE, json);
    }

    bool cancelled() const {
        return hasField(call_, &mb_call::is_cancelled) && call_->is_cancelled != nullptr &&
               call_->is_cancelled(call_) != 0;
    }

private:
    mb_call *call_;
};

}  // namespace moltbot::sdk
