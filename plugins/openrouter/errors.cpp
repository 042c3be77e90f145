#include "errors.hpp"

#include <moltbot/plugin.h>
#include <moltbot/sdk/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>

namespace moltbot::openrouter {

namespace json = sdk::json;

namespace {

using sdk::equalsIgnoreCase;
using sdk::openai::excerpt;
using sdk::openai::kMaxMessageChars;
using sdk::trim;

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

bool mentionsInvalidModel(const rapidjson::Value &error) {
    std::string message(json::getString(error, "message"));
    std::transform(message.begin(), message.end(), message.begin(), [](unsigned char c) { return std::tolower(c); });
    if (message.find("not a valid model id") != std::string::npos) return true;
    const rapidjson::Value *availability = json::getObject(error, "availability");
    return availability != nullptr && json::getString(*availability, "code") == "model_not_found";
}

class OpenRouterDialect final : public sdk::openai::Dialect {
public:
    OpenRouterDialect() : Dialect("OpenRouter") {}

    // The message, the serving provider, the upstream's own text (metadata.raw) and moderation reasons.
    std::string describe(const rapidjson::Value &error) const override {
        std::string text = Dialect::describe(error);
        const rapidjson::Value *metadata = json::getObject(error, "metadata");
        if (metadata == nullptr) return text;
        std::string_view provider = json::getString(*metadata, "provider_name");
        if (!provider.empty()) text += " (" + excerpt(provider, 80) + ")";
        if (const rapidjson::Value *raw = json::member(*metadata, "raw")) {
            std::string rawText = raw->IsString() ? std::string(json::view(*raw))
                                  : raw->IsNull()   ? ""
                                                    : json::write(*raw);
            if (!trim(rawText).empty()) text += ": " + excerpt(rawText, kMaxMessageChars);
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

    int64_t retryAfterMs(std::string_view headers, const rapidjson::Value *error, int64_t nowMs) const override {
        const rapidjson::Value *metadata = error != nullptr ? json::getObject(*error, "metadata") : nullptr;
        return openrouter::retryAfterMs(headers, metadata, nowMs);
    }

    bool invalidModel(int32_t status, const rapidjson::Value &error) const override {
        return statusCode(status) == MB_ERR_INVALID_REQUEST && mentionsInvalidModel(error);
    }
};

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

const sdk::openai::Dialect &dialect() {
    static const OpenRouterDialect kDialect;
    return kDialect;
}

}  // namespace moltbot::openrouter
