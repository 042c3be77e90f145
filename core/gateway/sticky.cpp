#include "core/gateway/sticky.hpp"

#include <Poco/DigestEngine.h>
#include <Poco/SHA1Engine.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <utility>

namespace moltbot::gateway {

std::string stickySessionId(std::string_view gatewayKeyId, std::string_view sessionHeader, std::string_view user) {
    std::string_view kind = !sessionHeader.empty() ? "header" : "user";
    std::string_view value = !sessionHeader.empty() ? sessionHeader : user;
    if (value.empty()) return {};
    Poco::SHA1Engine engine;
    // NUL separators: no key id and session value can be glued into another pair's text.
    std::string text;
    text.append(gatewayKeyId).push_back('\0');
    text.append(kind).push_back('\0');
    text.append(value);
    engine.update(text);
    return Poco::DigestEngine::digestToHex(engine.digest());
}

std::string providerSlug(std::string_view displayName) {
    // OpenRouter's /providers names whose slug is not the name's words joined with '-'.
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kExceptions = {{
        {"Google", "google-vertex"},
        {"Moonshot AI", "moonshotai"},
        {"NovitaAI", "novita"},
        {"Nebius AI Studio", "nebius"},
        {"AtlasCloud", "atlas-cloud"},
        {"InferenceNet", "inference-net"},
    }};
    for (const auto &[name, slug] : kExceptions) {
        if (name == displayName) return std::string(slug);
    }
    std::string slug;
    bool gap = false;
    for (char c : displayName) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            if (gap && !slug.empty()) slug.push_back('-');
            gap = false;
            slug.push_back(c);
        } else {
            gap = true;
        }
    }
    return slug;
}

namespace {

bool hasOrder(const rapidjson::Value &object) {
    if (!object.IsObject()) return false;
    auto provider = object.FindMember("provider");
    if (provider == object.MemberEnd() || !provider->value.IsObject()) return false;
    auto order = provider->value.FindMember("order");
    return order != provider->value.MemberEnd() && !order->value.IsNull();
}

}  // namespace

bool orderPinned(const rapidjson::Value &requestBody, const std::string &optionsJson) {
    if (hasOrder(requestBody)) return true;
    rapidjson::Document options;
    options.Parse(optionsJson.c_str(), optionsJson.size());
    if (options.HasParseError() || !options.IsObject()) return false;
    if (hasOrder(options)) return true;
    auto params = options.FindMember("params");
    return params != options.MemberEnd() && hasOrder(params->value);
}

bool pinProvider(pipeline::ChainEntry &entry, const rapidjson::Value &requestBody, const std::string &slug) {
    if (slug.empty() || orderPinned(requestBody, entry.optionsJson)) return false;
    rapidjson::Document options;
    options.Parse(entry.optionsJson.c_str(), entry.optionsJson.size());
    if (options.HasParseError() || !options.IsObject()) return false;
    auto &a = options.GetAllocator();
    auto provider = options.FindMember("provider");
    if (provider == options.MemberEnd()) {
        options.AddMember("provider", rapidjson::Value(rapidjson::kObjectType), a);
        provider = options.FindMember("provider");
    } else if (!provider->value.IsObject()) {
        provider->value.SetObject();  // null unsets a default: a pin replaces it
    }
    rapidjson::Value order(rapidjson::kArrayType);
    order.PushBack(rapidjson::Value(slug.c_str(), static_cast<rapidjson::SizeType>(slug.size()), a), a);
    provider->value.RemoveMember("order");
    provider->value.AddMember("order", order, a);
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    options.Accept(writer);
    entry.optionsJson.assign(buffer.GetString(), buffer.GetSize());
    return true;
}

}  // namespace moltbot::gateway
