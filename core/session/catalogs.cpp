#include "core/session/catalogs.hpp"

#include "core/config/config.hpp"
#include "core/plugin/registry.hpp"
#include "core/runtime/runtime.hpp"
#include "core/util/suggest.hpp"

#include <moltbot/plugin.h>
#include <moltbot/sdk/text.hpp>

#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>
#include <ostream>

namespace moltbot::session {

std::string foldDigitSeparators(const std::string &id) {
    std::string folded = id;
    for (std::size_t i = 1; i + 1 < folded.size(); ++i) {
        if ((folded[i] == '-' || folded[i] == '.') && std::isdigit(static_cast<unsigned char>(folded[i - 1])) &&
            std::isdigit(static_cast<unsigned char>(folded[i + 1]))) {
            folded[i] = '.';
        }
    }
    return folded;
}

namespace {

// The models a plugin lists, read outside the lock: list_models may fetch the catalog over the network.
Catalog readCatalog(runtime::Runtime &host, const std::string &prefix, std::ostream &warnings) {
    Catalog catalog;
    // A plugin that cannot list its models has no catalog: no instance is made just to find that out.
    if (auto provider = host.registry().find(prefix);
        provider && ((provider->info.capabilities & MB_CAP_LIST_MODELS) == 0 || provider->vtable.list_models == nullptr)) {
        return catalog;
    }
    try {
        const plugin::ProviderInstance &instance = host.instance(prefix);
        if (instance.provider().vtable.list_models == nullptr) return catalog;
        plugin::CallResult result = instance.listModels([&](uint32_t kind, std::string_view json) {
            if (kind != MB_EVENT_MODEL) return true;
            rapidjson::Document event;
            event.Parse(json.data(), json.size());
            if (event.HasParseError() || !event.IsObject() || !event.HasMember("id") || !event["id"].IsString()) {
                return true;
            }
            CatalogModel model;
            if (event.HasMember("name") && event["name"].IsString()) model.name = event["name"].GetString();
            if (event.HasMember("input") && event["input"].IsString()) model.input = event["input"].GetString();
            if (event.HasMember("context_length") && event["context_length"].IsInt64()) {
                model.contextWindow = event["context_length"].GetInt64();
            }
            if (event.HasMember("max_completion_tokens") && event["max_completion_tokens"].IsInt64()) {
                model.maxOutput = event["max_completion_tokens"].GetInt64();
            }
            if (event.HasMember("pricing")) model.prices = limits::parsePrices(event["pricing"]);
            catalog[event["id"].GetString()] = std::move(model);
            return true;
        });
        if (!result.ok()) warnings << "moltbot: warning: could not list the " << prefix << " models: " << result.message << "\n";
    } catch (const std::exception &error) {
        warnings << "moltbot: warning: " << error.what() << "\n";
    }
    return catalog;
}

}  // namespace

std::vector<ListedPrefix> listablePrefixes(const config::Config &config, const plugin::Registry &registry) {
    std::map<std::string, bool> prefixes;  // prefix -> from the config
    for (const auto &loaded : registry.plugins()) {
        for (const auto &provider : loaded.providers) {
            // A plugin serving config-defined prefixes declares a placeholder prefix too, which serves nothing
            // unless the config sets it up like any other.
            bool placeholders = (provider->info.capabilities & MB_CAP_CONFIG_PREFIXES) != 0;
            for (const auto &prefix : provider->info.prefixes) {
                if (placeholders && config.providerSettings(prefix) == nullptr) continue;
                if (registry.find(prefix) == provider) prefixes.emplace(prefix, false);
            }
        }
    }
    if (const rapidjson::Value *providers = config.get("models.providers"); providers && providers->IsObject()) {
        for (const auto &entry : providers->GetObject()) {
            std::string name(entry.name.GetString(), entry.name.GetStringLength());
            if (entry.value.IsObject() && entry.value.HasMember("api") && !registry.find(name)) prefixes.emplace(name, true);
        }
    }
    std::vector<ListedPrefix> listed;
    for (const auto &[prefix, fromConfig] : prefixes) listed.push_back({prefix, fromConfig});
    return listed;
}

const Catalog &Catalogs::of(const std::string &prefix) {
    {
        std::lock_guard lock(mutex_);
        if (auto it = catalogs_.find(prefix); it != catalogs_.end()) return it->second;
    }
    Catalog read = readCatalog(host_, prefix, warnings_);
    std::lock_guard lock(mutex_);
    // Two threads may have read it at once: the first one kept wins, so references handed out stay valid.
    return catalogs_.try_emplace(prefix, std::move(read)).first->second;
}

const CatalogModel *Catalogs::find(const pipeline::ModelRef &ref) {
    const Catalog &models = of(ref.prefix);
    if (auto it = models.find(ref.id); it != models.end()) return &it->second;
    // A provider's own model may be listed under its name, as plugins resolve a bare id: the ref "openrouter/auto"
    // is OpenRouter's router "openrouter/auto".
    if (ref.id.find('/') == std::string::npos) {
        if (auto it = models.find(ref.prefix + "/" + ref.id); it != models.end()) return &it->second;
    }
    std::string folded = foldDigitSeparators(ref.id);
    for (const auto &[id, model] : models) {
        if (foldDigitSeparators(id) == folded) return &model;
    }
    return nullptr;
}

const CatalogModel *Catalogs::entry(const pipeline::ModelRef &ref) {
    if (const CatalogModel *model = find(ref)) return model;
    std::size_t colon = ref.id.rfind(':');
    if (colon == std::string::npos || colon == 0) return nullptr;
    return find({ref.prefix, ref.id.substr(0, colon)});
}

bool Catalogs::known(const pipeline::ModelRef &ref) { return of(ref.prefix).empty() || entry(ref) != nullptr; }

std::vector<std::string> Catalogs::closest(const std::string &prefix, const std::string &id, std::size_t count) {
    if (id.size() > 256) return {};  // an edit distance per catalog id would cost more than the suggestion is worth
    std::string folded = foldDigitSeparators(id);
    std::vector<std::pair<std::size_t, std::string>> scored;
    for (const auto &[candidate, model] : of(prefix)) {
        std::size_t distance = sdk::editDistance(folded, foldDigitSeparators(candidate));
        // A catalog id that ends with the asked one ("claude-sonnet-4.5" for "anthropic/claude-sonnet-4.5") is
        // a likely meaning too.
        bool suffix = candidate.size() > id.size() && candidate.compare(candidate.size() - id.size(), id.size(), id) == 0 &&
                      candidate[candidate.size() - id.size() - 1] == '/';
        scored.emplace_back(suffix ? 0 : distance, prefix + "/" + candidate);
    }
    return util::closestFirst(std::move(scored), util::typoLimit(folded, 3), count);
}

}  // namespace moltbot::session
