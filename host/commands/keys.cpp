// moltbot keys create|list|show|update|revoke: the gateway's client keys in <state>/gateway-keys.json. Only a hash of
// each key is stored; the key itself is printed once, by create, and nowhere else.
#include "core/keys/key_store.hpp"
#include "core/limits/ledger.hpp"
#include "core/state/backend.hpp"
#include "host/commands/config_support.hpp"
#include "host/commands/style.hpp"
#include "host/commands/group.hpp"
#include "host/commands/keys_flags.hpp"
#include "host/commands/table.hpp"

#include "core/util/time.hpp"

#include <Poco/Util/Option.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <ostream>

namespace moltbot::cli {

namespace {

using keys::GatewayKey;
using util::utcTime;

int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Two decimals, four below a cent so that a few cheap requests do not show as nothing.
std::string money(double usd) {
    char text[32];
    std::snprintf(text, sizeof text, usd > 0 && usd < 0.01 ? "$%.4f" : "$%.2f", usd);
    return text;
}

std::string status(const GatewayKey &key, int64_t now) {
    if (key.revokedMs) return "revoked";
    if (!key.usable(now)) return "expired";
    return "active";
}

std::string join(const std::vector<std::string> &items) {
    std::string out;
    for (const auto &item : items) out += (out.empty() ? "" : ",") + item;
    return out;
}

// One line of the limits, for create and update: "budget $10.00/month, 60 rpm, models: all, expires never".
std::string limitsLine(const GatewayKey &key) {
    std::string period(limits::periodName(key.period));
    std::string line = key.budgetUsd ? "budget " + money(*key.budgetUsd) + "/" + period : "no budget";
    if (key.rpm) line += ", " + std::to_string(*key.rpm) + " rpm";
    if (key.tpm) line += ", " + std::to_string(*key.tpm) + " tpm";
    line += ", models: " + (key.models.empty() ? std::string("all") : join(key.models));
    line += ", expires " + (key.expiresMs ? utcTime(*key.expiresMs) : std::string("never"));
    return line;
}

void noArguments(const Invocation &invocation, const std::string &command) {
    if (!invocation.positionals.empty()) {
        throw UsageError{"'moltbot " + command + "' takes no arguments, got '" + invocation.positionals[0] + "'"};
    }
}

std::string oneName(const Invocation &invocation, const std::string &command) {
    if (invocation.positionals.size() != 1) {
        throw UsageError{"'moltbot " + command + "' takes one argument, NAME (got " +
                         std::to_string(invocation.positionals.size()) + "); see 'moltbot " + command + " --help'"};
    }
    return invocation.positionals[0];
}

// The configured state backend (the config's state block): the keys file, or the Redis the gateways share.
std::unique_ptr<state::Backend> openBackend() {
    config::Config config = loadConfig(false, std::cerr);  // the config's warnings, on standard error
    return reportConfigErrors([&] { return state::open(state::Options::fromConfig(config)); });
}

std::vector<GatewayKey> readKeys() {
    return reportConfigErrors([] { return openBackend()->loadKeys(); });
}

// Changes the keys under the backend's lock (or compare-and-set); a ConfigError (a bad file, a failed write) or an
// unreachable Redis becomes the usage error.
void editKeys(const std::function<bool(std::vector<GatewayKey> &)> &change) {
    reportConfigErrors([&] { openBackend()->editKeys(change); });
}

GatewayKey &findKey(std::vector<GatewayKey> &keys, const std::string &name) {
    for (auto &key : keys) {
        if (key.name == name) return key;
    }
    std::vector<std::string> names;
    for (const auto &key : keys) names.push_back(key.name);
    std::string message = "no key named '" + name + "'";
    if (std::string suggestion = nearest(name, names); !suggestion.empty()) {
        message += " (did you mean '" + suggestion + "'?)";
    }
    throw UsageError{message + "; see 'moltbot keys list'"};
}

// The spend of every key in its own period, from the ledger; std::nullopt (with a warning) when it cannot be read,
// so that the keys still show.
std::optional<std::map<std::string, limits::KeyUsage>> readUsage(const std::vector<GatewayKey> &keys, int64_t now,
                                                                 std::ostream &err) {
    std::map<std::string, limits::Period> periods;
    for (const auto &key : keys) periods[key.id] = key.period;
    try {
        return openBackend()->usage(periods, now);
    } catch (const std::exception &error) {
        err << style::warning() << "spend not shown: " << error.what() << "\n";
        return std::nullopt;
    }
}

// "never", "?" when the ledger was not read, else the time in `format`.
std::string lastUsedText(const limits::KeyUsage *usage, const char *format) {
    if (usage == nullptr) return "?";
    return usage->lastUsedMs > 0 ? utcTime(usage->lastUsedMs, format) : "never";
}

const limits::KeyUsage *usageOf(const std::optional<std::map<std::string, limits::KeyUsage>> &usage,
                                const GatewayKey &key) {
    if (!usage) return nullptr;
    static const limits::KeyUsage kUnused;
    auto found = usage->find(key.id);
    return found == usage->end() ? &kUnused : &found->second;
}

// ---- JSON ----------------------------------------------------------------------------------------------------------

// A key as --json shows it; `secret` only from create, `usage` only when the ledger was read.
rapidjson::Document keyJson(const GatewayKey &key, int64_t now, const std::string *secret,
                            const limits::KeyUsage *usage) {
    rapidjson::Document out(rapidjson::kObjectType);
    auto &allocator = out.GetAllocator();
    auto optionalInt = [](const std::optional<int64_t> &value) {
        return value ? rapidjson::Value(static_cast<int64_t>(*value)) : rapidjson::Value();
    };
    auto time = [&](const std::optional<int64_t> &ms) {
        return ms ? jsonString(utcTime(*ms), allocator) : rapidjson::Value();
    };
    out.AddMember("name", jsonString(key.name, allocator), allocator);
    if (secret != nullptr) out.AddMember("key", jsonString(*secret, allocator), allocator);
    out.AddMember("id", jsonString(key.id, allocator), allocator);
    out.AddMember("hint", jsonString(key.hint, allocator), allocator);
    out.AddMember("status", jsonString(status(key, now), allocator), allocator);
    out.AddMember("budgetUsd", key.budgetUsd ? rapidjson::Value(*key.budgetUsd) : rapidjson::Value(), allocator);
    out.AddMember("period", jsonString(limits::periodName(key.period), allocator), allocator);
    out.AddMember("rpm", optionalInt(key.rpm), allocator);
    out.AddMember("tpm", optionalInt(key.tpm), allocator);
    rapidjson::Value models(rapidjson::kArrayType);
    for (const auto &pattern : key.models) models.PushBack(jsonString(pattern, allocator), allocator);
    out.AddMember("models", models, allocator);
    out.AddMember("expires", time(key.expiresMs), allocator);
    out.AddMember("expiresMs", optionalInt(key.expiresMs), allocator);
    out.AddMember("created", time(key.createdMs), allocator);
    out.AddMember("createdMs", static_cast<int64_t>(key.createdMs), allocator);
    out.AddMember("revoked", time(key.revokedMs), allocator);
    out.AddMember("revokedMs", optionalInt(key.revokedMs), allocator);
    if (usage != nullptr) {
        bool used = usage->lastUsedMs > 0;
        out.AddMember("spentUsd", usage->spentUsd, allocator);
        out.AddMember("reservedUsd", usage->reservedUsd, allocator);
        out.AddMember("requests", static_cast<int64_t>(usage->requests), allocator);
        rapidjson::Value lastUsed, lastUsedMs;
        if (used) {
            lastUsed = jsonString(utcTime(usage->lastUsedMs), allocator);
            lastUsedMs.SetInt64(usage->lastUsedMs);
        }
        out.AddMember("lastUsed", lastUsed, allocator);
        out.AddMember("lastUsedMs", lastUsedMs, allocator);
    }
    return out;
}

// ---- commands ------------------------------------------------------------------------------------------------------

class KeysCreate : public Command {
public:
    std::string name() const override { return "keys create"; }
    std::string summary() const override { return "make a gateway key and print it (once)"; }
    std::string details() const override {
        return "The key (mb-...) goes to standard output, alone on its line; it is not shown again, since only its "
               "SHA-256 is stored. Without limits a key may spend without bound on every model.";
    }
    void defineOptions(Poco::Util::OptionSet &options) const override {
        options.addOption(
            Poco::Util::Option("name", "", "the key's name: 1 to 64 of A-Z a-z 0-9 . _ -").argument("NAME"));
        defineLimitFlags(options, false);
        options.addOption(Poco::Util::Option("json", "", "print the key and its limits as JSON"));
    }

    int run(const Invocation &invocation, Streams streams) const override {
        if (!invocation.positionals.empty()) {
            throw UsageError{"unexpected argument '" + invocation.positionals[0] + "'; give the name with --name NAME"};
        }
        if (!invocation.has("name")) throw UsageError{"'moltbot keys create' needs --name NAME"};
        std::string name = invocation.value("name");
        if (!keys::validKeyName(name)) {
            throw UsageError{"--name: expected 1 to 64 of A-Z a-z 0-9 . _ -, got '" + name + "'"};
        }
        int64_t now = nowMs();
        keys::NewKey made = keys::generateKey(name, now);
        applyLimitFlags(invocation, made.key, now, false);
        editKeys([&](std::vector<GatewayKey> &keys) {
            for (const auto &key : keys) {
                if (key.name == name) {
                    throw UsageError{"a key named '" + name + "' already exists" +
                                     (key.revokedMs ? " (revoked; names stay taken)" : "") + "; pick another name"};
                }
            }
            keys.push_back(made.key);
            return true;
        });
        if (invocation.has("json")) {
            streams.out << config::toPrettyJson(keyJson(made.key, now, &made.secret, nullptr));
        } else {
            streams.out << made.secret << "\n";
        }
        streams.err << "Created gateway key '" << name << "' (" << limitsLine(made.key) << ").\n"
                    << "Copy the key now: it is not shown again (" << openBackend()->keysLocation()
                    << " keeps only its hash).\n";
        return kOk;
    }
};

class KeysList : public Command {
public:
    std::string name() const override { return "keys list"; }
    std::string summary() const override { return "list the gateway keys, their limits, spend and status"; }
    void defineOptions(Poco::Util::OptionSet &options) const override {
        options.addOption(Poco::Util::Option("json", "", "print a JSON array"));
    }

    int run(const Invocation &invocation, Streams streams) const override {
        noArguments(invocation, name());
        std::vector<GatewayKey> keys = readKeys();
        int64_t now = nowMs();
        auto usage = readUsage(keys, now, streams.err);
        if (invocation.has("json")) {
            rapidjson::Document list(rapidjson::kArrayType);
            for (const auto &key : keys) {
                rapidjson::Document item = keyJson(key, now, nullptr, usageOf(usage, key));
                list.PushBack(rapidjson::Value(item, list.GetAllocator()), list.GetAllocator());
            }
            streams.out << config::toPrettyJson(list);
            return kOk;
        }
        if (keys.empty()) {
            streams.out << "No gateway keys (make one with 'moltbot keys create --name NAME').\n";
            return kOk;
        }
        std::vector<std::vector<std::string>> rows{
            {"NAME", "KEY", "STATUS", "SPENT", "BUDGET", "RPM", "TPM", "MODELS", "EXPIRES", "CREATED", "LAST USED"}};
        for (const auto &key : keys) {
            const limits::KeyUsage *used = usageOf(usage, key);
            std::string period(limits::periodName(key.period));
            rows.push_back({key.name, key.hint, status(key, now),
                            used ? money(used->spentUsd) + " (" + period + ")" : "?",
                            key.budgetUsd ? money(*key.budgetUsd) : "-", key.rpm ? std::to_string(*key.rpm) : "-",
                            key.tpm ? std::to_string(*key.tpm) : "-", key.models.empty() ? "all" : join(key.models),
                            key.expiresMs ? utcTime(*key.expiresMs, "%Y-%m-%d %H:%MZ") : "never",
                            utcTime(key.createdMs, "%Y-%m-%d"),
                            lastUsedText(used, "%Y-%m-%d %H:%MZ")});
        }
        printTable(streams.out, rows);
        return kOk;
    }
};

class KeysShow : public Command {
public:
    std::string name() const override { return "keys show"; }
    std::string summary() const override { return "show one gateway key in detail (never the key itself)"; }
    std::string usage() const override { return "NAME"; }
    void defineOptions(Poco::Util::OptionSet &options) const override {
        options.addOption(Poco::Util::Option("json", "", "print a JSON object"));
    }

    int run(const Invocation &invocation, Streams streams) const override {
        std::string wanted = oneName(invocation, name());
        std::vector<GatewayKey> keys = readKeys();
        const GatewayKey &key = findKey(keys, wanted);
        int64_t now = nowMs();
        auto usage = readUsage({key}, now, streams.err);
        const limits::KeyUsage *used = usageOf(usage, key);
        if (invocation.has("json")) {
            streams.out << config::toPrettyJson(keyJson(key, now, nullptr, used));
            return kOk;
        }
        std::string period(limits::periodName(key.period));
        std::vector<std::vector<std::string>> rows{
            {"Name", ": " + key.name},
            {"Id", ": " + key.id},
            {"Key", ": " + key.hint},
            {"Status", ": " + status(key, now)},
            {"Budget", ": " + (key.budgetUsd ? money(*key.budgetUsd) + " per " + period
                                             : "none (" + period + " period)")},
            {"Spent", ": " + (used ? money(used->spentUsd) + " this " + period + "; " + std::to_string(used->requests) +
                                         (used->requests == 1 ? " request" : " requests") + " in all"
                                   : std::string("?"))},
            {"Requests/min", ": " + (key.rpm ? std::to_string(*key.rpm) : std::string("no limit"))},
            {"Tokens/min", ": " + (key.tpm ? std::to_string(*key.tpm) : std::string("no limit"))},
            {"Models", ": " + (key.models.empty() ? std::string("all") : join(key.models))},
            {"Expires", ": " + (key.expiresMs ? utcTime(*key.expiresMs) : std::string("never"))},
            {"Created", ": " + utcTime(key.createdMs)},
            {"Last used", ": " + lastUsedText(used, "%Y-%m-%dT%H:%M:%SZ")},
        };
        if (key.revokedMs) rows.push_back({"Revoked", ": " + utcTime(*key.revokedMs)});
        printTable(streams.out, rows);
        return kOk;
    }
};

class KeysUpdate : public Command {
public:
    std::string name() const override { return "keys update"; }
    std::string summary() const override { return "change a gateway key's limits (the key stays the same)"; }
    std::string usage() const override { return "NAME"; }
    std::string details() const override {
        return "Only the flags given change; --models replaces the whole list. A running gateway applies the change "
               "from its next request.";
    }
    void defineOptions(Poco::Util::OptionSet &options) const override { defineLimitFlags(options, true); }

    int run(const Invocation &invocation, Streams streams) const override {
        std::string wanted = oneName(invocation, name());
        int64_t now = nowMs();
        GatewayKey updated;
        editKeys([&](std::vector<GatewayKey> &keys) {
            GatewayKey &key = findKey(keys, wanted);
            if (!applyLimitFlags(invocation, key, now, true)) {
                throw UsageError{"nothing to change: give --budget, --period, --rpm, --tpm, --models or --expires"};
            }
            updated = key;
            return true;
        });
        streams.out << "Updated key '" << wanted << "': " << limitsLine(updated) << "\n";
        return kOk;
    }
};

class KeysRevoke : public Command {
public:
    std::string name() const override { return "keys revoke"; }
    std::string summary() const override { return "revoke a gateway key for good"; }
    std::string usage() const override { return "NAME"; }
    std::string details() const override {
        return "A running gateway refuses the key from its next request. The name stays taken. Revoking a revoked key "
               "changes nothing and exits 0.";
    }

    int run(const Invocation &invocation, Streams streams) const override {
        std::string wanted = oneName(invocation, name());
        int64_t now = nowMs();
        std::optional<int64_t> before;
        editKeys([&](std::vector<GatewayKey> &keys) {
            GatewayKey &key = findKey(keys, wanted);
            before = key.revokedMs;
            if (!key.revokedMs) key.revokedMs = now;
            return !before;
        });
        if (before) {
            streams.out << "Key '" << wanted << "' was already revoked (" << utcTime(*before) << "); nothing changed\n";
        } else {
            streams.out << "Revoked key '" << wanted << "'\n";
        }
        return kOk;
    }
};

// Moving from one machine's keys file to several gateways sharing Redis: the keys keep their ids and hashes, so the
// keys clients hold keep working.
class KeysImport : public Command {
public:
    std::string name() const override { return "keys import"; }
    std::string summary() const override { return "copy gateway keys from a keys file into the configured state backend"; }
    std::string usage() const override { return "[FILE]"; }
    std::string details() const override {
        return "FILE defaults to the state folder's gateway-keys.json. Typical use: set the config's state.backend to "
               "\"redis\", then import the keys the single gateway had. Each key keeps its id, hash, limits and "
               "revocation, so the keys clients hold keep working. A key already there (same id) is skipped; one whose "
               "name another key has is an error, and then nothing is imported. Spend and rate windows are not "
               "copied.";
    }
    void defineOptions(Poco::Util::OptionSet &options) const override {
        options.addOption(Poco::Util::Option("json", "", "print {imported: [names], skipped: [names], into}"));
    }

    int run(const Invocation &invocation, Streams streams) const override {
        if (invocation.positionals.size() > 1) {
            throw UsageError{"'moltbot keys import' takes at most one argument, FILE; see 'moltbot keys import --help'"};
        }
        std::filesystem::path file = invocation.positionals.empty() ? keys::keysPath()
                                                                    : std::filesystem::path(invocation.positionals[0]);
        std::error_code missing;
        if (!std::filesystem::is_regular_file(file, missing)) throw UsageError{"no keys file at " + file.string()};
        std::vector<GatewayKey> source = reportConfigErrors([&] { return keys::loadKeys(file); });
        std::unique_ptr<state::Backend> backend = openBackend();
        std::string into = backend->keysLocation();
        std::error_code same;
        if (std::filesystem::equivalent(file, into, same)) {
            throw UsageError{"the state backend already reads " + file.string() +
                             "; set the config's state.backend to \"redis\" first (docs/deploy.md)"};
        }
        std::vector<std::string> imported, skipped;
        reportConfigErrors([&] {
            backend->editKeys([&](std::vector<GatewayKey> &keys) {
                imported.clear();
                skipped.clear();
                for (const auto &key : source) {
                    auto byId = std::find_if(keys.begin(), keys.end(), [&](const GatewayKey &k) { return k.id == key.id; });
                    if (byId != keys.end()) {
                        skipped.push_back(key.name);
                        continue;
                    }
                    auto byName =
                        std::find_if(keys.begin(), keys.end(), [&](const GatewayKey &k) { return k.name == key.name; });
                    if (byName != keys.end()) {
                        throw UsageError{"a different key named '" + key.name + "' is already in " + into +
                                         "; nothing imported (rename one of them: names are unique)"};
                    }
                    keys.push_back(key);
                    imported.push_back(key.name);
                }
                return !imported.empty();
            });
        });
        if (invocation.has("json")) {
            rapidjson::Document out(rapidjson::kObjectType);
            auto &allocator = out.GetAllocator();
            auto names = [&](const std::vector<std::string> &list) {
                rapidjson::Value array(rapidjson::kArrayType);
                for (const auto &name : list) array.PushBack(jsonString(name, allocator), allocator);
                return array;
            };
            out.AddMember("imported", names(imported), allocator);
            out.AddMember("skipped", names(skipped), allocator);
            out.AddMember("into", jsonString(into, allocator), allocator);
            streams.out << config::toPrettyJson(out);
            return kOk;
        }
        streams.out << "Imported " << imported.size() << (imported.size() == 1 ? " key" : " keys") << " into " << into
                    << (imported.empty() ? "" : " (" + commaListOrDash(imported) + ")");
        if (!skipped.empty()) streams.out << "; skipped " << skipped.size() << " already there (" << commaListOrDash(skipped) << ")";
        streams.out << "\n";
        return kOk;
    }
};

}  // namespace

void addKeysCommands(CommandList &commands) {
    commands.push_back(std::make_unique<GroupCommand>("keys", "make and manage the keys clients give moltbot serve"));
    commands.push_back(std::make_unique<KeysCreate>());
    commands.push_back(std::make_unique<KeysList>());
    commands.push_back(std::make_unique<KeysShow>());
    commands.push_back(std::make_unique<KeysUpdate>());
    commands.push_back(std::make_unique<KeysRevoke>());
    commands.push_back(std::make_unique<KeysImport>());
}

}  // namespace moltbot::cli
