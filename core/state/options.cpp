#include "core/config/config.hpp"
#include "core/config/files.hpp"
#include "core/keys/key_store.hpp"
#include "core/limits/ledger.hpp"
#include "core/state/backend.hpp"
#include "core/state/local_backend.hpp"
#include "core/state/redis_backend.hpp"

#include <cstdlib>

namespace moltbot::state {

Options Options::fromConfig(const config::Config &config) {
    Options options;
    options.keysFile = keys::keysPath();
    options.ledgerFolder = limits::ledgerFolder();
    if (const rapidjson::Value *timeout = config.get("gateway.requestTimeoutSeconds");
        timeout != nullptr && timeout->IsInt64()) {
        // A request runs at most requestTimeoutSeconds, then 2 s for a hung plugin: its reservation must outlive it.
        options.reservationTtlMs = timeout->GetInt64() * 1000 + 5000;
    }
    auto string = [&](const char *path, std::string &into) {
        const rapidjson::Value *value = config.get(path);
        if (value != nullptr && value->IsString()) into = value->GetString();
    };
    auto integer = [&](const char *path, int &into) {
        const rapidjson::Value *value = config.get(path);
        if (value != nullptr && value->IsInt64()) into = static_cast<int>(value->GetInt64());
    };
    string("state.backend", options.backend);
    string("state.redis.url", options.redisUrl);
    string("state.redis.keyPrefix", options.keyPrefix);
    integer("state.redis.connectTimeoutMs", options.connectTimeoutMs);
    integer("state.redis.commandTimeoutMs", options.commandTimeoutMs);
    string("state.onStateError", options.onStateError);
    integer("state.instances", options.instances);
    if (const char *url = std::getenv("MOLTBOT_REDIS_URL"); url != nullptr && *url != '\0') options.redisUrl = url;
    return options;
}

std::unique_ptr<Backend> open(const Options &options) {
    if (options.backend == "redis") return std::make_unique<RedisBackend>(options);
    if (options.backend != "local") {
        throw config::ConfigError("state.backend: expected \"local\" or \"redis\", got \"" + options.backend + "\"");
    }
    return std::make_unique<LocalBackend>(options.keysFile, options.ledgerFolder);
}

}  // namespace moltbot::state
