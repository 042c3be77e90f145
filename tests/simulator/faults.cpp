#include "tests/simulator/faults.hpp"

#include "tests/simulator/routing.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <utility>

namespace moltbot::sim {

namespace {

constexpr std::array<std::pair<FaultKind, const char *>, 13> kKindNames = {{
    {FaultKind::kHttp, "http"},
    {FaultKind::kSlowFirstByte, "slow_first_byte"},
    {FaultKind::kStall, "stall"},
    {FaultKind::kDisconnect, "disconnect"},
    {FaultKind::kErrorChunk, "error_chunk"},
    {FaultKind::kMalformed, "malformed"},
    {FaultKind::kError200, "error_200"},
    {FaultKind::kLeadingWhitespace, "leading_whitespace"},
    {FaultKind::kLongAnswer, "long_answer"},
    {FaultKind::kLongLine, "long_line"},
    {FaultKind::kInvalidUtf8, "invalid_utf8"},
    {FaultKind::kEndless, "endless"},
    {FaultKind::kComments, "comments"},
}};

int intField(const rapidjson::Value &object, const char *name, int fallback) {
    if (!object.HasMember(name)) return fallback;
    if (!object[name].IsInt())
        throw std::invalid_argument(std::string("fault field '") + name + "' must be an integer");
    return object[name].GetInt();
}

std::string stringField(const rapidjson::Value &object, const char *name) {
    if (!object.HasMember(name)) return "";
    if (!object[name].IsString())
        throw std::invalid_argument(std::string("fault field '") + name + "' must be a string");
    return object[name].GetString();
}

Fault parseFault(const rapidjson::Value &json) {
    if (!json.IsObject()) throw std::invalid_argument("each fault must be an object");
    Fault fault;
    std::string kind = stringField(json, "kind");
    bool known = false;
    for (const auto &[value, name] : kKindNames) {
        if (kind == name) {
            fault.kind = value;
            known = true;
        }
    }
    if (!known) throw std::invalid_argument("unknown fault kind '" + kind + "'");
    if (json.HasMember("match")) {
        if (!json["match"].IsObject()) throw std::invalid_argument("fault field 'match' must be an object");
        fault.model = stringField(json["match"], "model");
        fault.provider = stringField(json["match"], "provider");
    }
    fault.times = intField(json, "times", 1);
    fault.status = intField(json, "status", fault.kind == FaultKind::kHttp ? 0 : 502);
    fault.message = stringField(json, "message");
    int defaultDelay = fault.kind == FaultKind::kSlowFirstByte ? 1000 : fault.kind == FaultKind::kEndless ? 10 : -1;
    fault.delayMs = intField(json, "delay_ms", defaultDelay);
    fault.bytes = intField(json, "bytes", 1 << 20);
    fault.count = intField(json, "count", 10000);
    fault.afterChunks = intField(json, "after_chunks", 1);
    fault.retryAfter = intField(json, "retry_after", 1);
    if (json.HasMember("done")) {
        if (!json["done"].IsBool()) throw std::invalid_argument("fault field 'done' must be a boolean");
        fault.done = json["done"].GetBool();
    }
    if (fault.times < 1) throw std::invalid_argument("fault field 'times' must be at least 1");
    if (fault.status < 400 || fault.status > 599)
        throw std::invalid_argument("fault field 'status' must be an HTTP error status (400-599)");
    if (fault.afterChunks < 0) throw std::invalid_argument("fault field 'after_chunks' must not be negative");
    if ((fault.kind == FaultKind::kSlowFirstByte || fault.kind == FaultKind::kEndless) && fault.delayMs < 0)
        throw std::invalid_argument(std::string(faultKindName(fault.kind)) + " needs a non-negative delay_ms");
    if (fault.bytes < 1) throw std::invalid_argument("fault field 'bytes' must be at least 1");
    if (fault.count < 0) throw std::invalid_argument("fault field 'count' must not be negative");
    return fault;
}

}  // namespace

const char *faultKindName(FaultKind kind) {
    for (const auto &[value, name] : kKindNames) {
        if (value == kind) return name;
    }
    return "?";
}

std::vector<Fault> parseFaults(const rapidjson::Value &json) {
    const rapidjson::Value *list = &json;
    if (json.IsObject() && json.HasMember("faults")) list = &json["faults"];
    if (!list->IsArray()) throw std::invalid_argument("expected a JSON array of faults");
    std::vector<Fault> faults;
    for (const auto &entry : list->GetArray()) faults.push_back(parseFault(entry));
    return faults;
}

void FaultBook::add(const std::vector<Fault> &faults) {
    std::lock_guard lock(mutex_);
    faults_.insert(faults_.end(), faults.begin(), faults.end());
}

void FaultBook::clear() {
    std::lock_guard lock(mutex_);
    faults_.clear();
}

bool FaultBook::matches(const Fault &fault, const Model &model, const Endpoint *endpoint) const {
    if (!fault.model.empty() && fault.model != model.id) return false;
    if (fault.provider.empty()) return true;
    return endpoint && (slugMatches(fault.provider, *endpoint) || fault.provider == endpoint->provider->name);
}

std::optional<Fault> FaultBook::takeFailure(const Model &model, const Endpoint *endpoint) {
    std::lock_guard lock(mutex_);
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
        if (it->kind != FaultKind::kHttp || it->providerScoped() != (endpoint != nullptr)) continue;
        if (!matches(*it, model, endpoint)) continue;
        Fault fault = *it;
        if (--it->times == 0) faults_.erase(it);
        return fault;
    }
    return std::nullopt;
}

std::vector<Fault> FaultBook::takeDelivery(const Model &model, const Endpoint &endpoint) {
    std::lock_guard lock(mutex_);
    std::vector<Fault> taken;
    auto alreadyTaken = [&](FaultKind kind) {
        return std::any_of(taken.begin(), taken.end(), [&](const Fault &fault) { return fault.kind == kind; });
    };
    for (auto it = faults_.begin(); it != faults_.end();) {
        if (it->kind == FaultKind::kHttp || alreadyTaken(it->kind) || !matches(*it, model, &endpoint)) {
            ++it;
            continue;
        }
        taken.push_back(*it);
        it = --it->times == 0 ? faults_.erase(it) : it + 1;
    }
    return taken;
}

std::string FaultBook::toJson() const {
    std::lock_guard lock(mutex_);
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.StartArray();
    for (const Fault &fault : faults_) {
        writer.StartObject();
        writer.Key("kind");
        writer.String(faultKindName(fault.kind));
        writer.Key("match");
        writer.StartObject();
        if (!fault.model.empty()) {
            writer.Key("model");
            writer.String(fault.model.c_str());
        }
        if (!fault.provider.empty()) {
            writer.Key("provider");
            writer.String(fault.provider.c_str());
        }
        writer.EndObject();
        writer.Key("times");
        writer.Int(fault.times);
        writer.Key("status");
        writer.Int(fault.status);
        writer.EndObject();
    }
    writer.EndArray();
    return buffer.GetString();
}

}  // namespace moltbot::sim
