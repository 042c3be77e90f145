#include "core/session/session.hpp"

#include "core/util/suggest.hpp"

#include <moltbot/sdk/http.hpp>

#include <poll.h>

#include <algorithm>
#include <set>

namespace moltbot::session {

Session::Session(std::shared_ptr<const config::Config> config, std::shared_ptr<pipeline::CooldownStore> cooldowns,
                 runtime::RuntimeOptions options, std::ostream &log)
    : config_(std::move(config)),
      cooldowns_(std::move(cooldowns)),
      cancel_(std::make_shared<http::CancelToken>()),
      runtime_(std::make_unique<runtime::Runtime>(*config_, *cancel_, options, log)),
      catalogs_(std::make_unique<Catalogs>(*runtime_, log)),
      log_(log) {}

Session::Session(std::shared_ptr<const config::Config> config, Session &previous)
    : config_(std::move(config)),
      cooldowns_(previous.cooldowns_),
      cancel_(previous.cancel_),
      runtime_(std::make_unique<runtime::Runtime>(config_, *previous.runtime_)),
      catalogs_(std::make_unique<Catalogs>(*runtime_, previous.log_)),
      log_(previous.log_) {}

Session::~Session() = default;

std::vector<std::string> Session::prefixes() const {
    std::vector<std::string> served;
    for (const auto &listed : listablePrefixes(*config_, runtime_->registry())) served.push_back(listed.prefix);
    return served;
}

pipeline::ModelRef Session::resolve(const ModelName &name) const {
    std::string text = name.name;
    if (auto aliased = config_->resolveAlias(name.name)) text = *aliased;
    std::string why;
    if (auto ref = pipeline::parseModelRef(text, &why)) return *ref;
    std::vector<std::string> aliases;
    for (const auto &[alias, ref] : config_->aliases()) aliases.push_back(alias);
    std::vector<std::string> suggestions = util::nearest(name.name, aliases, 3);
    throw ModelError("invalid model '" + name.name + "' in " + name.where + ": " + why + ", or a configured alias" +
                         util::didYouMean(suggestions),
                     suggestions);
}

void Session::requireKnown(const pipeline::ModelRef &ref, const std::string &asWritten) {
    std::vector<std::string> served = prefixes();
    if (std::find(served.begin(), served.end(), ref.prefix) == served.end()) {
        // The prefix left out ("anthropic/claude-sonnet-4.5"): a served prefix whose catalog has the whole name.
        std::vector<std::string> suggestions;
        std::string whole = ref.prefix + "/" + ref.id;
        for (const auto &prefix : served) {
            if (catalogs_->find({prefix, whole}) != nullptr) {
                suggestions.push_back(prefix + "/" + whole);
            } else {
                for (auto &near : catalogs_->closest(prefix, whole, 2)) suggestions.push_back(std::move(near));
            }
        }
        for (const auto &prefix : util::nearest(ref.prefix, served, 2)) suggestions.push_back(prefix + "/" + ref.id);
        std::string list;
        for (const auto &prefix : served) list += (list.empty() ? "" : ", ") + prefix;
        throw ModelError("unknown model '" + asWritten + "': no plugin serves the prefix '" + ref.prefix + "'" +
                             (list.empty() ? " (no plugins were found)" : " (served: " + list + ")") +
                             util::didYouMean(suggestions),
                         suggestions);
    }
    if (catalogs_->known(ref)) return;
    std::vector<std::string> suggestions = catalogs_->closest(ref.prefix, ref.id);
    for (const auto &alias : [&] {
             std::vector<std::string> names;
             for (const auto &[name, target] : config_->aliases()) names.push_back(name);
             return util::nearest(asWritten, names, 1);
         }()) {
        suggestions.push_back(alias);
    }
    throw ModelError("unknown model '" + asWritten + "': '" + ref.id + "' is not in the " + ref.prefix + " catalog" +
                         util::didYouMean(suggestions),
                     suggestions);
}

std::vector<pipeline::ChainEntry> Session::chain(const std::vector<ModelName> &names) const {
    std::vector<pipeline::ChainEntry> entries;
    std::set<std::string> seen;
    for (const auto &name : names) {
        pipeline::ModelRef ref = resolve(name);
        std::string full = ref.full();
        if (seen.insert(full).second) entries.push_back({ref, config_->modelOptionsJson(full)});
    }
    return entries;
}

std::vector<pipeline::ChainEntry> Session::knownChain(const std::vector<ModelName> &names, std::size_t asked,
                                                     std::vector<std::string> &skipped) {
    std::vector<ModelName> known;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i < asked) {
            requireKnown(resolve(names[i]), names[i].name);
            known.push_back(names[i]);
            continue;
        }
        {
            std::lock_guard lock(checkedMutex_);
            if (auto found = checked_.find(names[i].name); found != checked_.end()) {
                if (!found->second) known.push_back(names[i]);
                continue;
            }
        }
        std::optional<std::string> reason;
        try {
            requireKnown(resolve(names[i]), names[i].name);
            known.push_back(names[i]);
        } catch (const ModelError &error) {
            reason = "skipping an entry of " + names[i].where + ": " + error.what();
        }
        std::lock_guard lock(checkedMutex_);
        // Two requests may check the same name at once: only the one that records it reports it.
        if (checked_.emplace(names[i].name, reason).second && reason) skipped.push_back(*reason);
    }
    return chain(known);
}

std::vector<ModelName> Session::configuredFallbacks() const {
    std::vector<ModelName> names;
    for (const auto &fallback : config_->fallbacks()) names.push_back({fallback, "agents.defaults.model.fallbacks"});
    return names;
}

pipeline::Outcome Session::run(const std::vector<pipeline::ChainEntry> &chain, const rapidjson::Value &request,
                               bool stream, const pipeline::Output &output, const pipeline::CancelCheck &cancelled) {
    auto isCancelled = [this, &cancelled] { return cancel_->cancelled() || (cancelled && cancelled()); };
    // A wait between retries watches the session token's fd, and the request's own check every 50 ms.
    auto sleep = [this, &cancelled, &isCancelled](pipeline::Millis delay) {
        auto end = std::chrono::steady_clock::now() + delay;
        while (!isCancelled()) {
            auto left = std::chrono::duration_cast<pipeline::Millis>(end - std::chrono::steady_clock::now());
            if (left.count() <= 0) return true;
            pollfd wake{cancel_->fd(), POLLIN, 0};
            poll(&wake, 1, static_cast<int>(cancelled ? std::min<int64_t>(left.count(), 50) : left.count()));
        }
        return false;
    };
    pipeline::Clock clock{sdk::nowMs, sleep, isCancelled};
    pipeline::Runner runner(*runtime_, *cooldowns_, pipeline::RetryPolicy{}, clock);
    return runner.run(chain, request, stream, output);
}

std::optional<double> Session::estimatedCost(const pipeline::Outcome &outcome) {
    const pipeline::Usage &usage = outcome.usage;
    if (!usage.known) return std::nullopt;
    std::optional<pipeline::ModelRef> ref = pipeline::parseModelRef(outcome.ref);
    const CatalogModel *model = ref ? catalogs_->entry(*ref) : nullptr;
    if (model == nullptr) return std::nullopt;
    return limits::estimateCost(model->prices,
                                {usage.promptTokens, usage.completionTokens, usage.cachedTokens, usage.cacheWriteTokens});
}

}  // namespace moltbot::session
