// Shared by the request log's unit tests: entries with every field set, the warnings a log reported, reading a file
// back.
#pragma once

#include "core/requestlog/entry.hpp"
#include "core/requestlog/queries.hpp"
#include "core/requestlog/request_log.hpp"

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace moltbot::requestlog::test {

// An entry with every field set; `n` makes its texts, tokens and time its own.
inline Entry fullEntry(int n) {
    Entry entry;
    entry.timeMs = 1'700'000'000'000 + n * 1000;
    entry.frontEnd = n % 2 == 0 ? "agent" : "serve";
    entry.keyName = n % 2 == 0 ? "" : "team-" + std::to_string(n % 3);
    entry.instance = n % 2 == 0 ? "" : "gw-" + std::to_string(n % 3) + ":4000";
    entry.modelAsked = "sonnet";
    entry.model = "openrouter/anthropic/claude-sonnet-4.5";
    entry.provider = "Anthropic";
    entry.attempts = {{"openrouter/openai/gpt-5.2", 1, "rate_limited", 429, 12},
                      {"openrouter/anthropic/claude-sonnet-4.5", 1, "ok", 200, 340 + n}};
    entry.usageKnown = true;
    entry.promptTokens = 100 + n;
    entry.completionTokens = 20 + n;
    entry.cachedTokens = 50;
    entry.cacheWriteTokens = 7;
    entry.costUsd = 0.001 * (n + 1);
    entry.costEstimated = n % 4 == 1;
    entry.latencyMs = 800 + n;
    entry.ttftMs = 200 + n;
    entry.status = n % 2 == 0 ? 0 : 200;
    entry.conversationId = "conv" + std::to_string(n);
    entry.prompt = "prompt " + std::to_string(n) + " with \"quotes\", a\nnewline and é";
    entry.system = "be brief";
    entry.answer = "answer " + std::to_string(n);
    return entry;
}

// Collects what a log reports through Options::warn (from any thread).
class Warnings {
public:
    static std::shared_ptr<Warnings> make() { return std::make_shared<Warnings>(); }
    std::vector<std::string> list() const {
        std::lock_guard lock(mutex_);
        return list_;
    }
    // The callback for Options::warn; it keeps the collector alive.
    static std::function<void(const std::string &)> into(const std::shared_ptr<Warnings> &warnings) {
        return [warnings](const std::string &message) {
            std::lock_guard lock(warnings->mutex_);
            warnings->list_.push_back(message);
        };
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> list_;
};

inline std::vector<Entry> readAll(const std::filesystem::path &path) {
    LogReader reader(path);
    LogQuery query;
    query.limit = 0;
    return reader.latest(query);
}

}  // namespace moltbot::requestlog::test
