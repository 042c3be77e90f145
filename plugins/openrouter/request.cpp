#include "request.hpp"

#include <moltbot/plugin.h>
#include <moltbot/sdk/guard.hpp>
#include <moltbot/sdk/json.hpp>
#include <moltbot/sdk/openai/request.hpp>

namespace moltbot::openrouter {

namespace json = sdk::json;
using rapidjson::Value;
using sdk::openai::Allocator;
using sdk::openai::fillMissing;

namespace {

// ---- type rules for the known keys ----

bool isStringArray(const Value &v) {
    if (!v.IsArray()) return false;
    for (const auto &item : v.GetArray()) {
        if (!item.IsString()) return false;
    }
    return true;
}

// max_price values: OpenRouter's schema says strings, its examples use numbers; both are accepted.
bool isPriceObject(const Value &v) {
    if (!v.IsObject()) return false;
    for (const auto &m : v.GetObject()) {
        if (!m.value.IsNumber() && !m.value.IsString()) return false;
    }
    return true;
}

struct Rule {
    const char *name;
    const char *wire;  // the body key (params only)
    bool (*check)(const Value &);
    const char *expected;
};

bool isNumber(const Value &v) { return v.IsNumber(); }
bool isInteger(const Value &v) { return v.IsInt64(); }
bool isBool(const Value &v) { return v.IsBool(); }
bool isObject(const Value &v) { return v.IsObject(); }
bool isStringOrStringArray(const Value &v) { return v.IsString() || isStringArray(v); }
bool isStringOrObject(const Value &v) { return v.IsString() || v.IsObject(); }
bool isNumberOrObject(const Value &v) { return v.IsNumber() || v.IsObject(); }
bool isDataCollection(const Value &v) { return v.IsString() && (json::view(v) == "allow" || json::view(v) == "deny"); }

constexpr Rule kParamRules[] = {
    {"temperature", "temperature", isNumber, "a number"},
    {"maxTokens", "max_tokens", isInteger, "an integer"},
    {"maxCompletionTokens", "max_completion_tokens", isInteger, "an integer"},
    {"topP", "top_p", isNumber, "a number"},
    {"topK", "top_k", isInteger, "an integer"},
    {"minP", "min_p", isNumber, "a number"},
    {"topA", "top_a", isNumber, "a number"},
    {"frequencyPenalty", "frequency_penalty", isNumber, "a number"},
    {"presencePenalty", "presence_penalty", isNumber, "a number"},
    {"repetitionPenalty", "repetition_penalty", isNumber, "a number"},
    {"seed", "seed", isInteger, "an integer"},
    {"stop", "stop", isStringOrStringArray, "a string or an array of strings"},
    {"logitBias", "logit_bias", isObject, "an object"},
    {"responseFormat", "response_format", isObject, "an object"},
    {"parallelToolCalls", "parallel_tool_calls", isBool, "a boolean"},
};

constexpr Rule kProviderRules[] = {
    {"order", nullptr, isStringArray, "an array of provider slugs"},
    {"only", nullptr, isStringArray, "an array of provider slugs"},
    {"ignore", nullptr, isStringArray, "an array of provider slugs"},
    {"quantizations", nullptr, isStringArray, "an array of strings"},
    {"allow_fallbacks", nullptr, isBool, "a boolean"},
    {"require_parameters", nullptr, isBool, "a boolean"},
    {"zdr", nullptr, isBool, "a boolean"},
    {"enforce_distillable_text", nullptr, isBool, "a boolean"},
    {"data_collection", nullptr, isDataCollection, "\"allow\" or \"deny\""},
    {"sort", nullptr, isStringOrObject, "a string or an object"},
    {"max_price", nullptr, isPriceObject, "an object of numbers or numeric strings"},
    {"preferred_min_throughput", nullptr, isNumberOrObject, "a number or an object"},
    {"preferred_max_latency", nullptr, isNumberOrObject, "a number or an object"},
};

template <std::size_t N>
const Rule *findRule(const Rule (&rules)[N], std::string_view name) {
    for (const Rule &rule : rules) {
        if (name == rule.name) return &rule;
    }
    return nullptr;
}

[[noreturn]] void badType(std::string_view path, std::string_view expected) {
    throw sdk::Failure(MB_ERR_INVALID_ARGUMENT, "option " + std::string(path) + " must be " + std::string(expected));
}

void checkRule(const Rule *rule, std::string_view scope, std::string_view key, const Value &value) {
    if (rule != nullptr && !rule->check(value)) badType(std::string(scope) + "." + std::string(key), rule->expected);
}

Value copyString(std::string_view text, Allocator &a) {
    return Value(text.data(), static_cast<rapidjson::SizeType>(text.size()), a);
}

// ---- provider routing ----

// params.provider, then options.provider, then the request's own provider object, later keys winning.
void mergeProvider(Value &body, const Value &params, const Value &options, Allocator &a) {
    Value merged(rapidjson::kObjectType);
    auto add = [&](const Value *source, const char *where) {
        if (source == nullptr || source->IsNull()) return;
        if (!source->IsObject()) badType(where, "an object");
        for (const auto &m : source->GetObject()) {
            std::string_view key = json::view(m.name);
            checkRule(findRule(kProviderRules, key), where, key, m.value);
            if (auto it = merged.FindMember(m.name); it != merged.MemberEnd()) {
                it->value.CopyFrom(m.value, a);
            } else {
                merged.AddMember(Value(m.name, a), Value(m.value, a), a);
            }
        }
    };
    add(json::member(params, "provider"), "params.provider");
    add(json::member(options, "provider"), "provider");
    add(json::member(body, "provider"), "request.provider");
    if (merged.MemberCount() == 0) return;
    body.RemoveMember("provider");
    body.AddMember("provider", merged, a);
}

void checkSlugs(const Value &body, const ProviderLookup &providers, std::vector<std::string> &notices) {
    const Value *provider = json::getObject(body, "provider");
    if (provider == nullptr) return;
    for (const char *key : {"order", "only", "ignore"}) {
        const Value *slugs = json::getArray(*provider, key);
        if (slugs == nullptr) continue;
        for (const auto &slug : slugs->GetArray()) {
            const ProviderDirectory &directory = providers();
            if (directory.known(json::view(slug))) continue;
            std::string notice = "provider." + std::string(key) + ": \"" + std::string(json::view(slug)) +
                                 "\" is not a known OpenRouter provider slug";
            std::string suggestion = directory.suggest(json::view(slug));
            if (!suggestion.empty()) notice += "; did you mean \"" + suggestion + "\"?";
            notices.push_back(notice + " (sent as is)");
        }
    }
}

// ---- prompt caching ----

int countBreakpoints(const Value &body) {
    int count = json::member(body, "cache_control") != nullptr ? 1 : 0;
    auto countIn = [&](const Value *items, const char *partsKey) {
        if (items == nullptr) return;
        for (const auto &item : items->GetArray()) {
            if (json::member(item, "cache_control") != nullptr) ++count;
            const Value *parts = partsKey != nullptr ? json::getArray(item, partsKey) : nullptr;
            if (parts == nullptr) continue;
            for (const auto &part : parts->GetArray()) {
                if (json::member(part, "cache_control") != nullptr) ++count;
            }
        }
    };
    countIn(json::getArray(body, "tools"), nullptr);
    countIn(json::getArray(body, "messages"), "content");
    return count;
}

// Puts a breakpoint on the last non-empty text part of `message` (string content becomes one text part). False when
// there is no such part or it already has one.
bool markMessage(Value &message, const Value &cacheControl, Allocator &a) {
    auto it = message.FindMember("content");
    if (it == message.MemberEnd()) return false;
    Value &content = it->value;
    if (content.IsString()) {
        if (content.GetStringLength() == 0) return false;
        Value part(rapidjson::kObjectType);
        part.AddMember("type", "text", a);
        part.AddMember("text", content, a);  // moves the string
        part.AddMember("cache_control", Value(cacheControl, a), a);
        content.SetArray();
        content.PushBack(part, a);
        return true;
    }
    if (!content.IsArray()) return false;
    for (auto part = content.End(); part != content.Begin();) {
        --part;
        if (json::getString(*part, "type") != "text" || json::getString(*part, "text").empty()) continue;
        if (part->HasMember("cache_control")) return false;
        part->AddMember("cache_control", Value(cacheControl, a), a);
        return true;
    }
    return false;
}

bool isAnthropic(std::string_view modelId) {
    if (!modelId.empty() && modelId.front() == '~') modelId.remove_prefix(1);  // "~anthropic/...-latest" aliases
    return modelId.rfind("anthropic/", 0) == 0;
}

void addBreakpoints(Value &body, std::string_view ttl, Allocator &a) {
    Value *messages = body.HasMember("messages") && body["messages"].IsArray() ? &body["messages"] : nullptr;
    if (messages == nullptr) return;
    int budget = kMaxCacheBreakpoints - countBreakpoints(body);
    Value cacheControl(rapidjson::kObjectType);
    cacheControl.AddMember("type", "ephemeral", a);
    cacheControl.AddMember("ttl", copyString(ttl, a), a);
    Value *lastUser = nullptr;
    Value *lastSystem = nullptr;
    for (auto &message : messages->GetArray()) {
        std::string_view role = json::getString(message, "role");
        if (role == "user") lastUser = &message;
        if (role == "system" || role == "developer") lastSystem = &message;
    }
    // The last user message first: its breakpoint caches the whole conversation prefix, system prompt included.
    for (Value *target : {lastUser, lastSystem}) {
        if (budget > 0 && target != nullptr && markMessage(*target, cacheControl, a)) --budget;
    }
}

// ---- params ----

struct ParamResult {
    std::string cacheTtl;
};

ParamResult applyParams(Value &body, const Value &params, Allocator &a) {
    ParamResult result;
    Value reasoning(rapidjson::kObjectType);
    std::string_view effort;
    for (const auto &m : params.GetObject()) {
        std::string_view key = json::view(m.name);
        const Value &value = m.value;
        if (value.IsNull() || key == "provider") continue;  // null unsets a default; provider is merged apart
        if (key == "cacheControlTtl") {
            if (!value.IsString() || (json::view(value) != "5m" && json::view(value) != "1h")) {
                badType("params.cacheControlTtl", "\"5m\" or \"1h\"");
            }
            result.cacheTtl = json::view(value);
        } else if (key == "reasoning" || key == "reasoningEffort") {
            if (value.IsString()) {
                effort = json::view(value);
            } else if (key == "reasoning" && value.IsObject()) {
                reasoning.CopyFrom(value, a);
            } else {
                badType("params." + std::string(key), key == "reasoning" ? "an effort string or an object" : "a string");
            }
        } else if (const Rule *rule = findRule(kParamRules, key)) {
            checkRule(rule, "params", key, value);
            // max_tokens and max_completion_tokens are one limit: the request's own wins.
            if (std::string_view(rule->wire) == "max_tokens" && body.HasMember("max_completion_tokens")) continue;
            fillMissing(body, rule->wire, value, a);
        } else {
            fillMissing(body, snakeCase(key), value, a);
        }
    }
    // "off" means no reasoning request at all; one reasoning field only (two give a 400).
    if (!effort.empty() && effort != "off" && !reasoning.HasMember("effort")) {
        reasoning.AddMember("effort", copyString(effort, a), a);
    }
    if (reasoning.MemberCount() > 0 && !body.HasMember("reasoning") && !body.HasMember("reasoning_effort")) {
        body.AddMember("reasoning", reasoning, a);
    }
    return result;
}

}  // namespace

BuiltRequest buildRequest(const Value &request, const Value &options, std::string_view modelId, bool stream,
                          const ProviderLookup &providers) {
    if (!request.IsObject()) throw sdk::Failure(MB_ERR_INVALID_ARGUMENT, "the request is not a JSON object");
    if (!options.IsObject() && !options.IsNull()) {
        throw sdk::Failure(MB_ERR_INVALID_ARGUMENT, "the model options are not a JSON object");
    }
    rapidjson::Document body;
    Allocator &a = body.GetAllocator();
    body.CopyFrom(request, a);
    body.RemoveMember("model");
    body.AddMember("model", copyString(modelId, a), a);

    static const Value kEmpty(rapidjson::kObjectType);
    const Value *params = json::member(options, "params");
    if (params != nullptr && !params->IsNull() && !params->IsObject()) badType("params", "an object");
    const Value &paramsObject = params != nullptr && params->IsObject() ? *params : kEmpty;
    ParamResult applied = applyParams(body, paramsObject, a);
    mergeProvider(body, paramsObject, options, a);

    BuiltRequest built;
    checkSlugs(body, providers, built.notices);
    if (!applied.cacheTtl.empty() && isAnthropic(modelId)) addBreakpoints(body, applied.cacheTtl, a);

    sdk::openai::setStream(body, stream, a);
    built.body = json::write(body);
    return built;
}

}  // namespace moltbot::openrouter
