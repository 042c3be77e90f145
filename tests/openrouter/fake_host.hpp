// A fake host for the plugin tests: an mb_host_api whose http_request replays canned answers (body delivered in
// small pieces, so every parser sees split input) and records the requests, plus an mb_call that records events.
#pragma once

#include "tests/sdk/event_list.hpp"

#include <moltbot/plugin.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace moltbot::openrouter::test {

struct Canned {
    int32_t status = 200;
    std::string headers;  // "Name: value\r\n" lines after the status line
    std::string body;
    int32_t transportError = MB_OK;  // non-zero: fail the transfer without an answer
};

struct Recorded {
    std::string method, url, headers, body;
};

class FakeHost {
public:
    FakeHost() {
        api_.struct_size = sizeof api_;
        api_.abi_version = MB_ABI_CURRENT;
        api_.host_name = "fake";
        api_.host_version = "0";
        api_.host_ctx = this;
        api_.log = &FakeHost::log;
        api_.config_get = &FakeHost::configGet;
        api_.secret_get = &FakeHost::secretGet;
        api_.http_request = &FakeHost::http;
    }
    FakeHost(const FakeHost &) = delete;
    FakeHost &operator=(const FakeHost &) = delete;

    const mb_host_api *api() const { return &api_; }

    // Answers for URLs ending in `suffix`, in order, the last one repeating; replaces earlier answers of the route.
    void route(const std::string &suffix, std::vector<Canned> answers) {
        routes_[suffix] = std::deque<Canned>(answers.begin(), answers.end());
    }
    void route(const std::string &suffix, Canned answer) { route(suffix, std::vector<Canned>{std::move(answer)}); }

    std::map<std::string, std::string> secrets;
    std::vector<Recorded> requests;
    std::vector<std::string> logs;
    std::size_t pieceSize = 7;  // body bytes per on_body call
    std::atomic<int> aborts{0};  // transfers a callback ended before the body's end

    std::vector<Recorded> requestsTo(const std::string &suffix) const {
        std::vector<Recorded> out;
        for (const auto &r : requests) {
            if (endsWith(r.url, suffix)) out.push_back(r);
        }
        return out;
    }

private:
    static bool endsWith(const std::string &text, const std::string &suffix) {
        return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
    }

    static void log(void *ctx, int32_t, const char *message, size_t len) {
        auto *self = static_cast<FakeHost *>(ctx);
        std::lock_guard<std::mutex> lock(self->mutex_);
        self->logs.emplace_back(message, len);
    }

    static int32_t lookup(const std::map<std::string, std::string> &values, const char *key, char *buf, size_t *len) {
        auto it = values.find(key);
        if (it == values.end()) return MB_ERR_NOT_FOUND;
        if (*len < it->second.size() + 1) {
            *len = it->second.size() + 1;
            return MB_ERR_BUFFER_TOO_SMALL;
        }
        std::memcpy(buf, it->second.c_str(), it->second.size() + 1);
        *len = it->second.size();
        return MB_OK;
    }

    static int32_t configGet(void *, const char *, char *, size_t *) { return MB_ERR_NOT_FOUND; }

    static int32_t secretGet(void *ctx, const char *name, char *buf, size_t *len) {
        return lookup(static_cast<FakeHost *>(ctx)->secrets, name, buf, len);
    }

    // Thread-safe like a real host: the log and the routes are locked, the callbacks run unlocked.
    static int32_t http(void *ctx, mb_call *, const mb_http_request *request, mb_error *error) {
        auto *self = static_cast<FakeHost *>(ctx);
        std::string url = request->url;
        Canned answer;
        {
            std::lock_guard<std::mutex> lock(self->mutex_);
            self->requests.push_back({request->method, url,
                                      request->headers ? std::string(request->headers, request->headers_len) : "",
                                      request->body ? std::string(request->body, request->body_len) : ""});
            std::deque<Canned> *answers = nullptr;
            std::size_t best = 0;
            for (auto &[suffix, queue] : self->routes_) {
                if (endsWith(url, suffix) && suffix.size() >= best) {
                    answers = &queue;
                    best = suffix.size();
                }
            }
            if (answers == nullptr || answers->empty()) return fail(error, MB_ERR_TRANSPORT, "no route");
            answer = answers->front();
            if (answers->size() > 1) answers->pop_front();
        }
        if (answer.transportError != MB_OK) return fail(error, answer.transportError, "canned transport failure");
        std::string head = "HTTP/1.1 " + std::to_string(answer.status) + " Canned\r\n" + answer.headers + "\r\n";
        if (request->on_head && request->on_head(request->user, answer.status, head.data(), head.size()) != 0) {
            ++self->aborts;
            return fail(error, MB_ERR_CANCELLED, "aborted by the head callback");
        }
        for (std::size_t at = 0; at < answer.body.size(); at += self->pieceSize) {
            std::size_t n = std::min(self->pieceSize, answer.body.size() - at);
            if (request->on_body && request->on_body(request->user, answer.body.data() + at, n) != 0) {
                ++self->aborts;
                return fail(error, MB_ERR_CANCELLED, "aborted by the body callback");
            }
        }
        return MB_OK;
    }

    static int32_t fail(mb_error *error, int32_t code, const char *message) {
        error->code = code;
        std::snprintf(error->message, error->message_capacity, "%s", message);
        return code;
    }

    mb_host_api api_{};
    std::mutex mutex_;
    std::map<std::string, std::deque<Canned>> routes_;
};

// An mb_call that records every event; stopAfter >= 0 makes emit ask to stop once that many were delivered.
struct Events {
    Events() {
        call.struct_size = sizeof call;
        call.emit = &Events::emit;
        call.is_cancelled = &Events::isCancelled;
        call.host_data = this;
    }
    Events(const Events &) = delete;
    Events &operator=(const Events &) = delete;

    sdk::test::EventList list;
    int stopAfter = -1;
    bool cancelled = false;
    mb_call call{};

    std::vector<std::string> of(uint32_t kind) const { return sdk::test::payloadsOf(list, kind); }
    std::vector<uint32_t> kinds() const { return sdk::test::kindsOf(list); }

private:
    static int32_t emit(mb_call *call, uint32_t kind, const char *json, size_t len) {
        auto *self = static_cast<Events *>(call->host_data);
        self->list.emplace_back(kind, std::string(json, len));
        return self->stopAfter >= 0 && static_cast<int>(self->list.size()) >= self->stopAfter ? 1 : 0;
    }
    static int32_t isCancelled(mb_call *call) { return static_cast<Events *>(call->host_data)->cancelled ? 1 : 0; }
};

inline const char *kSseHeaders = "Content-Type: text/event-stream\r\n";
inline const char *kJsonHeaders = "Content-Type: application/json\r\n";

}  // namespace moltbot::openrouter::test
