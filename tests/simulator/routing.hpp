// Provider routing: which endpoints of a model a request may use, in the order they are tried.
#pragma once

#include "tests/simulator/catalog.hpp"

#include <string>
#include <vector>

namespace moltbot::sim {

// The request's `provider` object; fields the simulator does not model (sort, zdr, data_collection, ...) are
// accepted and ignored.
struct ProviderPreferences {
    std::vector<std::string> order;
    std::vector<std::string> only;
    std::vector<std::string> ignore;
    bool allowFallbacks = true;
};

// OpenRouter's base-slug rule: "deepinfra" matches "deepinfra" and "deepinfra/turbo"; "deepinfra/turbo" only itself.
// Display names and unknown slugs match nothing.
bool slugMatches(const std::string &preference, const Endpoint &endpoint);

// The endpoints to try in order. Default: cheapest first. `only` and `ignore` filter; `order` puts its providers
// first and, with allow_fallbacks, the rest after them. allow_fallbacks:false keeps only the `order` providers, or
// with no `order` the `only` providers, or with neither just the default endpoint. Empty: no endpoint is left.
std::vector<const Endpoint *> planRoute(const Model &model, const ProviderPreferences &preferences);

}  // namespace moltbot::sim
