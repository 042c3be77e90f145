#include "host/commands/models_probe.hpp"

#include "host/commands/config_support.hpp"

#include "core/config/files.hpp"
#include "core/config/paths.hpp"
#include "core/http/cancel.hpp"
#include "core/plugin/abi_structs.hpp"
#include "core/runtime/runtime.hpp"
#include "core/util/time.hpp"

#include <moltbot/sdk/http.hpp>
#include <moltbot/ext/key_info.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <optional>
#include <ostream>

namespace moltbot::cli {

namespace {

using sdk::nowMs;

// "45s", "12m", "3h 5m"
std::string duration(int64_t ms) {
    int64_t seconds = std::max<int64_t>(0, (ms + 999) / 1000);
    if (seconds < 60) return std::to_string(seconds) + "s";
    int64_t minutes = (seconds + 59) / 60;
    if (minutes < 60) return std::to_string(minutes) + "m";
    return std::to_string(minutes / 60) + "h " + std::to_string(minutes % 60) + "m";
}

const char *resultName(KeyProbe::Result result) {
    switch (result) {
    case KeyProbe::Result::Valid: return "valid";
    case KeyProbe::Result::Rejected: return "rejected";
    case KeyProbe::Result::Unsupported: return "unsupported";
    case KeyProbe::Result::Failed: break;
    }
    return "failed";
}

const rapidjson::Value *member(const rapidjson::Value &object, const char *name) {
    if (!object.IsObject()) return nullptr;
    auto it = object.FindMember(name);
    return it == object.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
}

std::string dollars(const rapidjson::Value &value) {
    if (!value.IsNumber()) return "?";
    // Cents for amounts a user budgets; small usage would round to $0.00, so it keeps six decimals.
    double amount = value.GetDouble();
    char text[32];
    std::snprintf(text, sizeof text, amount == 0 || amount >= 1 ? "$%.2f" : "$%.6f", amount);
    return text;
}

}  // namespace

KeyProbe probeKey(runtime::Runtime &host, const std::string &provider) {
    KeyProbe probe;
    probe.provider = provider;
    try {
        const plugin::ProviderInstance &instance = host.instance(provider);
        std::optional<mb_ext_key_info> table = plugin::abi::readStruct(
            static_cast<const mb_ext_key_info *>(instance.extension(MB_EXT_KEY_INFO)), plugin::abi::kExtKeyInfoSize_1);
        if (!table || table->key_info == nullptr) {
            probe.result = KeyProbe::Result::Unsupported;
            probe.message = "the " + provider + " plugin cannot check keys";
            return probe;
        }
        std::string payload;
        plugin::CallResult result = instance.invoke(
            "key_info", [keyInfo = table->key_info](mb_instance *self, mb_call *call, mb_error *error) {
                return keyInfo(self, call, error);
            },
            [&payload](uint32_t kind, std::string_view json) {
                if (kind == MB_EVENT_RESPONSE) payload = json;
                return true;
            });
        if (result.status == MB_ERR_AUTH) {
            probe.result = KeyProbe::Result::Rejected;
            probe.message = result.message;
        } else if (!result.ok()) {
            probe.message = result.message;
        } else if (probe.info.Parse(payload.c_str(), payload.size()).HasParseError() || !probe.info.IsObject()) {
            probe.info.SetNull();
            probe.message = "the plugin's key information is not a JSON object";
        } else {
            probe.result = KeyProbe::Result::Valid;
        }
    } catch (const std::exception &error) {
        probe.message = error.what();
    }
    return probe;
}

StatusExtras collectStatusExtras(runtime::Runtime &host, const std::vector<std::string> &providers, bool probe) {
    StatusExtras extras;
    if (probe) {
        for (const auto &provider : providers) extras.probes.push_back(probeKey(host, provider));
    }
    // The same file `moltbot agent` keeps; an unreadable one only means no cooldowns are known.
    pipeline::Cooldowns cooldowns;
    try {
        if (auto text = config::readFileIfExists(config::cooldownsPath())) {
            cooldowns = pipeline::Cooldowns::parse(*text);
        }
    } catch (const std::exception &) {
    }
    extras.cooldowns = cooldowns.running(nowMs());
    return extras;
}

std::string cooldownLine(const std::string &ref, const pipeline::Cooldown &entry, int64_t nowMs) {
    return ref + " until " + util::utcTime(entry.untilMs) + " (in " + duration(entry.untilMs - nowMs) + "; " +
           entry.reason + ", " + std::to_string(entry.failures) + (entry.failures == 1 ? " failure" : " failures") + ")";
}

rapidjson::Value cooldownJson(const std::string &ref, const pipeline::Cooldown &entry,
                              rapidjson::Document::AllocatorType &allocator) {
    rapidjson::Value item(rapidjson::kObjectType);
    item.AddMember("model", jsonString(ref, allocator), allocator);
    item.AddMember("until", jsonString(util::utcTime(entry.untilMs), allocator), allocator);
    item.AddMember("untilMs", entry.untilMs, allocator);
    item.AddMember("reason", jsonString(entry.reason, allocator), allocator);
    item.AddMember("failures", entry.failures, allocator);
    return item;
}

bool StatusExtras::keysAccepted() const {
    return std::none_of(probes.begin(), probes.end(),
                        [](const KeyProbe &probe) { return probe.result == KeyProbe::Result::Rejected; });
}

void StatusExtras::printText(std::ostream &out) const {
    if (!probes.empty()) out << "\nKey check (--probe)\n";
    for (const auto &probe : probes) {
        out << "- " << probe.provider << " ";
        if (probe.result == KeyProbe::Result::Rejected) {
            out << "REJECTED: the key is not valid (" << probe.message << ")\n";
            continue;
        }
        if (probe.result != KeyProbe::Result::Valid) {
            out << "not checked: " << probe.message << "\n";
            continue;
        }
        const rapidjson::Value &info = probe.info;
        out << "valid";
        if (const auto *label = member(info, "label"); label && label->IsString()) out << " | label=" << label->GetString();
        if (const auto *limit = member(info, "limit")) {
            out << " | limit=" << dollars(*limit);
            std::string notes;
            if (const auto *left = member(info, "limit_remaining")) notes = dollars(*left) + " left";
            if (const auto *reset = member(info, "limit_reset"); reset && reset->IsString()) {
                notes += (notes.empty() ? "" : ", ") + std::string("resets ") + reset->GetString();
            }
            if (!notes.empty()) out << " (" << notes << ")";
        } else {
            out << " | limit=none";
        }
        if (const auto *usage = member(info, "usage")) out << " | usage=" << dollars(*usage);
        if (const auto *free = member(info, "is_free_tier"); free && free->IsBool()) {
            out << " | free tier=" << (free->GetBool() ? "yes" : "no");
        }
        out << "\n";
    }
    out << "\nCooldowns (" << cooldowns.size() << ")" << (cooldowns.empty() ? ": -" : "") << "\n";
    int64_t now = nowMs();
    for (const auto &[ref, entry] : cooldowns) out << "- " << cooldownLine(ref, entry, now) << "\n";
}

void StatusExtras::addJson(rapidjson::Document &doc) const {
    auto &allocator = doc.GetAllocator();
    if (!probes.empty()) {
        rapidjson::Value list(rapidjson::kArrayType);
        for (const auto &probe : probes) {
            rapidjson::Value item(rapidjson::kObjectType);
            item.AddMember("provider", jsonString(probe.provider, allocator), allocator);
            item.AddMember("result", rapidjson::StringRef(resultName(probe.result)), allocator);
            item.AddMember("valid", probe.result == KeyProbe::Result::Valid, allocator);
            if (!probe.message.empty()) item.AddMember("message", jsonString(probe.message, allocator), allocator);
            if (probe.result == KeyProbe::Result::Valid) {
                item.AddMember("key", rapidjson::Value(probe.info, allocator), allocator);
            }
            list.PushBack(item, allocator);
        }
        doc.AddMember("probe", list, allocator);
    }
    rapidjson::Value list(rapidjson::kArrayType);
    for (const auto &[ref, entry] : cooldowns) list.PushBack(cooldownJson(ref, entry, allocator), allocator);
    doc.AddMember("cooldowns", list, allocator);
}

}  // namespace moltbot::cli
