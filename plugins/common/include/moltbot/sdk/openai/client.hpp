// The HTTP side of an OpenAI-style API, through the host's transport (so proxies, TLS and cancellation come free).
// chat() POSTs a Chat Completions body and turns the answer into events (translate.hpp); fetch() is the bounded
// exchange beneath it, for a provider's other endpoints. What every provider gets alike:
//
//  - a complete() answer is kept up to Limits::maxResponseBytes; a stream is read event by event, each at most
//    Limits::maxEventBytes, never the whole of it;
//  - an error answer is kept up to Limits::maxErrorBytes (cut on purpose) and classified (errors.hpp);
//  - a stream request answered with JSON instead of an event stream is classified as an error object, or refused;
//  - after "[DONE]" the rest of the body is read and dropped rather than aborted, so that the host can reuse the
//    connection; nothing more is emitted. An upstream that sends more than Limits::maxDrainBytes after it, or a
//    cancellation, ends the transfer instead (the answer is complete either way);
//  - the call's cancellation aborts the transfer and returns MB_ERR_CANCELLED;
//  - the API key never appears in a failure's message, whatever the upstream echoes.
#pragma once

#include <moltbot/plugin.h>
#include <moltbot/sdk/guard.hpp>
#include <moltbot/sdk/host.hpp>
#include <moltbot/sdk/http.hpp>
#include <moltbot/sdk/json.hpp>
#include <moltbot/sdk/openai/errors.hpp>
#include <moltbot/sdk/openai/translate.hpp>
#include <moltbot/sdk/sse.hpp>

#include <rapidjson/document.h>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace moltbot::sdk::openai {

// What one answer may hold in memory.
struct Limits {
    std::size_t maxResponseBytes = std::size_t{16} << 20;          // a complete() answer, any success body
    std::size_t maxErrorBytes = std::size_t{64} << 10;             // an error body
    std::size_t maxEventBytes = SseReader::kDefaultMaxEventBytes;  // one event of a stream
    std::size_t maxDrainBytes = std::size_t{64} << 10;             // read after "[DONE]"
};

inline bool isSuccess(int32_t status) { return status >= 200 && status <= 299; }

namespace detail {

inline std::string sizeText(std::size_t bytes) {
    constexpr std::size_t kMiB = std::size_t{1} << 20;
    return bytes % kMiB == 0 ? std::to_string(bytes / kMiB) + " MiB" : std::to_string(bytes) + " bytes";
}

inline std::optional<std::uint64_t> contentLength(std::string_view headers) {
    std::string_view text = headerValue(headers, "Content-Length").value_or("");
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// A chat stream is SSE; a JSON body under 2xx is an error answer that came instead of the stream.
inline bool isEventStream(std::string_view headers) {
    std::optional<std::string_view> type = headerValue(headers, "Content-Type");
    return !type || type->find("text/event-stream") != std::string_view::npos;
}

}  // namespace detail

// One HTTP answer, its body kept up to a bound: maxResponseBytes for a success (beyond it the transfer stops and
// `overflow` is set; a Content-Length over the bound stops it before any body arrives), maxErrorBytes for an error
// (cut on purpose: what arrived is still classified).
struct Exchange {
    explicit Exchange(const Limits &bounds = {}) : limits(bounds) {}

    Limits limits;
    int32_t status = 0;
    std::string headers;
    std::string body;
    bool overflow = false;

    bool ok() const { return isSuccess(status); }

    // The transfer callbacks: false stops the transfer.
    bool onHead(int32_t answerStatus, std::string_view answerHeaders) {
        status = answerStatus;
        headers.assign(answerHeaders);
        if (!ok()) return true;
        std::optional<std::uint64_t> length = detail::contentLength(headers);
        if (length && *length > limits.maxResponseBytes) {
            overflow = true;
            return false;
        }
        if (length) body.reserve(static_cast<std::size_t>(*length));  // one allocation, not a doubling series
        return true;
    }

    bool onBody(std::string_view bytes) {
        std::size_t limit = ok() ? limits.maxResponseBytes : limits.maxErrorBytes;
        if (body.size() + bytes.size() > limit) {
            body.append(bytes.substr(0, limit - body.size()));
            overflow = true;
            return false;
        }
        body.append(bytes);
        return true;
    }

    // After the transfer: throws when it failed (no answer), or when a success's body exceeded its bound.
    void check(const Host::HttpOutcome &outcome, const Dialect &dialect) const {
        if (overflow && ok()) {
            throw Failure(MB_ERR_UPSTREAM_PROTOCOL,
                          dialect.name() + " response larger than " + detail::sizeText(limits.maxResponseBytes));
        }
        if (outcome.code == MB_OK || overflow) return;  // an oversized error body was cut on purpose
        if (outcome.code == MB_ERR_CANCELLED) throw Failure(MB_ERR_CANCELLED, "cancelled");
        throw Failure(outcome.code, dialect.name() + " request failed: " + outcome.message);
    }
};

// Runs `request` (its callbacks become the exchange's) and returns the answer, whatever its HTTP status (the caller
// classifies an error with httpFailure); throws when the transfer itself failed.
inline Exchange fetch(const Host &host, const Call &call, const Dialect &dialect, Host::HttpRequest request,
                      const Limits &limits = {}) {
    Exchange exchange{limits};
    request.onHead = [&](int32_t status, std::string_view headers) { return exchange.onHead(status, headers); };
    request.onBody = [&](std::string_view bytes) { return exchange.onBody(bytes); };
    exchange.check(host.http(call.raw(), request), dialect);
    return exchange;
}

// The headers of a request: the key as a Bearer token (none when empty, for servers that need none), Content-Type
// for a JSON body, Accept, then `extra` ("Name: value\n" lines). A key with a line break would inject headers: it
// is refused as MB_ERR_AUTH.
inline std::string requestHeaders(const Dialect &dialect, std::string_view apiKey, std::string_view accept,
                                  bool jsonBody, std::string_view extra) {
    if (apiKey.find_first_of("\r\n") != std::string_view::npos) {
        throw Failure(MB_ERR_AUTH, "The API key for " + dialect.name() + " contains a line break.");
    }
    std::string out;
    if (!apiKey.empty()) out.append("Authorization: Bearer ").append(apiKey).append("\n");
    if (jsonBody) out += "Content-Type: application/json\n";
    out.append("Accept: ").append(accept).append("\n");
    return out.append(extra);
}

// Where chat() sends a request.
struct Endpoint {
    std::string url;      // the Chat Completions URL, e.g. "https://api.example.com/v1/chat/completions"
    std::string apiKey;   // sent as "Authorization: Bearer <key>"; empty: no Authorization header
    std::string headers;  // more "Name: value\n" lines (attribution, the config's own headers)
    uint32_t timeoutMs = 0;  // total time of one request; 0: the host's connect and idle-read timeouts only
    Limits limits;
};

namespace detail {

// Rethrows the exception being handled, as an UpstreamFailure with the secret replaced when its message holds it.
[[noreturn]] inline void rethrowRedacted(const Failure &failure, std::string_view secret) {
    constexpr std::string_view kMark = "[redacted]";
    std::string message = failure.message();
    std::size_t at = secret.empty() ? std::string::npos : message.find(secret);
    if (at == std::string::npos) throw;
    for (; at != std::string::npos; at = message.find(secret, at + kMark.size())) {
        message.replace(at, secret.size(), kMark);
    }
    const auto *upstream = dynamic_cast<const UpstreamFailure *>(&failure);
    throw UpstreamFailure(failure.code(), std::move(message), failure.httpStatus(), failure.retryAfterMs(),
                          upstream != nullptr && upstream->invalidModel());
}

inline int32_t completeChat(const Host &host, const Call &call, const Dialect &dialect, const Limits &limits,
                            Host::HttpRequest request) {
    Exchange answer = fetch(host, call, dialect, std::move(request), limits);
    if (!answer.ok()) throw httpFailure(dialect, answer.status, answer.headers, answer.body, nowMs());
    EventSink sink = [&call](uint32_t kind, std::string_view json) { return call.emit(kind, json); };
    return translateResponse(answer.body, sink, dialect, nowMs()) ? MB_OK : MB_ERR_CANCELLED;
}

inline int32_t streamChat(const Host &host, const Call &call, const Dialect &dialect, const Limits &limits,
                          Host::HttpRequest request) {
    using Step = StreamTranslator::Step;
    Exchange answer{limits};  // the status and headers; the body only when the answer is not a stream
    bool sse = false;
    std::size_t drained = 0;
    SseReader reader(limits.maxEventBytes);
    StreamTranslator translator([&call](uint32_t kind, std::string_view json) { return call.emit(kind, json); },
                                dialect, nowMs());
    Step step = Step::more;
    auto onEvent = [&](const SseEvent &event) {
        step = translator.onData(event.data);
        return step == Step::more;
    };
    auto checkSize = [&](SseStatus status) {
        if (status == SseStatus::tooLarge) {
            throw Failure(MB_ERR_UPSTREAM_PROTOCOL, "a stream event from " + dialect.name() + " exceeds " +
                                                        std::to_string(limits.maxEventBytes) + " bytes");
        }
    };
    request.onHead = [&](int32_t status, std::string_view headers) {
        sse = isSuccess(status) && isEventStream(headers);
        if (!sse) return answer.onHead(status, headers);
        answer.status = status;  // a stream is bounded per event, not as a whole
        answer.headers.assign(headers);
        return true;
    };
    request.onBody = [&](std::string_view bytes) {
        if (step == Step::done) return (drained += bytes.size()) <= limits.maxDrainBytes && !call.cancelled();
        if (!sse) return answer.onBody(bytes);
        if (call.cancelled()) {
            step = Step::cancelled;
            return false;
        }
        SseStatus status = reader.feed(bytes, onEvent);
        checkSize(status);
        return status == SseStatus::ok || step == Step::done;  // past "[DONE]": drain
    };
    Host::HttpOutcome outcome = host.http(call.raw(), request);
    if (step == Step::cancelled) return MB_ERR_CANCELLED;
    if (step == Step::done) return MB_OK;
    answer.check(outcome, dialect);
    if (!answer.ok()) throw httpFailure(dialect, answer.status, answer.headers, answer.body, nowMs());
    if (!sse) {
        rapidjson::Document doc;
        const rapidjson::Value *error = json::parse(doc, answer.body) ? json::getObject(doc, "error") : nullptr;
        if (error != nullptr) throw errorFailure(dialect, *error, "response", nowMs());
        throw Failure(MB_ERR_UPSTREAM_PROTOCOL, dialect.name() + " answered a stream request without an event stream");
    }
    checkSize(reader.finish(onEvent));
    if (step == Step::more) step = translator.onEnd();
    return step == Step::cancelled ? MB_ERR_CANCELLED : MB_OK;
}

}  // namespace detail

// POSTs a Chat Completions body (requestHeaders, request.hpp) and emits what comes back: for a stream the deltas,
// usage and done; for a complete() the meta, response and usage. Returns MB_OK or MB_ERR_CANCELLED; throws a Failure
// (an UpstreamFailure for what the upstream reported) for everything else.
inline int32_t chat(const Host &host, const Call &call, const Dialect &dialect, const Endpoint &endpoint,
                    std::string body, bool stream) {
    try {
        if (call.cancelled()) return MB_ERR_CANCELLED;
        Host::HttpRequest request;
        request.method = "POST";
        request.url = endpoint.url;
        request.headers = requestHeaders(dialect, endpoint.apiKey, stream ? "text/event-stream" : "application/json",
                                         true, endpoint.headers);
        request.body = std::move(body);
        request.timeoutMs = endpoint.timeoutMs;
        return stream ? detail::streamChat(host, call, dialect, endpoint.limits, std::move(request))
                      : detail::completeChat(host, call, dialect, endpoint.limits, std::move(request));
    } catch (const Failure &failure) {
        detail::rethrowRedacted(failure, endpoint.apiKey);
    }
}

}  // namespace moltbot::sdk::openai
