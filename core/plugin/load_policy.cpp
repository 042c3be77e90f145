#include "core/plugin/load_policy.hpp"

#include "core/config/paths.hpp"

#include <sys/stat.h>

#include <algorithm>

namespace moltbot::plugin {

namespace {

std::string reason(const DisabledEntry &disabled) {
    return "disabled by " + disabled.origin + " ('" + disabled.entry + "'" +
           (disabled.origin == "plugins.disabled" ? "; 'moltbot plugins enable " + disabled.entry + "' loads it again"
                                                  : "") +
           ")";
}

}  // namespace

bool isPathEntry(const std::string &entry) { return entry.find('/') != std::string::npos; }

std::optional<std::string> LoadPolicy::disabledFile(const std::filesystem::path &file,
                                                    std::pair<dev_t, ino_t> id) const {
    for (const DisabledEntry &disabled : this->disabled) {
        bool matches = disabled.entry == file.filename().string();
        if (!matches && isPathEntry(disabled.entry)) {
            // The same file whatever the path to it: a link, a relative path, another mount of the folder.
            struct stat info {};
            std::filesystem::path path = config::expandHome(disabled.entry);
            matches = ::stat(path.c_str(), &info) == 0 && std::pair(info.st_dev, info.st_ino) == id;
        }
        if (matches) return reason(disabled);
    }
    return std::nullopt;
}

std::optional<std::string> LoadPolicy::disabledProvider(const std::vector<std::string> &ids) const {
    for (const DisabledEntry &disabled : this->disabled) {
        if (std::find(ids.begin(), ids.end(), disabled.entry) != ids.end()) return reason(disabled);
    }
    return std::nullopt;
}

}  // namespace moltbot::plugin
