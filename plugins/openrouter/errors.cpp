#include "errors.hpp"

#include <moltbot/plugin.h>
#include <moltbot/sdk/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace moltbot::openrouter {

namespace json = sdk::json;

namespace {

constexpr std::size_t kMaxRawChars = 400;   // the upstream's own text (metadata.raw) inside a message
constexpr std::size_t kMaxTextChars = 300;  // a non-JSON error body quoted in a message

using sdk::equalsIgnoreCase;
using sdk::trim;

// Upstream text made fit for a one-line message: control characters become spaces, long text is cut.
std::string excerpt(std::string_view text, std::size_t limit) {
    text = trim(text);
    std::string out;
    std::size_t n = sdk::utf8Prefix(text, limit);
    out.reserve(n + 3);
    for (char c : text.substr(0, n)) out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c;
    if (n < text.size()) out += "...";
    return out;
}

// Delays and reset times beyond this (about 30 years in seconds, or epoch ms) are nonsense, and converting larger
// doubles to integers would be undefined.
constexpr double kMaxTime = 1e15;

std::optional<double> plausible(double value) {
    return std::isfinite(value) && value >= 0 && value <= kMaxTime ? std::optional<double>(value) : std::nullopt;
}

std::optional<double> parseNumber(std::string_view text) {
    text = trim(text);
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return plausible(value);
}

// A number given as a JSON number or a numeric string.
std::optional<double> numberOf(const rapidjson::Value &v) {
    if (v.IsNumber()) return plausible(v.GetDouble());
    if (v.IsString()) return parseNumber(json::view(v));
    return std::nullopt;
}

std::optional<double> numberMember(const rapidjson::Value *object, const char *name) {
    const rapidjson::Value *v = object != nullptr ? json::member(*object, name) : nullptr;
    return v != nullptr ? numberOf(*v) : std::nullopt;
}

// metadata.headers[name], looked up case-insensitively, or nullptr.
const rapidjson::Value *metadataHeader(const rapidjson::Value *metadata, std::string_view name) {
    const rapidjson::Value *headers = metadata != nullptr ? json::getObject(*metadata, "headers") : nullptr;
    if (headers == nullptr) return nullptr;
    for (const auto &m : headers->GetObject()) {
        if (equalsIgnoreCase(json::view(m.name), name)) return &m.value;
    }
    return nullptr;
}

int64_t secondsToMs(double seconds) { return static_cast<int64_t>(std::ceil(seconds * 1000.0)); }

// The reason phrase of the status line ("HTTP/1.1 502 Bad Gateway" -> "Bad Gateway").
std::string_view reasonPhrase(std::string_view headers) {
    std::string_view line = headers.substr(0, headers.find_first_of("\r\n"));
    std::size_t first = line.find(' ');
    if (first == std::string_view::npos) return {};
    std::size_t second = line.find(' ', first + 1);
    return second == std::string_view::npos ? std::string_view() : trim(line.substr(second + 1));
}

// The user-facing text of an OpenRouter error object: its message, the serving provider and the upstream's own
// text (metadata.raw), and moderation reasons.
std::string describe(const rapidjson::Value &error) {
    std::string text = excerpt(json::getString(error, "message", "unknown error"), kMaxRawChars);
    const rapidjson::Value *metadata = json::getObject(error, "metadata");
    if (metadata == nullptr) return text;
    std::string_view provider = json::getString(*metadata, "provider_name");
    if (!provider.empty()) text += " (" + excerpt(provider, 80) + ")";
    if (const rapidjson::Value *raw = json::member(*metadata, "raw")) {
        std::string rawText = raw->IsString() ? std::string(json::view(*raw)) : raw->IsNull() ? "" : json::write(*raw);
        if (!trim(rawText).empty()) text += ": " + excerpt(rawText, kMaxRawChars);
    }
    if (const rapidjson::Value *reasons = json::getArray(*metadata, "reasons")) {
        std::string joined;
        for (const auto &reason : reasons->GetArray()) {
            if (!reason.IsString()) continue;
            if (!joined.empty()) joined += ", ";
            joined += json::view(reason);
        }
        if (!joined.empty()) text += " [reasons: " + excerpt(joined, 200) + "]";
    }
    return text;
}

bool mentionsInvalidModel(const rapidjson::Value &error) {
    std::string message(json::getString(error, "message"));
    std::transform(message.begin(), message.end(), message.begin(), [](unsigned char c) { return std::tolower(c); });
    if (message.find("not a valid model id") != std::string::npos) return true;
    const rapidjson::Value *availability = json::getObject(error, "availability");
    return availability != nullptr && json::getString(*availability, "code") == "model_not_found";
}

}  // namespace

int64_t retryAfterMs(std::string_view headers, const rapidjson::Value *metadata, int64_t nowMs) {
    if (auto value = headerValue(headers, "Retry-After")) {
        if (auto ms = sdk::parseRetryAfter(*value, nowMs)) return *ms;
    }
    if (auto seconds = numberMember(metadata, "retry_after_seconds")) return secondsToMs(*seconds);
    if (const rapidjson::Value *value = metadataHeader(metadata, "Retry-After")) {
        // The upstream's header as a string (seconds or an HTTP-date), or a bare number of seconds.
        if (value->IsString()) {
            if (auto ms = sdk::parseRetryAfter(json::view(*value), nowMs)) return *ms;
        } else if (auto seconds = numberOf(*value)) {
            return secondsToMs(*seconds);
        }
    }
    std::optional<double> reset;
    if (auto value = headerValue(headers, "X-RateLimit-Reset")) reset = parseNumber(*value);
    if (const rapidjson::Value *value = metadataHeader(metadata, "X-RateLimit-Reset"); !reset && value != nullptr) {
        reset = numberOf(*value);
    }
    if (reset) return std::max<int64_t>(0, static_cast<int64_t>(*reset) - nowMs);
    return -1;
}

UpstreamFailure httpFailure(int32_t httpStatus, std::string_view headers, std::string_view body, int64_t nowMs) {
    std::string prefix = "OpenRouter HTTP " + std::to_string(httpStatus) + ": ";
    rapidjson::Document doc;
    const rapidjson::Value *error = nullptr;
    if (json::parse(doc, trim(body))) error = json::getObject(doc, "error");
    if (error == nullptr) {
        // Not OpenRouter's JSON (a proxy or an HTML error page): quote plain text, name the status otherwise.
        std::string_view text = trim(body);
        std::string message = !text.empty() && text.front() != '<' && !doc.IsObject() ? excerpt(text, kMaxTextChars)
                                                                                    : std::string(reasonPhrase(headers));
        if (message.empty()) message = "no error details";
        return {statusCode(httpStatus), prefix + message, httpStatus, retryAfterMs(headers, nullptr, nowMs), false};
    }
    const rapidjson::Value *metadata = json::getObject(*error, "metadata");
    bool invalidModel = httpStatus == 400 && mentionsInvalidModel(*error);
    return {invalidModel ? MB_ERR_NOT_FOUND : statusCode(httpStatus), prefix + describe(*error), httpStatus,
            retryAfterMs(headers, metadata, nowMs), invalidModel};
}

UpstreamFailure errorObjectFailure(const rapidjson::Value &error, std::string_view where, int64_t nowMs) {
    // error.code is the HTTP-like status as an integer, or sometimes a string ("server_error"): an error after the
    // upstream started answering is most often a provider failure, so anything unknown counts as unavailable.
    int64_t status = json::getInt(error, "code", 0);
    int32_t code = status >= 400 && status <= 599 ? statusCode(static_cast<int32_t>(status)) : MB_ERR_UNAVAILABLE;
    if (code == MB_ERR_HTTP) code = MB_ERR_UNAVAILABLE;
    bool invalidModel = code == MB_ERR_INVALID_REQUEST && mentionsInvalidModel(error);
    if (invalidModel) code = MB_ERR_NOT_FOUND;
    std::string prefix = "OpenRouter " + std::string(where) + " error";
    if (status > 0) prefix += " " + std::to_string(status);
    const rapidjson::Value *metadata = json::getObject(error, "metadata");
    return {code, prefix + ": " + describe(error), 200, retryAfterMs({}, metadata, nowMs), invalidModel};
}

}  // namespace moltbot::openrouter
