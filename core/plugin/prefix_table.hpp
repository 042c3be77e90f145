// Internal to core/plugin: which provider serves each model-ref prefix (docs/abi.md §10). The first provider in
// search order that claims a prefix serves it, unless plugins.prefixes pins the prefix to a provider id; every
// other claimant is shadowed for that prefix (it keeps its other prefixes).
#pragma once

#include "core/plugin/registry.hpp"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace moltbot::plugin {

class PrefixTable {
public:
    // Records the claims of `provider`, after those of every provider before it in search order.
    void claim(const std::shared_ptr<const Provider> &provider);
    // Decides every prefix with `pins` (prefix -> provider id). Each shadowed claim and each pin that cannot be
    // honoured gets one "moltbot: ..." line in `warnings`.
    void resolve(const std::map<std::string, std::string, std::less<>> &pins, std::vector<std::string> &warnings);

    std::shared_ptr<const Provider> find(std::string_view prefix) const;
    // The pinned provider for a config-defined prefix (models.providers.<prefix>.api), else the first provider
    // that declares `api`; nullptr when there is none or the pin names a provider without that api.
    std::shared_ptr<const Provider> findByApi(std::string_view api, std::string_view prefix) const;

    const std::vector<ShadowedPrefix> &shadowed() const { return shadowed_; }
    const std::vector<PinProblem> &pinProblems() const { return pinProblems_; }
    bool pinned(std::string_view prefix) const { return pins_.find(prefix) != pins_.end(); }

private:
    std::shared_ptr<const Provider> withId(std::string_view id) const;

    std::vector<std::shared_ptr<const Provider>> providers_;  // search order
    std::map<std::string, std::vector<std::shared_ptr<const Provider>>, std::less<>> claims_;  // in search order
    std::map<std::string, std::shared_ptr<const Provider>, std::less<>> winners_;
    std::map<std::string, std::string, std::less<>> pins_;
    std::vector<ShadowedPrefix> shadowed_;
    std::vector<PinProblem> pinProblems_;
};

}  // namespace moltbot::plugin
