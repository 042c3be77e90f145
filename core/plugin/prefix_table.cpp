#include "core/plugin/prefix_table.hpp"

#include <algorithm>

namespace moltbot::plugin {

namespace {

bool declares(const std::vector<std::string> &names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

std::string describe(const Provider &provider) {
    return provider.path.string() + " (" + provider.info.id + ")";
}

}  // namespace

void PrefixTable::claim(const std::shared_ptr<const Provider> &provider) {
    providers_.push_back(provider);
    for (const std::string &prefix : provider->info.prefixes) claims_[prefix].push_back(provider);
}

std::shared_ptr<const Provider> PrefixTable::withId(std::string_view id) const {
    auto found = std::find_if(providers_.begin(), providers_.end(), [&](const auto &p) { return p->info.id == id; });
    return found == providers_.end() ? nullptr : *found;
}

void PrefixTable::resolve(const std::map<std::string, std::string, std::less<>> &pins,
                          std::vector<std::string> &warnings) {
    pins_ = pins;
    for (const auto &[prefix, id] : pins_) {
        auto target = withId(id);
        std::string key = "plugins.prefixes." + prefix;
        std::string reason;
        if (target == nullptr) {
            reason = "no loaded plugin provides '" + id + "'";
        } else if (!declares(target->info.prefixes, prefix) && !(target->info.capabilities & MB_CAP_CONFIG_PREFIXES)) {
            // A provider of config-defined prefixes serves any name through models.providers.<name>.api.
            reason = "the provider '" + id + "' (" + target->path.string() + ") does not serve the prefix";
        }
        if (reason.empty()) continue;
        pinProblems_.push_back({prefix, id, key + ": " + reason + ", so nothing serves the prefix '" + prefix + "'"});
        warnings.push_back("moltbot: " + pinProblems_.back().message + " (see 'moltbot plugins list')");
    }
    for (const auto &[prefix, claimants] : claims_) {
        auto pin = pins_.find(prefix);
        bool pinned = pin != pins_.end();
        bool unresolved = std::any_of(pinProblems_.begin(), pinProblems_.end(),
                                      [&](const PinProblem &problem) { return problem.prefix == prefix; });
        // The provider the prefix goes to. A pin to a provider of config-defined prefixes that does not declare
        // this one sends it to the config route (findByApi): no claimant serves it then.
        std::shared_ptr<const Provider> owner = pinned ? (unresolved ? nullptr : withId(pin->second))
                                                       : claimants.front();
        if (owner != nullptr && declares(owner->info.prefixes, prefix)) winners_.emplace(prefix, owner);
        for (const auto &loser : claimants) {
            if (loser == owner) continue;
            shadowed_.push_back({prefix, owner, loser, pinned});
            // A pin is the user's decision, and an unresolved one has its own warning: only a silent takeover by
            // search order is worth a line on every run.
            if (pinned) continue;
            warnings.push_back("moltbot: plugin " + describe(*loser) + " claims prefix '" + prefix +
                               "', already served by " + describe(*owner) + "; ignoring its claim");
        }
    }
}

std::shared_ptr<const Provider> PrefixTable::find(std::string_view prefix) const {
    auto it = winners_.find(prefix);
    return it == winners_.end() ? nullptr : it->second;
}

std::shared_ptr<const Provider> PrefixTable::findByApi(std::string_view api, std::string_view prefix) const {
    if (auto pin = pins_.find(prefix); pin != pins_.end()) {
        auto pinned = withId(pin->second);
        return pinned != nullptr && declares(pinned->info.apis, api) ? pinned : nullptr;
    }
    auto first = std::find_if(providers_.begin(), providers_.end(),
                              [&](const auto &p) { return declares(p->info.apis, api); });
    return first == providers_.end() ? nullptr : *first;
}

}  // namespace moltbot::plugin
