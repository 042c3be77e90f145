// One host session: the configuration, the loaded plugins and their instances, the transport, the catalogs and the
// shared cooldowns, with the model-chain logic on top. Both front ends use it: `moltbot agent` for one request,
// `moltbot serve` for many at once (every member function is thread-safe). docs/architecture.md shows the flow.
#pragma once

#include "core/config/config.hpp"
#include "core/http/cancel.hpp"
#include "core/pipeline/cooldown_store.hpp"
#include "core/pipeline/runner.hpp"
#include "core/runtime/runtime.hpp"
#include "core/session/catalogs.hpp"

#include <iosfwd>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace moltbot::session {

// A model name as written and where it came from ("--model", "agents.defaults.model.fallbacks", "request model").
struct ModelName {
    std::string name;
    std::string where;
};

// A model name that names no model: an invalid ref, an unknown alias or prefix, an id in no catalog.
class ModelError : public std::runtime_error {
public:
    ModelError(const std::string &message, std::vector<std::string> suggestions)
        : std::runtime_error(message), suggestions(std::move(suggestions)) {}
    std::vector<std::string> suggestions;  // refs or aliases the user may have meant, best first
};

class Session {
public:
    Session(std::shared_ptr<const config::Config> config, std::shared_ptr<pipeline::CooldownStore> cooldowns,
            runtime::RuntimeOptions options, std::ostream &log);
    // A reload: `config` with the plugins, cooldowns and cancellation of `previous` (plugins load once per
    // process). `previous` stays valid for the requests still running on it.
    Session(std::shared_ptr<const config::Config> config, Session &previous);
    ~Session();
    Session(const Session &) = delete;
    Session &operator=(const Session &) = delete;

    const config::Config &config() const { return *config_; }
    runtime::Runtime &runtime() { return *runtime_; }
    Catalogs &catalogs() { return *catalogs_; }
    pipeline::CooldownStore &cooldowns() { return *cooldowns_; }
    // The session-wide token: cancelling it ends every request of the session (Ctrl-C, --timeout, a drain's end).
    http::CancelToken &cancel() { return *cancel_; }

    // A model as written, an alias (case-insensitive) or a ref. Throws ModelError when it is neither.
    pipeline::ModelRef resolve(const ModelName &name) const;
    // Throws ModelError, with "did you mean" suggestions, when no plugin serves `ref`'s prefix or its id is in no
    // catalog of that prefix. `asWritten` is the name the user gave.
    void requireKnown(const pipeline::ModelRef &ref, const std::string &asWritten);
    // The names resolved in order, duplicates dropped, each with its per-model options of the config.
    std::vector<pipeline::ChainEntry> chain(const std::vector<ModelName> &names) const;
    // chain(), but only of models that exist: the first `asked` names (what the user asked for) must each pass
    // requireKnown, or ModelError is thrown before anything is sent; a later one that fails it (a configured
    // fallback) is left out, since trying it could only fail. Those later names are checked once per session (a
    // gateway asks on every request; a reload checks again): the one-line reason is added to `skipped` only the first
    // time, so a long-running server warns once, not per request.
    std::vector<pipeline::ChainEntry> knownChain(const std::vector<ModelName> &names, std::size_t asked,
                                                 std::vector<std::string> &skipped);
    // The configured fallbacks as names.
    std::vector<ModelName> configuredFallbacks() const;
    // The cost of an outcome's usage at the catalog prices of the model that answered, for an upstream that reported
    // tokens but no cost; std::nullopt without usage or prices.
    std::optional<double> estimatedCost(const pipeline::Outcome &outcome);
    // The prefixes models can be asked for under (listablePrefixes), sorted.
    std::vector<std::string> prefixes() const;

    // Runs the chain through the request pipeline (docs/pipeline.md). `cancelled` is the request's own check (a
    // client that went away), polled along with the session token; waits between retries end as soon as either
    // fires.
    pipeline::Outcome run(const std::vector<pipeline::ChainEntry> &chain, const rapidjson::Value &request, bool stream,
                          const pipeline::Output &output, const pipeline::CancelCheck &cancelled = {});

private:
    std::shared_ptr<const config::Config> config_;
    std::shared_ptr<pipeline::CooldownStore> cooldowns_;
    std::shared_ptr<http::CancelToken> cancel_;  // shared with the sessions a reload makes from this one
    std::unique_ptr<runtime::Runtime> runtime_;
    std::unique_ptr<Catalogs> catalogs_;
    std::ostream &log_;
    std::mutex checkedMutex_;
    std::map<std::string, std::optional<std::string>> checked_;  // knownChain's later names: the reason, or nullopt
};

}  // namespace moltbot::session
