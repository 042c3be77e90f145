#include "core/config/paths.hpp"

#include <cstdlib>
#include <pwd.h>
#include <unistd.h>

namespace moltbot::config {

namespace {

std::string homeDir() {
    if (const char *home = std::getenv("HOME"); home != nullptr && *home != '\0') return home;
    if (const passwd *entry = getpwuid(getuid()); entry != nullptr && entry->pw_dir != nullptr) return entry->pw_dir;
    return "/";
}

std::string envOrEmpty(const char *name) {
    const char *value = std::getenv(name);
    return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

std::filesystem::path expandHome(const std::string &path) {
    if (path == "~") return homeDir();
    if (path.rfind("~/", 0) == 0) return std::filesystem::path(homeDir()) / path.substr(2);
    return path;
}

std::filesystem::path stateDir() {
    std::string fromEnv = envOrEmpty("MOLTBOT_STATE_DIR");
    if (!fromEnv.empty()) return expandHome(fromEnv);
    return std::filesystem::path(homeDir()) / ".moltbot";
}

std::filesystem::path configPath() {
    std::string fromEnv = envOrEmpty("MOLTBOT_CONFIG_PATH");
    if (!fromEnv.empty()) return expandHome(fromEnv);
    return stateDir() / "moltbot.json";
}

std::filesystem::path credentialsPath() { return stateDir() / "credentials.json"; }

std::filesystem::path cooldownsPath() { return stateDir() / "cooldowns.json"; }

}  // namespace moltbot::config
