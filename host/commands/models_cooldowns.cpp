// moltbot models cooldowns [clear [REF]]: the models `agent` and `serve` put in cooldown after a rate limit or an
// outage (<state dir>/cooldowns.json, core/pipeline/cooldown_store.hpp), and forgetting them.
#include "core/config/files.hpp"
#include "core/config/paths.hpp"
#include "core/pipeline/cooldown_store.hpp"
#include "core/pipeline/model_ref.hpp"
#include "core/state/backend.hpp"
#include "host/commands/config_support.hpp"
#include "host/commands/group.hpp"
#include "host/commands/models_probe.hpp"

#include <moltbot/sdk/http.hpp>

#include <Poco/Util/Option.h>

#include <memory>
#include <optional>
#include <ostream>

namespace moltbot::cli {

namespace {

// The Redis the gateways share their cooldowns in (the config's state block says "redis"), else nullptr: with the
// local backend the state folder's cooldowns.json is the only table.
std::unique_ptr<state::Backend> sharedState(const config::Config &config) {
    state::Options options = state::Options::fromConfig(config);
    if (options.backend != "redis") return nullptr;
    return reportConfigErrors([&] { return state::open(options); });
}

class ModelsCooldowns : public Command {
public:
    std::string name() const override { return "models cooldowns"; }
    std::string summary() const override { return "list the models in cooldown: until when, why, how many failures"; }
    std::string usage() const override { return "[clear [REF]]"; }
    std::string details() const override {
        return "A model that failed with a rate limit or an outage is skipped until its cooldown ends (1 min, 5 min, "
               "25 min, then 1 h, or the provider's Retry-After). The table is " +
               config::cooldownsPath().string() +
               ", or, with the config's state.backend \"redis\", the one the gateways share in Redis (marked "
               "[shared]). 'moltbot models cooldowns clear [REF]' forgets them.";
    }
    void defineOptions(Poco::Util::OptionSet &options) const override {
        options.addOption(Poco::Util::Option("json", "", "print {\"cooldowns\": [{model, until, untilMs, reason, failures, shared}]}"));
    }

    int run(const Invocation &invocation, Streams streams) const override {
        if (!invocation.positionals.empty()) throw unknownSubcommand(name(), invocation.positionals.front());
        pipeline::CooldownStore store(config::cooldownsPath());
        int64_t now = sdk::nowMs();
        // With several gateways sharing Redis, the cooldowns they skip models by live there (each instance's
        // cooldowns.json only mirrors them); otherwise the state folder's table is the one.
        std::vector<std::pair<std::string, pipeline::Cooldown>> running, shared;
        if (auto backend = sharedState(loadConfig(/*requireValid=*/false, streams.err))) {
            pipeline::Cooldowns table;
            for (auto &[ref, entry] : reportConfigErrors([&] { return *backend->sharedCooldowns(); })) {
                table.set(ref, std::move(entry));
            }
            shared = table.running(now);
        } else {
            running = store.snapshot().running(now);
        }
        if (invocation.has("json")) {
            rapidjson::Document out(rapidjson::kObjectType);
            auto &allocator = out.GetAllocator();
            rapidjson::Value list(rapidjson::kArrayType);
            for (const auto *entries : {&running, &shared}) {
                for (const auto &[ref, entry] : *entries) {
                    rapidjson::Value item = cooldownJson(ref, entry, allocator);
                    item.AddMember("shared", entries == &shared, allocator);
                    list.PushBack(item, allocator);
                }
            }
            out.AddMember("cooldowns", list, allocator);
            streams.out << config::toPrettyJson(out);
        } else if (running.empty() && shared.empty()) {
            streams.err << "no model is in cooldown\n";
        } else {
            for (const auto &[ref, entry] : running) streams.out << cooldownLine(ref, entry, now) << "\n";
            for (const auto &[ref, entry] : shared) streams.out << cooldownLine(ref, entry, now) << " [shared]\n";
        }
        return kOk;
    }
};

class ModelsCooldownsClear : public Command {
public:
    std::string name() const override { return "models cooldowns clear"; }
    std::string summary() const override { return "forget the cooldown of REF (an alias works), or of every model"; }
    std::string usage() const override { return "[REF]"; }
    std::string details() const override {
        return "The model is tried again on the next request, and its failure count starts over. With the config's "
               "state.backend \"redis\" the cooldowns the gateways share are cleared too, and every instance drops "
               "them on its next request; otherwise a running 'moltbot serve' keeps its own table in memory: restart "
               "it, or wait, for the change to reach it.";
    }

    int run(const Invocation &invocation, Streams streams) const override {
        if (invocation.positionals.size() > 1) {
            throw UsageError{"'moltbot " + name() + "' takes at most one argument, REF; see 'moltbot " + name() + " --help'"};
        }
        pipeline::CooldownStore store(config::cooldownsPath());
        config::Config config = loadConfig(/*requireValid=*/false, streams.err);  // read once: backend and aliases
        std::unique_ptr<state::Backend> backend = sharedState(config);
        auto clearShared = [&](const std::optional<std::string> &ref) {
            return backend ? reportConfigErrors([&] { return backend->clearSharedCooldowns(ref); }) : 0;
        };
        std::string cleared;
        if (invocation.positionals.empty()) {
            std::size_t count = store.clearAll() + clearShared(std::nullopt);
            if (count == 0) {
                streams.out << "No cooldowns to clear\n";
                return kOk;
            }
            cleared = "Cleared the cooldowns of " + std::to_string(count) + (count == 1 ? " model" : " models");
        } else {
            const std::string &asked = invocation.positionals[0];
            std::string ref = config.resolveAlias(asked).value_or(asked);
            auto clearRef = [&](const std::string &candidate) {
                bool local = store.clear(candidate);
                return clearShared(candidate) > 0 || local;
            };
            bool found = clearRef(ref);
            if (!found) {
                if (auto parsed = pipeline::parseModelRef(ref)) found = clearRef(ref = parsed->full());
            }
            if (!found) {
                std::vector<std::string> known;
                pipeline::Cooldowns table = store.snapshot();
                for (const auto &[model, entry] : table.entries()) known.push_back(model);
                if (backend) {
                    auto sharedTable = reportConfigErrors([&] { return *backend->sharedCooldowns(); });
                    for (const auto &[model, entry] : sharedTable) known.push_back(model);
                }
                throw UsageError{"'" + asked + "' has no cooldown" + util::didYouMean(util::nearest(ref, known, 2)) +
                                 "; see 'moltbot models cooldowns'"};
            }
            cleared = "Cleared the cooldown of " + ref;
        }
        if (std::string why = store.save(sdk::nowMs()); !why.empty()) throw UsageError{"could not clear: " + why};
        streams.out << cleared << "\n";
        return kOk;
    }
};

}  // namespace

void addModelsCooldownsCommands(CommandList &commands) {
    commands.push_back(std::make_unique<ModelsCooldowns>());
    commands.push_back(std::make_unique<ModelsCooldownsClear>());
}

}  // namespace moltbot::cli
