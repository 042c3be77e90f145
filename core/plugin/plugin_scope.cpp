#include "core/plugin/plugin_scope.hpp"

#include "core/config/files.hpp"

#include <rapidjson/document.h>

#include <algorithm>

namespace moltbot::plugin {

namespace {

// models.providers.<name>...: the section of the provider instance <name>, or "" for any other path.
std::string_view providerSection(const config::PathSegments &path) {
    if (path.size() < 3 || path[0] != "models" || path[1] != "providers") return {};
    return path[2];
}

}  // namespace

void PluginScope::grant(std::string_view name) {
    std::lock_guard lock(mutex_);
    names_.emplace(name);
}

bool PluginScope::owns(std::string_view name) const { return names_.find(name) != names_.end(); }

bool PluginScope::ownsSecret(std::string_view name) const {
    std::lock_guard lock(mutex_);
    return owns(name);
}

bool PluginScope::allowed(const config::PathSegments &path) const {
    // Secrets reach a plugin only through secret_get, which applies the host's own resolution order.
    if (std::any_of(path.begin(), path.end(), [](const std::string &key) { return config::isSecretKey(key); })) {
        return false;
    }
    std::string_view section = providerSection(path);
    return section.empty() || owns(section);
}

bool PluginScope::mayRead(const config::PathSegments &path) const {
    std::lock_guard lock(mutex_);
    return allowed(path);
}

std::string PluginScope::visible(const config::PathSegments &path, std::string_view json) const {
    rapidjson::Document value;
    value.Parse(json.data(), json.size());
    if (value.HasParseError() || !(value.IsObject() || value.IsArray())) return std::string(json);
    std::lock_guard lock(mutex_);
    config::PathSegments at = path;
    // Depth-first; `at` is the path of the value being looked at.
    auto strip = [&](auto &self, rapidjson::Value &node) -> void {
        if (node.IsObject()) {
            for (auto member = node.MemberBegin(); member != node.MemberEnd();) {
                at.emplace_back(member->name.GetString(), member->name.GetStringLength());
                if (allowed(at)) {
                    self(self, member->value);
                    ++member;
                } else {
                    member = node.EraseMember(member);
                }
                at.pop_back();
            }
        } else if (node.IsArray()) {
            for (rapidjson::SizeType i = 0; i < node.Size(); ++i) {
                at.push_back(std::to_string(i));
                self(self, node[i]);
                at.pop_back();
            }
        }
    };
    strip(strip, value);
    return config::toCompactJson(value);
}

}  // namespace moltbot::plugin
