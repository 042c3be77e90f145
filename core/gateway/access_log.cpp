#include "core/gateway/access_log.hpp"
#include "core/gateway/sticky.hpp"

#include "core/util/time.hpp"

#include <moltbot/sdk/json.hpp>

#include <cstdio>
#include <ctime>
#include <ostream>

namespace moltbot::gateway {

namespace {

// A client's text in a text log line: at most 200 bytes, control characters and spaces as '?', so that it can
// neither forge a line nor split a field.
std::string field(std::string_view text) {
    std::string out(text.substr(0, 200));
    for (char &c : out) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) c = '?';
    }
    return out;
}

std::string number(double value, const char *format) {
    char text[40];
    std::snprintf(text, sizeof text, format, value);
    return text;
}

}  // namespace

void AccessLog::write(const AccessRecord &r) {
    namespace json = sdk::json;
    std::string line;
    if (json_) {
        line = "{\"time\":";
        json::appendString(line, util::utcTimeMillis(r.timeMs));
        line += ",\"method\":";
        json::appendString(line, r.method);
        line += ",\"path\":";
        json::appendString(line, r.path);
        line += ",\"status\":" + std::to_string(r.status);
        if (!r.key.empty()) {
            line += ",\"key\":";
            json::appendString(line, r.key);
        }
        line += ",\"model_asked\":";
        json::appendString(line, r.modelAsked);
        line += ",\"model\":";
        json::appendString(line, r.model);
        line += ",\"attempts\":" + std::to_string(r.attempts);
        line += std::string(",\"stream\":") + (r.stream ? "true" : "false");
        auto optional = [&](const char *key, int64_t value) {
            line += std::string(",\"") + key + "\":" + (value >= 0 ? std::to_string(value) : "null");
        };
        optional("prompt_tokens", r.promptTokens);
        optional("completion_tokens", r.completionTokens);
        optional("cached_tokens", r.cachedTokens);
        line += ",\"cost\":" + (r.cost >= 0 ? number(r.cost, "%.8g") : std::string("null"));
        if (r.costEstimated) line += ",\"cost_estimated\":true";
        if (!r.skipped.empty()) {
            line += ",\"skipped\":[";
            for (std::size_t i = 0; i < r.skipped.size(); ++i) {
                if (i > 0) line += ",";
                json::appendString(line, r.skipped[i]);
            }
            line += "]";
        }
        if (!r.provider.empty()) {
            line += ",\"provider\":";
            json::appendString(line, r.provider);
        }
        if (!r.stickyProvider.empty()) {
            line += ",\"sticky\":";
            json::appendString(line, r.stickyProvider);
        }
        line += ",\"duration_ms\":" + number(r.durationMs, "%.3f");
        line += ",\"ttfb_ms\":" + (r.firstByteMs >= 0 ? number(r.firstByteMs, "%.3f") : std::string("null"));
        if (!r.error.empty()) {
            line += ",\"error\":";
            json::appendString(line, r.error);
        }
        line += "}\n";
    } else {
        line = util::utcTimeMillis(r.timeMs) + " " + field(r.method) + " " + field(r.path) + " " + std::to_string(r.status);
        if (!r.key.empty()) line += " key=" + field(r.key);
        if (!r.modelAsked.empty()) line += " asked=" + field(r.modelAsked);
        if (!r.model.empty()) line += " model=" + r.model;
        if (r.attempts > 0) line += " attempts=" + std::to_string(r.attempts);
        if (r.stream) line += " stream";
        if (r.promptTokens >= 0) {
            line += " tokens=" + std::to_string(r.promptTokens) + "+" + std::to_string(r.completionTokens);
            if (r.cachedTokens > 0) line += " cached=" + std::to_string(r.cachedTokens);
        }
        if (r.cost >= 0) line += " cost=" + number(r.cost, "%.6f") + (r.costEstimated ? "~" : "");
        for (const auto &ref : r.skipped) line += " skipped=" + ref;
        // The routing slug ("amazon-bedrock", as provider.order takes it): the display name has spaces.
        if (!r.provider.empty()) line += " provider=" + field(providerSlug(r.provider));
        if (!r.stickyProvider.empty()) line += " sticky=" + field(r.stickyProvider);
        line += " ms=" + number(r.durationMs, "%.1f");
        if (r.firstByteMs >= 0) line += " ttfb_ms=" + number(r.firstByteMs, "%.1f");
        if (!r.error.empty()) line += " error=" + r.error;
        line += "\n";
    }
    std::lock_guard lock(mutex_);
    out_.write(line.data(), static_cast<std::streamsize>(line.size()));
    out_.flush();
}

void AccessLog::note(std::string_view line) {
    std::lock_guard lock(mutex_);
    out_ << "moltbot: " << line << "\n" << std::flush;
}

}  // namespace moltbot::gateway
