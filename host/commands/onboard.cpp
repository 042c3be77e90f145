// moltbot onboard: stores the OpenRouter API key in the credentials file and sets a default model when there is
// none. Interactive on a terminal; --non-interactive for scripts (the flags of the OpenRouter page).
#include "core/config/config.hpp"
#include "core/config/credentials.hpp"
#include "core/config/json_path.hpp"
#include "core/config/paths.hpp"
#include "core/http/cancel.hpp"
#include "core/runtime/runtime.hpp"
#include "core/util/secrets.hpp"
#include "host/commands/config_support.hpp"
#include "host/commands/models_probe.hpp"
#include "host/commands/style.hpp"

#include <Poco/Util/Option.h>

#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <ostream>
#include <sstream>

namespace moltbot::cli {

namespace {

constexpr const char *kProvider = "openrouter";
constexpr const char *kDefaultModel = "openrouter/auto";
const std::vector<std::string> kAuthChoices = {"openrouter-api-key", "skip"};

// Turns terminal echo off for its lifetime and back on afterwards, also when Ctrl-C or a kill ends moltbot meanwhile
// (otherwise the user's shell would be left without echo).
class HiddenInput {
public:
    HiddenInput() {
        if (::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
        termios quiet = saved_;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        struct sigaction restore {};
        restore.sa_handler = &restoreAndDie;
        ::sigemptyset(&restore.sa_mask);
        for (int i = 0; i < 3; ++i) ::sigaction(kSignals[i], &restore, &previous_[i]);
        active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet) == 0;
    }
    ~HiddenInput() {
        if (active_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
        for (int i = 0; i < 3; ++i) ::sigaction(kSignals[i], &previous_[i], nullptr);
    }
    HiddenInput(const HiddenInput &) = delete;
    HiddenInput &operator=(const HiddenInput &) = delete;

private:
    static constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};
    static inline termios saved_{};  // static: the signal handler needs it
    struct sigaction previous_[3] {};
    bool active_ = false;

    static void restoreAndDie(int signal) {
        ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);  // async-signal-safe
        ::signal(signal, SIG_DFL);
        ::raise(signal);
    }
};

// One line from standard input without its newline; std::nullopt at end of input.
std::optional<std::string> readLine() {
    std::string line;
    char c = 0;
    for (;;) {
        ssize_t got = ::read(STDIN_FILENO, &c, 1);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return line.empty() ? std::nullopt : std::optional<std::string>(line);
        if (c == '\n') return line;
        line += c;
    }
}

std::string trim(std::string text) {
    auto space = [](unsigned char c) { return std::isspace(c) != 0; };
    text.erase(text.begin(), std::find_if_not(text.begin(), text.end(), space));
    text.erase(std::find_if_not(text.rbegin(), text.rend(), space).base(), text.end());
    return text;
}

// A pasted "export OPENROUTER_API_KEY="sk-or-..."" or "OPENROUTER_API_KEY=sk-or-..." gives just the key.
std::string cleanKey(std::string text) {
    text = trim(std::move(text));
    if (text.rfind("export ", 0) == 0) text = trim(text.substr(7));
    if (std::size_t equals = text.find('='); equals != std::string::npos && text.rfind("OPENROUTER_API_KEY", 0) == 0) {
        text = trim(text.substr(equals + 1));
    }
    if (!text.empty() && text.back() == ';') text.pop_back();
    if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') && text.back() == text.front()) {
        text = text.substr(1, text.size() - 2);
    }
    return text;
}

bool askYes(std::ostream &prompt, const std::string &question) {
    prompt << question << " [Y/n] " << std::flush;
    std::optional<std::string> answer = readLine();
    if (!answer) throw UsageError{"no answer (end of input); nothing was changed"};
    std::string word = trim(*answer);
    return word.empty() || word == "y" || word == "Y" || word == "yes" || word == "Yes";
}

std::string askHidden(std::ostream &prompt, const std::string &question) {
    std::optional<std::string> line;
    {
        HiddenInput hidden;
        prompt << question << std::flush;  // after echo is off, so nothing typed early is shown
        line = readLine();
    }
    prompt << "\n";  // the Enter was not echoed
    if (!line) throw UsageError{"no API key entered (end of input); nothing was changed"};
    return *line;
}

std::string environmentKey() {
    const char *value = std::getenv("OPENROUTER_API_KEY");
    return value == nullptr ? std::string() : cleanKey(value);
}

// What onboarding did, for the report.
struct Outcome {
    std::string mode;
    std::string authChoice;
    std::filesystem::path configFile;
    std::string maskedKey;
    std::string keySource = "none";
    std::string defaultModel;
    std::string keyCheck;         // "accepted", "unchecked" (could not check), "skipped" (--no-probe); "" with no key
    std::string keyCheckMessage;  // why it could not be checked
    std::vector<std::string> lines;  // one per thing done or kept, for people
    std::vector<std::string> warnings;
};

class Onboard : public Command {
public:
    std::string name() const override { return "onboard"; }
    std::string summary() const override { return "store the OpenRouter API key and set a default model"; }
    std::string details() const override {
        return "On a terminal it asks for the key (input hidden), offering OPENROUTER_API_KEY when set.\n"
               "For scripts (the key may also come from OPENROUTER_API_KEY):\n"
               "  moltbot onboard --non-interactive --mode local \\\n"
               "    --auth-choice openrouter-api-key --openrouter-api-key KEY\n"
               "The key goes to the credentials file under the state folder, never into the config.\n"
               "The default model becomes openrouter/auto only when none is set.\n"
               "Before storing it, onboard asks OpenRouter about the key (GET /key): a key OpenRouter rejects is not "
               "stored (exit 1, nothing changed); when OpenRouter cannot be reached the key is stored with a warning. "
               "--no-probe stores it without asking.";
    }
    void defineOptions(Poco::Util::OptionSet &options) const override {
        options.addOption(Poco::Util::Option("non-interactive", "", "never prompt; take the key from the flag or the "
                                                                    "environment"));
        options.addOption(Poco::Util::Option("mode", "", "where the gateway runs: local (the only mode so far)")
                              .argument("MODE"));
        options.addOption(Poco::Util::Option("auth-choice", "", "openrouter-api-key (default) or skip")
                              .argument("CHOICE"));
        options.addOption(Poco::Util::Option("openrouter-api-key", "", "the OpenRouter API key (sk-or-...)")
                              .argument("KEY"));
        options.addOption(Poco::Util::Option("no-probe", "", "store the key without asking OpenRouter whether it "
                                                             "accepts it"));
        options.addOption(Poco::Util::Option("json", "", "print the result as JSON"));
    }

    int run(const Invocation &invocation, Streams streams) const override {
        if (!invocation.positionals.empty()) {
            throw UsageError{"'moltbot onboard' takes no arguments (got '" + invocation.positionals[0] + "')"};
        }
        std::string mode = invocation.value("mode", "local");
        if (mode == "remote") throw UsageError{"--mode remote is not supported yet; use --mode local"};
        if (mode != "local") throw UsageError{"invalid --mode \"" + mode + "\" (use local)"};
        std::string authChoice = invocation.value("auth-choice", kAuthChoices[0]);
        if (std::find(kAuthChoices.begin(), kAuthChoices.end(), authChoice) == kAuthChoices.end()) {
            std::string message = "invalid --auth-choice \"" + authChoice + "\"";
            if (std::string near = nearest(authChoice, kAuthChoices); !near.empty()) message += " (did you mean " + near + "?)";
            throw UsageError{message + "; choices: openrouter-api-key, skip"};
        }
        bool interactive = !invocation.has("non-interactive");
        if (interactive && authChoice != "skip" && !invocation.has("openrouter-api-key") && !::isatty(STDIN_FILENO)) {
            throw UsageError{"onboard asks for the API key on a terminal, but standard input is not one; run "
                             "'moltbot onboard --non-interactive --mode local --auth-choice openrouter-api-key "
                             "--openrouter-api-key KEY' (or set OPENROUTER_API_KEY and leave out --openrouter-api-key)"};
        }

        return reportConfigErrors([&] {
            // The config is read first: a broken file stops onboarding before anything is asked or written.
            config::ConfigEditor editor;
            Outcome outcome;
            outcome.mode = mode;
            outcome.authChoice = authChoice;
            outcome.configFile = editor.path();
            // The config change is made in memory first, so a config it cannot go into stops before the key is stored.
            outcome.defaultModel = config::primaryModelOf(editor.document());
            bool setModel = outcome.defaultModel.empty();
            if (setModel) {
                editor.set({"agents", "defaults", "model", "primary"}, rapidjson::Value(rapidjson::StringRef(kDefaultModel)));
                outcome.defaultModel = kDefaultModel;
            }
            if (authChoice == "openrouter-api-key") {
                auto [key, source] = chooseKey(invocation, interactive, streams.err);
                outcome.keySource = source;
                bool stored = source == "stored";
                if (stored) key = *config::storedApiKey(kProvider);
                if (!stored) checkKey(key);
                outcome.maskedKey = util::maskSecret(key);
                // Asked before anything is written: a key OpenRouter rejects changes nothing.
                std::string accepted;
                if (invocation.has("no-probe")) {
                    outcome.keyCheck = "skipped";
                } else {
                    accepted = checkWithOpenRouter(key, stored, outcome);
                }
                if (stored) {
                    outcome.lines.push_back("Kept the stored OpenRouter API key " + outcome.maskedKey);
                } else {
                    if (key.rfind("sk-or-", 0) != 0) {
                        outcome.warnings.push_back("the key " + outcome.maskedKey +
                                                   " does not start with 'sk-or-' as OpenRouter keys do; stored anyway");
                    }
                    config::storeApiKey(kProvider, key);
                    outcome.lines.push_back("Stored the OpenRouter API key " + outcome.maskedKey + " (from " + source +
                                            ") in " + config::credentialsPath().string());
                }
                if (!accepted.empty()) outcome.lines.push_back(accepted);
            }
            if (setModel) {
                editor.save();
                outcome.lines.push_back("Set the default model to " + outcome.defaultModel + " in " +
                                        editor.path().string());
            } else {
                outcome.lines.push_back("Default model unchanged: " + outcome.defaultModel);
            }
            for (const auto &warning : outcome.warnings) streams.err << style::warning() << warning << "\n";
            report(invocation, streams, outcome);
            return kOk;
        });
    }

private:
    // The key and where it came from: "flag", "environment", "prompt", or "stored" (keep the stored one).
    static std::pair<std::string, std::string> chooseKey(const Invocation &invocation, bool interactive,
                                                         std::ostream &prompt) {
        if (invocation.has("openrouter-api-key")) {
            std::string key = cleanKey(invocation.value("openrouter-api-key"));
            if (key.empty()) {
                throw UsageError{"--openrouter-api-key is empty (is OPENROUTER_API_KEY set in this shell?); nothing "
                                 "was changed"};
            }
            return {key, "flag"};
        }
        std::string fromEnvironment = environmentKey();
        std::optional<std::string> stored = config::storedApiKey(kProvider);
        if (!interactive) {
            if (!fromEnvironment.empty()) return {fromEnvironment, "environment"};
            if (stored) return {"", "stored"};
            throw UsageError{"no OpenRouter API key: pass --openrouter-api-key KEY or set OPENROUTER_API_KEY; "
                             "nothing was changed"};
        }
        if (!fromEnvironment.empty() &&
            askYes(prompt, "Use OPENROUTER_API_KEY from the environment (" + util::maskSecret(fromEnvironment) + ")?")) {
            return {fromEnvironment, "environment"};
        }
        if (stored && askYes(prompt, "Keep the stored OpenRouter API key (" + util::maskSecret(*stored) + ")?")) {
            return {"", "stored"};
        }
        std::string key = cleanKey(askHidden(prompt, "OpenRouter API key (input hidden, from openrouter.ai/keys): "));
        if (key.empty()) throw UsageError{"the API key is empty; nothing was changed"};
        return {key, "prompt"};
    }

    // Asks OpenRouter about `key` through the plugin's key-info probe (GET /key), as `models status --probe` does.
    // Accepted: the line for the report. Rejected: a UsageError, before anything is written. Not reachable (or no
    // plugin to ask): a warning, and the key is stored all the same.
    static std::string checkWithOpenRouter(const std::string &key, bool stored, Outcome &outcome) {
        KeyProbe probe;
        try {
            std::ostringstream quiet;  // the config's warnings and the plugin's log: onboard says what matters itself
            config::Config config = loadConfig(/*requireValid=*/false, quiet, /*quiet=*/true);
            config.applyEnvBlock();
            // The probe asks with the key being onboarded, not one stored or exported before: the exported variable
            // comes first wherever moltbot looks for the key (Config::resolveApiKey), and only this process sees it.
            ::setenv("OPENROUTER_API_KEY", key.c_str(), 1);
            http::CancelToken cancel;
            runtime::RuntimeOptions options;
            options.transport.connectTimeout = std::chrono::seconds(10);
            options.transport.idleTimeout = std::chrono::seconds(20);
            runtime::Runtime host(config, cancel, options, quiet);
            probe = probeKey(host, kProvider);
        } catch (const std::exception &error) {  // no plugin to ask: not checked, as when the network is down
            probe.result = KeyProbe::Result::Failed;
            probe.message = error.what();
        }
        std::string which = std::string(stored ? "the stored key " : "the key ") + util::maskSecret(key);
        switch (probe.result) {
        case KeyProbe::Result::Valid:
            outcome.keyCheck = "accepted";
            return "OpenRouter accepts " + which;
        case KeyProbe::Result::Rejected:
            throw UsageError{"OpenRouter rejected " + which + " (" + probe.message + "); nothing was changed. " +
                             (stored ? "Pass a new key with --openrouter-api-key KEY (keys: openrouter.ai/keys)"
                                     : "Check the key at openrouter.ai/keys, or pass --no-probe to store it unchecked")};
        case KeyProbe::Result::Unsupported:
        case KeyProbe::Result::Failed:
            break;
        }
        outcome.keyCheck = "unchecked";
        outcome.keyCheckMessage = probe.message;
        outcome.warnings.push_back("could not check " + which + " with OpenRouter (" + probe.message + "); " +
                                   (stored ? "kept" : "stored") + " it unchecked");
        return {};
    }

    static void checkKey(const std::string &key) {
        bool clean = std::all_of(key.begin(), key.end(), [](unsigned char c) { return c > 0x20 && c != 0x7F; });
        if (!clean) throw UsageError{"the API key contains spaces or control characters; nothing was changed"};
    }

    static void report(const Invocation &invocation, Streams streams, const Outcome &outcome) {
        if (!invocation.has("json")) {
            for (const auto &line : outcome.lines) streams.out << line << "\n";
            return;
        }
        rapidjson::Document out(rapidjson::kObjectType);
        auto &allocator = out.GetAllocator();
        auto strings = [&](const std::vector<std::string> &list) {
            rapidjson::Value array(rapidjson::kArrayType);
            for (const auto &entry : list) array.PushBack(jsonString(entry, allocator), allocator);
            return array;
        };
        out.AddMember("mode", jsonString(outcome.mode, allocator), allocator);
        out.AddMember("authChoice", jsonString(outcome.authChoice, allocator), allocator);
        out.AddMember("apiKey", outcome.maskedKey.empty() ? rapidjson::Value() : jsonString(outcome.maskedKey, allocator),
                      allocator);
        out.AddMember("keySource", jsonString(outcome.keySource, allocator), allocator);
        out.AddMember("keyCheck", outcome.keyCheck.empty() ? rapidjson::Value() : jsonString(outcome.keyCheck, allocator),
                      allocator);
        if (!outcome.keyCheckMessage.empty()) {
            out.AddMember("keyCheckMessage", jsonString(outcome.keyCheckMessage, allocator), allocator);
        }
        out.AddMember("defaultModel", jsonString(outcome.defaultModel, allocator), allocator);
        out.AddMember("configPath", jsonString(outcome.configFile.string(), allocator), allocator);
        out.AddMember("credentialsPath", jsonString(config::credentialsPath().string(), allocator), allocator);
        out.AddMember("changes", strings(outcome.lines), allocator);
        out.AddMember("warnings", strings(outcome.warnings), allocator);
        streams.out << config::toPrettyJson(out);
    }
};

}  // namespace

void addOnboardCommand(CommandList &commands) { commands.push_back(std::make_unique<Onboard>()); }

}  // namespace moltbot::cli
