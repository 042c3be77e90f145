#include "core/pipeline/cooldowns.hpp"

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <array>

namespace moltbot::pipeline {

namespace {
constexpr int64_t kMinute = 60'000;
constexpr int64_t kDay = 24 * 60 * kMinute;
}  // namespace

Cooldowns Cooldowns::parse(std::string_view json) {
    Cooldowns table;
    rapidjson::Document document;
    document.Parse(json.data(), json.size());
    if (document.HasParseError() || !document.IsObject()) return table;
    auto models = document.FindMember("models");
    if (models == document.MemberEnd() || !models->value.IsObject()) return table;
    for (const auto &member : models->value.GetObject()) {
        const auto &value = member.value;
        if (!value.IsObject() || !value.HasMember("until") || !value["until"].IsInt64()) continue;
        Cooldown entry;
        entry.untilMs = value["until"].GetInt64();
        if (value.HasMember("failures") && value["failures"].IsInt()) entry.failures = value["failures"].GetInt();
        if (value.HasMember("reason") && value["reason"].IsString()) entry.reason = value["reason"].GetString();
        table.entries_[member.name.GetString()] = entry;
    }
    return table;
}

std::string Cooldowns::serialize() const {
    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
    writer.SetIndent(' ', 2);
    writer.StartObject();
    writer.Key("models");
    writer.StartObject();
    for (const auto &[ref, entry] : entries_) {
        writer.Key(ref.c_str(), static_cast<rapidjson::SizeType>(ref.size()));
        writer.StartObject();
        writer.Key("until");
        writer.Int64(entry.untilMs);
        writer.Key("failures");
        writer.Int(entry.failures);
        writer.Key("reason");
        writer.String(entry.reason.c_str(), static_cast<rapidjson::SizeType>(entry.reason.size()));
        writer.EndObject();
    }
    writer.EndObject();
    writer.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

int64_t Cooldowns::waitMs(int failures, int64_t retryAfterMs) {
    static constexpr std::array<int64_t, 4> ladder{1 * kMinute, 5 * kMinute, 25 * kMinute, 60 * kMinute};
    std::size_t step = static_cast<std::size_t>(std::clamp(failures, 1, static_cast<int>(ladder.size())) - 1);
    return std::max(ladder[step], retryAfterMs);
}

void Cooldowns::recordFailure(const std::string &ref, int64_t nowMs, int64_t retryAfterMs, const std::string &reason) {
    Cooldown &entry = entries_[ref];
    entry.failures += 1;
    entry.untilMs = nowMs + waitMs(entry.failures, retryAfterMs);
    entry.reason = reason;
}

void Cooldowns::recordSuccess(const std::string &ref) { entries_.erase(ref); }

std::optional<Cooldown> Cooldowns::active(const std::string &ref, int64_t nowMs) const {
    auto it = entries_.find(ref);
    if (it == entries_.end() || it->second.untilMs <= nowMs) return std::nullopt;
    return it->second;
}

std::vector<std::pair<std::string, Cooldown>> Cooldowns::running(int64_t nowMs) const {
    std::vector<std::pair<std::string, Cooldown>> out;
    for (const auto &[ref, entry] : entries_) {
        if (entry.untilMs > nowMs) out.emplace_back(ref, entry);
    }
    std::stable_sort(out.begin(), out.end(), [](const auto &a, const auto &b) { return a.second.untilMs < b.second.untilMs; });
    return out;
}

bool Cooldowns::clear(const std::string &ref) { return entries_.erase(ref) != 0; }

std::size_t Cooldowns::clearAll() {
    std::size_t count = entries_.size();
    entries_.clear();
    return count;
}

void Cooldowns::prune(int64_t nowMs) {
    std::erase_if(entries_, [nowMs](const auto &item) { return item.second.untilMs + kDay < nowMs; });
}

}  // namespace moltbot::pipeline
