// How an OpenAI-style API's failures become ABI status codes. One rule serves both places an upstream reports one:
// an HTTP error status with its body, and an {"error": {...}} object under HTTP 200 (a complete() body or a stream
// chunk). The status (the HTTP one, or the `code`/`status` inside the error object) picks the MB_ERR_* code
// (sdk::statusCode); the error object gives the message; Retry-After the wait. A Dialect lets a provider add what its
// upstream puts beside that (OpenRouter's metadata, for one) without copying the rest.
#pragma once

#include <moltbot/plugin.h>
#include <moltbot/sdk/guard.hpp>
#include <moltbot/sdk/http.hpp>
#include <moltbot/sdk/json.hpp>

#include <rapidjson/document.h>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace moltbot::sdk::openai {

constexpr std::size_t kMaxMessageChars = 400;  // an upstream's own message inside ours
constexpr std::size_t kMaxBodyChars = 300;     // a non-JSON error body quoted in a message

// Upstream text made fit for a one-line message: trimmed, control characters become spaces, cut at `limit` bytes
// (never inside a UTF-8 sequence) with "..." when longer.
inline std::string excerpt(std::string_view text, std::size_t limit) {
    text = trim(text);
    std::size_t n = utf8Prefix(text, limit);
    std::string out;
    out.reserve(n + 3);
    for (char c : text.substr(0, n)) out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c;
    if (n < text.size()) out += "...";
    return out;
}

// The reason phrase of the status line ("HTTP/1.1 502 Bad Gateway" -> "Bad Gateway"), or "".
inline std::string_view reasonPhrase(std::string_view headers) {
    std::string_view line = headers.substr(0, headers.find_first_of("\r\n"));
    std::size_t first = line.find(' ');
    if (first == std::string_view::npos) return {};
    std::size_t second = line.find(' ', first + 1);
    return second == std::string_view::npos ? std::string_view() : trim(line.substr(second + 1));
}

// The HTTP-like status an error object carries in `code` or `status` (a number, or a string of digits), or 0 when
// it has none (OpenAI's own codes are words such as "server_error").
inline int32_t errorStatus(const rapidjson::Value &error) {
    for (const char *key : {"code", "status"}) {
        const rapidjson::Value *value = json::member(error, key);
        int64_t status = 0;
        if (value != nullptr && value->IsNumber()) {
            status = json::getInt(error, key, 0);
        } else if (value != nullptr && value->IsString()) {
            std::string_view digits = json::view(*value);
            auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), status);
            if (ec != std::errc() || end != digits.data() + digits.size()) status = 0;
        }
        if (status >= 100 && status <= 599) return static_cast<int32_t>(status);
    }
    return 0;
}

// A failure the upstream reported. `invalidModel` marks an answer saying the requested model does not exist
// (MB_ERR_NOT_FOUND), so that a plugin can add the closest ids it knows.
class UpstreamFailure : public Failure {
public:
    UpstreamFailure(int32_t code, std::string message, int32_t httpStatus, int64_t retryAfterMs, bool invalidModel)
        : Failure(code, std::move(message), httpStatus, retryAfterMs), invalidModel_(invalidModel) {}
    bool invalidModel() const { return invalidModel_; }

private:
    bool invalidModel_;
};

// What a provider adapts of the shared rules. The defaults read OpenAI's error object; a provider overrides what its
// upstream does differently. Called from many threads at once: overrides keep no mutable state.
class Dialect {
public:
    explicit Dialect(std::string name) : name_(std::move(name)) {}
    virtual ~Dialect() = default;

    // Leads every message: "<name> HTTP 429: ...", "<name> stream error 502: ...", "<name> request failed: ...".
    const std::string &name() const { return name_; }

    // The user-facing text of an error object: its message.
    virtual std::string describe(const rapidjson::Value &error) const {
        return excerpt(json::getString(error, "message", "unknown error"), kMaxMessageChars);
    }

    // How long the upstream asked to wait, in ms, or -1: the Retry-After header (seconds or an HTTP-date). `error`
    // is the error object, or nullptr.
    virtual int64_t retryAfterMs(std::string_view headers, const rapidjson::Value *error, int64_t nowMs) const {
        (void)error;
        std::optional<std::string_view> value = headerValue(headers, "Retry-After");
        return value ? parseRetryAfter(*value, nowMs).value_or(-1) : -1;
    }

    // Whether an error says the requested model does not exist; `status` is the HTTP status or the error object's
    // own (0: none). OpenAI says so with the code "model_not_found".
    virtual bool invalidModel(int32_t status, const rapidjson::Value &error) const {
        (void)status;
        return json::getString(error, "code") == "model_not_found";
    }

private:
    std::string name_;
};

// The failure for an HTTP error answer. The message is the body's error object as the dialect describes it, else its
// {"error": "text"} (Ollama), a plain-text body, or the status line's reason phrase (an HTML page says nothing
// useful in one line).
inline UpstreamFailure httpFailure(const Dialect &dialect, int32_t httpStatus, std::string_view headers,
                                   std::string_view body, int64_t nowMs) {
    std::string prefix = dialect.name() + " HTTP " + std::to_string(httpStatus) + ": ";
    std::string_view text = trim(body);
    rapidjson::Document doc;
    const rapidjson::Value *error = json::parse(doc, text) ? json::member(doc, "error") : nullptr;
    if (error != nullptr && error->IsObject()) {
        bool invalidModel = dialect.invalidModel(httpStatus, *error);
        return {invalidModel ? MB_ERR_NOT_FOUND : statusCode(httpStatus), prefix + dialect.describe(*error), httpStatus,
                dialect.retryAfterMs(headers, error, nowMs), invalidModel};
    }
    std::string message;
    if (error != nullptr && error->IsString()) {
        message = excerpt(json::view(*error), kMaxBodyChars);
    } else if (!text.empty() && text.front() != '<' && !doc.IsObject()) {
        message = excerpt(text, kMaxBodyChars);
    } else {
        message = reasonPhrase(headers);
    }
    if (message.empty()) message = "no error details";
    return {statusCode(httpStatus), prefix + message, httpStatus, dialect.retryAfterMs(headers, nullptr, nowMs), false};
}

// The failure for an error object that arrived under HTTP 200 (`where`: "response" or "stream"), classified like an
// HTTP error by the status inside it. Without one, or with one no precise code covers, it is MB_ERR_UNAVAILABLE: an
// error after the upstream started answering is most often a provider failure.
inline UpstreamFailure errorFailure(const Dialect &dialect, const rapidjson::Value &error, std::string_view where,
                                    int64_t nowMs) {
    int32_t status = errorStatus(error);
    int32_t code = status >= 400 ? statusCode(status) : MB_ERR_UNAVAILABLE;
    if (code == MB_ERR_HTTP) code = MB_ERR_UNAVAILABLE;
    bool invalidModel = dialect.invalidModel(status, error);
    std::string prefix = dialect.name() + " " + std::string(where) + " error";
    if (status > 0) prefix += " " + std::to_string(status);
    return {invalidModel ? MB_ERR_NOT_FOUND : code, prefix + ": " + dialect.describe(error), 200,
            dialect.retryAfterMs({}, &error, nowMs), invalidModel};
}

}  // namespace moltbot::sdk::openai
