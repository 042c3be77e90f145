#include "tests/simulator/routing.hpp"

#include <algorithm>

namespace moltbot::sim {

namespace {

bool matchesAny(const std::vector<std::string> &preferences, const Endpoint &endpoint) {
    return std::any_of(preferences.begin(), preferences.end(),
                       [&](const std::string &preference) { return slugMatches(preference, endpoint); });
}

}  // namespace

bool slugMatches(const std::string &preference, const Endpoint &endpoint) {
    if (preference == endpoint.tag) return true;
    return preference.find('/') == std::string::npos && endpoint.tag.starts_with(preference + "/");
}

std::vector<const Endpoint *> planRoute(const Model &model, const ProviderPreferences &preferences) {
    std::vector<const Endpoint *> candidates;
    for (const Endpoint &endpoint : model.endpoints) {
        if (!preferences.only.empty() && !matchesAny(preferences.only, endpoint)) continue;
        if (matchesAny(preferences.ignore, endpoint)) continue;
        candidates.push_back(&endpoint);
    }

    std::vector<const Endpoint *> plan;
    for (const std::string &preference : preferences.order) {
        for (const Endpoint *endpoint : candidates) {
            if (slugMatches(preference, *endpoint) && std::find(plan.begin(), plan.end(), endpoint) == plan.end())
                plan.push_back(endpoint);
        }
    }
    if (preferences.allowFallbacks) {
        for (const Endpoint *endpoint : candidates) {
            if (std::find(plan.begin(), plan.end(), endpoint) == plan.end()) plan.push_back(endpoint);
        }
    } else if (preferences.order.empty()) {
        if (!preferences.only.empty()) {
            plan = candidates;
        } else if (!candidates.empty()) {
            plan.push_back(candidates.front());
        }
    }
    return plan;
}

}  // namespace moltbot::sim
