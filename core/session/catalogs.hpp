// The model catalogs of the plugins, read once per prefix through list_models (which the plugins serve from their
// own cache) and kept for the session: `models list` prints them, the gateway lists them on /v1/models and checks
// that a requested model exists. Thread-safe.
#pragma once

#include "core/limits/pricing.hpp"
#include "core/pipeline/model_ref.hpp"

#include <iosfwd>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace moltbot::runtime {
class Runtime;
}
namespace moltbot::config {
class Config;
}
namespace moltbot::plugin {
class Registry;
}

namespace moltbot::session {

struct CatalogModel {
    std::string name;
    std::string input;          // "text", "text+image"
    int64_t contextWindow = 0;
    int64_t maxOutput = 0;      // the longest answer, 0 when the catalog does not say
    limits::Prices prices;      // per token, for budgets and cost estimates
};

using Catalog = std::map<std::string, CatalogModel>;  // by provider-local id

// Ids differ between configs and catalogs in one common way: "claude-sonnet-4-5" for "claude-sonnet-4.5". Dashes and
// dots between two digits count as the same character, as plugins that resolve such ids do.
std::string foldDigitSeparators(const std::string &id);

struct ListedPrefix {
    std::string prefix;
    bool fromConfig = false;  // a provider the config defines (models.providers.<name>.api), served by an api plugin
};

// The prefixes whose models can be asked for and listed, sorted: each prefix a plugin serves (the winner, when two
// claim it), except the placeholder prefix of a plugin serving config-defined prefixes unless the config sets it
// up, and each provider the config defines with `api`.
std::vector<ListedPrefix> listablePrefixes(const config::Config &config, const plugin::Registry &registry);

class Catalogs {
public:
    // Warnings (a plugin that cannot list its models, a prefix no plugin serves) go to `warnings`, once per prefix.
    Catalogs(runtime::Runtime &host, std::ostream &warnings) : host_(host), warnings_(warnings) {}

    // The models of the plugin serving `prefix`, read on first use; empty when the plugin cannot list them. The
    // reference stays valid for the lifetime of this object.
    const Catalog &of(const std::string &prefix);
    // The catalog entry of `ref`, the id compared exactly (a bare id also as "<prefix>/<id>"), then with digit
    // separators folded.
    const CatalogModel *find(const pipeline::ModelRef &ref);
    // Whether `ref`'s id is in its prefix's catalog; a catalog that could not be read (or is empty) knows nothing,
    // so every id counts as known. A ":variant" suffix (":nitro", ":floor") is checked by its base id.
    bool known(const pipeline::ModelRef &ref);
    // The entry of `ref`, or of its base id for a ":variant" ref; nullptr when neither is in the catalog.
    const CatalogModel *entry(const pipeline::ModelRef &ref);
    // Up to `count` refs of `prefix`'s catalog closest to `id` by edit distance (close enough to be a typo).
    std::vector<std::string> closest(const std::string &prefix, const std::string &id, std::size_t count = 3);

private:
    runtime::Runtime &host_;
    std::ostream &warnings_;
    std::mutex mutex_;
    std::map<std::string, Catalog> catalogs_;
};

}  // namespace moltbot::session
