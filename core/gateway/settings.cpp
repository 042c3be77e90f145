#include "core/gateway/settings.hpp"

#include <unistd.h>

namespace moltbot::gateway {

Settings Settings::fromConfig(const config::Config &config) {
    Settings settings;
    const rapidjson::Value *block = config.get("gateway");
    if (block == nullptr || !block->IsObject()) return settings;
    auto integer = [&](const char *key, auto &into) {
        if (auto it = block->FindMember(key); it != block->MemberEnd() && it->value.IsInt64()) {
            into = static_cast<std::remove_reference_t<decltype(into)>>(it->value.GetInt64());
        }
    };
    auto string = [&](const char *key, std::string &into) {
        if (auto it = block->FindMember(key); it != block->MemberEnd() && it->value.IsString()) into = it->value.GetString();
    };
    string("host", settings.host);
    integer("port", settings.port);
    integer("threads", settings.threads);
    integer("maxConcurrent", settings.maxConcurrent);
    integer("maxBodyBytes", settings.maxBodyBytes);
    integer("drainSeconds", settings.drainSeconds);
    integer("headerTimeoutSeconds", settings.headerTimeoutSeconds);
    integer("idleTimeoutSeconds", settings.idleTimeoutSeconds);
    integer("upstreamConnectTimeoutSeconds", settings.upstreamConnectTimeoutSeconds);
    integer("upstreamIdleTimeoutSeconds", settings.upstreamIdleTimeoutSeconds);
    integer("requestTimeoutSeconds", settings.requestTimeoutSeconds);
    integer("stickySeconds", settings.stickySeconds);
    string("instanceId", settings.instanceId);
    string("logFormat", settings.logFormat);
    if (auto it = block->FindMember("logContent"); it != block->MemberEnd() && it->value.IsBool()) {
        settings.logContent = it->value.GetBool();
    }
    return settings;
}

std::string Settings::instanceName() const {
    if (!instanceId.empty()) return instanceId;
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "localhost:" + std::to_string(port);
    return std::string(host) + ":" + std::to_string(port);
}

}  // namespace moltbot::gateway
