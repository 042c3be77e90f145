// `moltbot agent`: send a message to the configured model chain and stream the answer (docs/cli.md, docs/pipeline.md).
#include "host/cli.hpp"
#include "host/commands/style.hpp"
#include "host/commands/agent_input.hpp"
#include "host/commands/agent_log.hpp"
#include "host/commands/chat.hpp"
#include "host/commands/config_support.hpp"
#include "host/commands/notice_memory.hpp"
#include "host/commands/spinner.hpp"

#include "core/config/files.hpp"
#include "core/config/paths.hpp"
#include "core/http/cancel.hpp"
#include "core/pipeline/fallback_notices.hpp"
#include "core/pipeline/runner.hpp"
#include "core/requestlog/request_log.hpp"
#include "core/runtime/runtime.hpp"
#include "core/session/session.hpp"
#include "core/util/secrets.hpp"

#include <moltbot/plugin_helpers.h>
#include <moltbot/sdk/http.hpp>
#include <Poco/Util/Option.h>
#include <rapidjson/document.h>
#include <rapidjson/ostreamwrapper.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <optional>
#include <set>
#include <sstream>

namespace moltbot::cli {

namespace {

using pipeline::ChainEntry;
using pipeline::Outcome;

// The token SIGINT cancels. The handler only touches async-signal-safe state.
http::CancelToken *gInterruptToken = nullptr;
volatile sig_atomic_t gInterrupts = 0;
// In a chat, Ctrl-C stops the answer being received (this token, set while one is) and at the prompt breaks the
// read (the handler is installed without SA_RESTART); it never ends the session.
volatile sig_atomic_t gChatting = 0;
std::atomic<http::CancelToken *> gAnswerToken{nullptr};

void onInterrupt(int) {
    if (gChatting != 0) {
        http::CancelToken *answer = gAnswerToken.load();
        if (answer == nullptr) {  // at the prompt: the read fails with EINTR, or the next one reports it
            LineEditor::noteInterrupt();
            return;
        }
        if (answer->cancelled()) _exit(kCancelled);  // a second Ctrl-C while the stopped answer has not ended
        answer->cancel();
        return;
    }
    gInterrupts = gInterrupts + 1;
    if (gInterrupts > 1) _exit(kCancelled);  // a second Ctrl-C leaves at once
    if (gInterruptToken != nullptr) gInterruptToken->cancel();
}

// Installs the SIGINT handler for the lifetime of the object.
class InterruptGuard {
public:
    explicit InterruptGuard(http::CancelToken &token) {
        gInterruptToken = &token;
        gInterrupts = 0;
        struct sigaction action {};
        action.sa_handler = onInterrupt;
        sigemptyset(&action.sa_mask);
        sigaction(SIGINT, &action, &previous_);
    }
    ~InterruptGuard() {
        sigaction(SIGINT, &previous_, nullptr);
        gInterruptToken = nullptr;
    }
    InterruptGuard(const InterruptGuard &) = delete;
    InterruptGuard &operator=(const InterruptGuard &) = delete;

private:
    struct sigaction previous_ {};
};

using sdk::nowMs;

double seconds(const Invocation &invocation, const std::string &name, double fallback) {
    if (!invocation.has(name)) return fallback;
    std::string text = invocation.value(name);
    try {
        std::size_t used = 0;
        double value = std::stod(text, &used);
        if (used == text.size() && value >= 0) return value;
    } catch (const std::exception &) {
    }
    throw UsageError{"--" + name + " takes a number of seconds, not '" + text + "'"};
}

std::chrono::milliseconds millis(double secondsValue) {
    return std::chrono::milliseconds(static_cast<long long>(secondsValue * 1000));
}

// An upstream's 401 says little ("User not found."): name the key that was refused, masked, and where it came from.
// A key that was never configured is a configuration error (exit 1, docs/cli.md): say where it is looked for.
// Returns true when a provider's key was missing.
bool explainKeys(const config::Config &config, const runtime::Services &services, const Outcome &outcome,
                 std::ostream &err) {
    std::set<std::string> prefixes;
    for (const auto &record : outcome.attempts) {
        if (record.outcome == mb_status_name(MB_ERR_AUTH)) prefixes.insert(record.ref.substr(0, record.ref.find('/')));
    }
    bool missing = false;
    for (const auto &prefix : prefixes) {
        config::ApiKey key = config.resolveApiKey(prefix);
        if (key.key.empty()) {
            if (!services.keyWasMissing(prefix)) continue;
            missing = true;
            err << style::error("no API key for provider '" + prefix + "' (a configuration error); moltbot looks for it in " +
                                config.keyLookupText(prefix))
                << "\n";
            continue;
        }
        err << style::error("the " + prefix + " API key " + util::maskSecret(key.key) + " (from " + key.where +
                            ") was rejected; check it with 'moltbot models status --probe'")
            << "\n";
    }
    return missing;
}

// $<NAME>_BASE_URL set to something that is not a URL is a configuration error, found before any catalog is read
// or anything is sent. A name that is not a model is left to the model check.
void checkBaseUrlVariables(const session::Session &session, const std::vector<session::ModelName> &names) {
    for (const auto &name : names) {
        std::string prefix;
        try {
            prefix = session.resolve(name).prefix;
        } catch (const session::ModelError &) {
            continue;
        }
        if (std::string problem = runtime::baseUrlVariableProblem(prefix); !problem.empty()) throw UsageError{problem};
    }
}

// The chain: --model (else the configured primary), then the configured fallbacks unless --no-fallbacks. The model
// asked for must exist: a typo is an error here, before anything is sent, never an answer from a fallback. A
// configured fallback that does not exist is left out with a warning.
std::vector<ChainEntry> buildChain(session::Session &session, const std::optional<session::ModelName> &asked,
                                  bool withFallbacks, std::ostream &err) {
    std::vector<session::ModelName> names;
    if (asked) {
        names.push_back(*asked);
    } else if (std::string primary = session.config().primaryModel(); !primary.empty()) {
        names.push_back({primary, "agents.defaults.model.primary"});
    } else {
        throw UsageError{"no model to ask: pass --model <provider>/<model> or set agents.defaults.model.primary "
                         "(moltbot config set agents.defaults.model.primary openrouter/auto)"};
    }
    if (withFallbacks) {
        for (auto &fallback : session.configuredFallbacks()) names.push_back(std::move(fallback));
    }
    checkBaseUrlVariables(session, names);
    std::vector<std::string> skipped;
    std::vector<ChainEntry> chain;
    try {
        chain = session.knownChain(names, 1, skipped);
    } catch (const session::ModelError &error) {
        std::string message = error.what();
        const std::string &where = names.front().where;
        if (!asked && message.find(where) == std::string::npos) message = where + ": " + message;
        throw UsageError{message};
    }
    for (const auto &why : skipped) err << style::warning(true) << why << "\n";
    return chain;
}

// Images go only to models whose catalog entry lists image input ("text+image"); a model without a catalog entry
// (or whose catalog cannot be read) is sent them as they are. The first model of the chain is an error before
// anything is sent; a fallback without image input is left out with a warning.
void checkImageInput(session::Session &session, std::vector<ChainEntry> &chain, std::ostream &err) {
    auto textOnly = [&](const ChainEntry &entry) -> const session::CatalogModel * {
        const session::CatalogModel *model = session.catalogs().entry(entry.ref);
        return model != nullptr && !model->input.empty() && model->input.find("image") == std::string::npos ? model
                                                                                                               : nullptr;
    };
    if (const session::CatalogModel *model = textOnly(chain.front())) {
        throw UsageError{chain.front().ref.full() + " takes no image input (its catalog entry says input '" +
                         model->input + "'); --attach needs a model whose input includes images ('moltbot models "
                         "list --json' shows each model's input)"};
    }
    for (auto entry = chain.begin() + 1; entry != chain.end();) {
        if (textOnly(*entry) == nullptr) {
            ++entry;
            continue;
        }
        err << style::warning(true) << "leaving the fallback " << entry->ref.full()
            << " out of this call: it takes no image input\n";
        entry = chain.erase(entry);
    }
}

// What ends an answer stopped with Ctrl-C in a chat, on screen and in the conversation.
constexpr const char *kStoppedMark = " [stopped]";

// Whether the answer printed so far ends mid-line, so that a status line on stderr starts on a line of its own.
bool gLineOpen = false;

void writeOut(std::string_view text) {
    if (text.empty()) return;
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    gLineOpen = text.back() != '\n';
}

void endLine() {
    if (gLineOpen) writeOut("\n");
}

// "1,234 in (1,024 cached) · 56 out · $0.001234 · openrouter/x/y via Anthropic"
std::string usageLine(const Outcome &outcome) {
    std::ostringstream line;
    line << "[" << style::model(outcome.ref);
    if (!outcome.provider.empty()) line << " via " << outcome.provider;
    if (outcome.usage.known) {
        line << " · " << outcome.usage.promptTokens << " tokens in";
        if (outcome.usage.cachedTokens > 0 || outcome.usage.cacheWriteTokens > 0) {
            line << " (" << outcome.usage.cachedTokens << " cached, " << outcome.usage.cacheWriteTokens << " written)";
        }
        line << ", " << outcome.usage.completionTokens << " out";
        if (outcome.usage.cost >= 0) {
            char cost[32];
            std::snprintf(cost, sizeof cost, "%.6f", outcome.usage.cost);
            line << " · $" << cost;
        }
    }
    line << "]";
    return line.str();
}

// Written straight to `out`, not built as a string first: the text may be up to 32 MiB.
void writeOutcomeJson(std::ostream &out, const Outcome &outcome, const std::string &conversationId,
                      const std::vector<std::string> &notices, const std::vector<config::Issue> &warnings) {
    rapidjson::Document document(rapidjson::kObjectType);
    auto &allocator = document.GetAllocator();
    auto add = [&](const char *name, rapidjson::Value value) {
        document.AddMember(rapidjson::StringRef(name), value, allocator);
    };
    add("status", jsonString(outcome.status == MB_OK ? "ok" : mb_status_name(outcome.status), allocator));
    add("text", rapidjson::Value(rapidjson::StringRef(outcome.text.data(), outcome.text.size())));  // not copied
    add("model", jsonString(outcome.ref, allocator));
    add("upstream_model", jsonString(outcome.upstreamModel, allocator));
    add("provider", jsonString(outcome.provider, allocator));
    add("finish_reason", jsonString(outcome.finishReason, allocator));
    if (outcome.usage.known) {
        rapidjson::Value usage(rapidjson::kObjectType);
        usage.AddMember("prompt_tokens", outcome.usage.promptTokens, allocator);
        usage.AddMember("completion_tokens", outcome.usage.completionTokens, allocator);
        usage.AddMember("cached_tokens", outcome.usage.cachedTokens, allocator);
        usage.AddMember("cache_write_tokens", outcome.usage.cacheWriteTokens, allocator);
        if (outcome.usage.cost >= 0) {
            usage.AddMember("cost", outcome.usage.cost, allocator);
        } else {
            usage.AddMember("cost", rapidjson::Value(), allocator);
        }
        add("usage", std::move(usage));
    } else {
        add("usage", rapidjson::Value());
    }
    rapidjson::Value attempts(rapidjson::kArrayType);
    for (const auto &record : outcome.attempts) {
        rapidjson::Value item(rapidjson::kObjectType);
        item.AddMember("model", jsonString(record.ref, allocator), allocator);
        item.AddMember("attempt", record.attempt, allocator);
        item.AddMember("outcome", jsonString(record.outcome, allocator), allocator);
        item.AddMember("http_status", record.httpStatus, allocator);
        item.AddMember("message", jsonString(record.message, allocator), allocator);
        item.AddMember("duration_ms", record.durationMs, allocator);
        attempts.PushBack(item, allocator);
    }
    add("attempts", std::move(attempts));
    add("conversation_id", conversationId.empty() ? rapidjson::Value() : jsonString(conversationId, allocator));
    rapidjson::Value noticeList(rapidjson::kArrayType);
    for (const auto &notice : notices) noticeList.PushBack(jsonString(notice, allocator), allocator);
    add("notices", std::move(noticeList));
    add("warnings", jsonIssues(warnings, allocator));  // the config's (unknown keys), also on stderr without --quiet
    if (outcome.status != MB_OK) add("error", jsonString(outcome.error, allocator));
    rapidjson::OStreamWrapper stream(out);
    rapidjson::PrettyWriter<rapidjson::OStreamWrapper> writer(stream);
    writer.SetIndent(' ', 2);
    document.Accept(writer);
    out << "\n" << std::flush;
}

class Conversation {
public:
    // `params`: the per-call request fields (callParams), sent with every turn.
    Conversation(const std::string &system, const rapidjson::Value &params) {
        params_.CopyFrom(params, params_.GetAllocator());
        if (!system.empty()) add("system", system);
    }
    void add(const char *role, const std::string &content) {
        rapidjson::Value message(rapidjson::kObjectType);
        message.AddMember("role", rapidjson::StringRef(role), messages_.GetAllocator());
        message.AddMember("content", jsonString(content, messages_.GetAllocator()), messages_.GetAllocator());
        messages_.PushBack(message, messages_.GetAllocator());
    }
    // A user message with images: content parts, the text first, then one image_url part per image.
    void addUser(const std::string &text, const std::vector<Attachment> &images) {
        if (images.empty()) return add("user", text);
        auto &allocator = messages_.GetAllocator();
        rapidjson::Value parts(rapidjson::kArrayType);
        rapidjson::Value textPart(rapidjson::kObjectType);
        textPart.AddMember("type", "text", allocator);
        textPart.AddMember("text", jsonString(text, allocator), allocator);
        parts.PushBack(textPart, allocator);
        for (const auto &image : images) {
            rapidjson::Value url(rapidjson::kObjectType);
            url.AddMember("url", jsonString(image.dataUrl, allocator), allocator);
            rapidjson::Value part(rapidjson::kObjectType);
            part.AddMember("type", "image_url", allocator);
            part.AddMember("image_url", url, allocator);
            parts.PushBack(part, allocator);
        }
        rapidjson::Value message(rapidjson::kObjectType);
        message.AddMember("role", "user", allocator);
        message.AddMember("content", parts, allocator);
        messages_.PushBack(message, allocator);
    }
    void dropLast() { messages_.PopBack(); }
    // A new conversation: the turns go, the system prompt stays.
    void clear() {
        bool system = !messages_.Empty() && std::string_view(messages_[0]["role"].GetString()) == "system";
        while (messages_.Size() > (system ? 1u : 0u)) messages_.PopBack();
    }
    // Sets, replaces or (with "") removes the system prompt, first of the messages.
    void setSystem(const std::string &text) {
        if (!messages_.Empty() && std::string_view(messages_[0]["role"].GetString()) == "system") {
            messages_.Erase(messages_.Begin());
        }
        if (text.empty()) return;
        rapidjson::Value message(rapidjson::kObjectType);
        message.AddMember("role", "system", messages_.GetAllocator());
        message.AddMember("content", jsonString(text, messages_.GetAllocator()), messages_.GetAllocator());
        messages_.PushBack(message, messages_.GetAllocator());
        // PushBack put it last: rotate it to the front.
        for (rapidjson::SizeType i = messages_.Size() - 1; i > 0; --i) messages_[i].Swap(messages_[i - 1]);
    }
    const rapidjson::Value &messages() const { return messages_; }
    // The turns of an earlier conversation (--continue, --cid), after the system prompt.
    void addHistory(const History &history) {
        for (const auto &[prompt, answer] : history.turns) {
            add("user", prompt);
            add("assistant", answer);
        }
    }
    // The request the pipeline sends: {params..., "messages": [...]}. Valid until the next add() or dropLast().
    const rapidjson::Value &request() {
        request_.CopyFrom(params_, request_.GetAllocator());
        request_.AddMember("messages", rapidjson::Value(messages_, request_.GetAllocator()), request_.GetAllocator());
        return request_;
    }

private:
    rapidjson::Document params_;
    rapidjson::Document messages_{rapidjson::kArrayType};
    rapidjson::Document request_;
};

// Keeps the CLI's promises on its own. --timeout cancels the run through the same token as Ctrl-C, so transfers and
// plugins stop the same way; and a plugin call that has not returned kPluginGrace after either (a plugin that never
// polls is_cancelled) is left behind: one line naming the plugin, then the exit code of a timeout or a cancel.
class Watchdog {
public:
    static constexpr std::chrono::milliseconds kPluginGrace{2000};

    Watchdog(http::CancelToken &cancel, std::chrono::milliseconds timeout) {
        auto deadline = timeout == std::chrono::milliseconds::max() ? Clock::time_point::max() : Clock::now() + timeout;
        thread_ = std::thread([this, &cancel, deadline] { watch(cancel, deadline); });
    }
    ~Watchdog() {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        wake_.notify_all();
        thread_.join();
    }
    Watchdog(const Watchdog &) = delete;
    Watchdog &operator=(const Watchdog &) = delete;
    bool fired() {
        std::lock_guard lock(mutex_);
        return fired_;
    }
    // A plugin call runs for `who` ("the faulty plugin (faulty.so) serving faulty/deaf") until stopped().
    void running(std::string who) {
        std::lock_guard lock(mutex_);
        running_ = std::move(who);
        cancelSeen_.reset();
    }
    void stopped() {
        std::lock_guard lock(mutex_);
        running_.clear();
    }

private:
    using Clock = std::chrono::steady_clock;

    void watch(http::CancelToken &cancel, Clock::time_point deadline) {
        std::unique_lock lock(mutex_);
        while (!wake_.wait_for(lock, std::chrono::milliseconds(50), [this] { return done_; })) {
            Clock::time_point now = Clock::now();
            if (!fired_ && now >= deadline) {
                fired_ = true;
                cancel.cancel();
            }
            if (running_.empty() || !cancel.cancelled()) continue;
            if (!cancelSeen_) cancelSeen_ = now;
            if (now - *cancelSeen_ < kPluginGrace) continue;
            // The main thread is stuck in the plugin: say so from here, with what survives (write(2), stdio's
            // locked flush), and leave without running destructors that would wait for it.
            std::fflush(stdout);
            std::string line = "\nmoltbot: " + running_ + " did not return within " +
                               std::to_string(kPluginGrace.count() / 1000) + " s of " +
                               (fired_ ? "--timeout" : "Ctrl-C") + " (it ignores cancellation); leaving it behind\n";
            [[maybe_unused]] ssize_t written = ::write(STDERR_FILENO, line.data(), line.size());
            _exit(fired_ ? kAllFailed : kCancelled);
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    bool done_ = false;
    bool fired_ = false;
    std::string running_;
    std::optional<Clock::time_point> cancelSeen_;
    std::thread thread_;
};

class AgentCommand : public Command {
public:
    std::string name() const override { return "agent"; }
    std::string summary() const override { return "send a message to the configured model and stream the answer"; }
    std::string details() const override {
        return "The model is --model, else agents.defaults.model.primary; agents.defaults.model.fallbacks follow in "
               "order (docs/pipeline.md). Without a message, a pipe is read as the message and a terminal starts a "
               "chat that keeps the conversation until EOF or /exit; with one, piped text goes first, then a blank "
               "line, then the message. -a/--attach sends images after the text (content parts) to a model whose catalog "
               "entry takes images. -o, --temperature and --max-tokens override the model's configured params "
               "for this call. Every request is recorded in the request log ('moltbot logs'); -c/--continue and "
               "--cid send an earlier conversation's turns first.\n"
               "Exit codes: 0 answered, 1 usage or configuration error (an unknown model, a missing API key, a "
               "<NAME>_BASE_URL that is not a URL), 2 the request failed on every model, "
               "130 cancelled (Ctrl-C).";
    }
    std::string usage() const override { return "[PROMPT]"; }
    std::vector<std::string> pairOptions() const override { return {"option"}; }
    void defineOptions(Poco::Util::OptionSet &options) const override {
        using Poco::Util::Option;
        defineInputOptions(options);
        options.addOption(Option("model", "", "model ref or alias to ask instead of the default").argument("REF"));
        options.addOption(Option("continue", "c", "carry on the latest conversation of the request log"));
        options.addOption(Option("cid", "", "carry on the conversation with this id (see 'moltbot logs')").argument("ID"));
        options.addOption(Option("no-stream", "", "wait for the whole answer instead of streaming it"));
        options.addOption(Option("no-fallbacks", "", "ask only the first model, not the configured fallbacks"));
        options.addOption(Option("json", "", "print one JSON object: text, model, provider, usage, attempts"));
        options.addOption(Option("verbose", "v", "show attempts, retries and timings on standard error"));
        options.addOption(Option("quiet", "q",
                                 "no notices on standard error (a model skipped or failed before another answered, a "
                                 "model id the catalog normalised) and no config warnings (unknown keys); other "
                                 "warnings and errors still show"));
        options.addOption(Option("timeout", "", "give up on the whole request after this long").argument("SECONDS"));
        options.addOption(
            Option("connect-timeout", "", "time to connect to a provider (default 10)").argument("SECONDS"));
        options.addOption(
            Option("idle-timeout", "", "longest silence of a provider mid-answer (default 120)").argument("SECONDS"));
    }

    int run(const Invocation &invocation, Streams streams) const override {
        if (invocation.has("continue") && invocation.has("cid")) {
            throw UsageError{"pass either --continue (-c) or --cid, not both"};
        }
        rapidjson::Document params = callParams(invocation);
        // Read before any plugin loads: a usage error in the prompt costs nothing.
        std::optional<std::string> oneShot = oneShotMessage(invocation, std::cin, isatty(STDIN_FILENO));
        std::vector<Attachment> attachments = readAttachments(invocation);  // sent with the first message
        auto config = std::make_shared<config::Config>(loadConfig(true, streams.err, invocation.has("quiet")));
        config->applyEnvBlock();
        bool logging = requestlog::enabledIn(*config);
        std::optional<History> history = loadHistory(invocation, logging);
        std::string system = systemPrompt(invocation, history ? history->system : "");

        runtime::RuntimeOptions options;
        options.transport.connectTimeout = millis(seconds(invocation, "connect-timeout", 10));
        options.transport.idleTimeout = millis(seconds(invocation, "idle-timeout", 120));
        bool verbose = invocation.has("verbose");
        if (verbose) options.logLevel = MB_LOG_INFO;
        double timeout = seconds(invocation, "timeout", 0);

        auto cooldowns = std::make_shared<pipeline::CooldownStore>(config::cooldownsPath());
        session::Session session(config, cooldowns, options, streams.err);
        // The plugins' warnings first: a pin that leaves a prefix unserved explains the unknown model that follows.
        for (const auto &warning : session.runtime().registry().warnings()) streams.err << warning << "\n";
        std::optional<session::ModelName> askedModel;
        if (invocation.has("model")) askedModel = session::ModelName{invocation.value("model"), "--model"};
        const bool withFallbacks = !invocation.has("no-fallbacks");
        std::vector<ChainEntry> chain = buildChain(session, askedModel, withFallbacks, streams.err);
        if (!attachments.empty()) checkImageInput(session, chain, streams.err);
        http::CancelToken &cancel = session.cancel();
        InterruptGuard interrupts(cancel);
        Watchdog watchdog(cancel, timeout > 0 ? millis(timeout) : std::chrono::milliseconds::max());

        bool json = invocation.has("json");
        bool stream = !invocation.has("no-stream");
        AgentLog log(logging, history ? history->conversationId : std::string(), streams.err);
        // The request being answered, for the log: its entry takes the answer as it arrives (up to the log's bound,
        // however long the answer printed) and the time to its first text.
        struct Turn {
            requestlog::Entry entry;
            std::chrono::steady_clock::time_point started;
        };
        Turn *turn = nullptr;
        pipeline::Output output;
        // On a terminal, something moves while nothing else does: the wait for the first token, a retry's wait.
        Spinner spinner(Spinner::wanted() && !json && !invocation.has("quiet"));
        output.text = [&turn, json, &spinner](std::string_view text) {
            spinner.clear();
            if (turn != nullptr && !text.empty()) {
                if (turn->entry.ttftMs < 0) {
                    turn->entry.ttftMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                                             std::chrono::steady_clock::now() - turn->started)
                                             .count();
                }
                requestlog::appendLogged(turn->entry.answer, text);
            }
            if (!json) writeOut(text);
        };
        auto statusLine = [&streams, &spinner](std::string_view line) {
            spinner.clear();
            endLine();
            streams.err << "moltbot: " << line << "\n";
        };
        // Notices go to stderr, or with --json into the object's "notices" (collected per answer); --quiet drops
        // them from stderr.
        bool quiet = invocation.has("quiet");
        std::vector<std::string> notices;
        auto notify = [&](std::string_view line) {
            if (json) {
                notices.emplace_back(line);
            } else if (!quiet) {
                statusLine(line);
            }
        };
        // A plugin repeats its notices on every retry: a warning (an unknown slug) shows once per run, an
        // informational one (a normalised model id) once ever, remembered in the state folder.
        NoticeMemory memory(config::stateDir() / "notices-shown.json");
        std::set<std::string, std::less<>> warningsShown;
        output.notice = [&](std::string_view level, std::string_view line) {
            if (level == "warning") {
                if (warningsShown.emplace(line).second) statusLine(line);
                return;
            }
            if (memory.shown(line) || (quiet && !json)) return;
            notify(line);
            memory.remember(line);
        };
        if (verbose) output.verbose = statusLine;
        output.attemptStarted = [&](const std::string &ref, int) {
            std::string prefix = ref.substr(0, ref.find('/'));
            auto provider = session.runtime().registry().find(prefix);
            watchdog.running(provider ? "the plugin " + provider->info.id + " (" + provider->path.string() + ") serving " + ref
                                      : "the plugin serving " + ref);
            spinner.show("waiting for " + ref);
        };

        output.retryWait = [&spinner](const std::string &ref, const std::string &why, pipeline::Millis delay) {
            std::string reason = why;
            std::replace(reason.begin(), reason.end(), '_', ' ');
            spinner.show(ref + ": " + reason + ", retrying in " + std::to_string((delay.count() + 999) / 1000) + " s");
        };

        auto exitCode = [](int32_t status) {
            if (status == MB_OK) return static_cast<int>(kOk);
            if (status == MB_ERR_CANCELLED) return static_cast<int>(kCancelled);
            return static_cast<int>(kAllFailed);
        };

        Conversation conversation(system, params);
        if (history) conversation.addHistory(*history);
        std::string modelAsked = invocation.has("model") ? invocation.value("model") : session.config().primaryModel();
        bool keyMissing = false;  // a provider's key was not configured: exit 1, not 2
        auto finalCode = [&](int32_t status) {
            return keyMissing && status != MB_OK ? static_cast<int>(kUsage) : exitCode(status);
        };
        auto ask = [&](const std::string &message) {
            conversation.addUser(message, attachments);
            notices.clear();
            auto started = std::chrono::steady_clock::now();
            Turn current{{}, started};
            if (!log.conversationId().empty()) {
                current.entry.timeMs = nowMs();
                current.entry.modelAsked = modelAsked;
                requestlog::appendLogged(current.entry.prompt, message);
                requestlog::appendLogged(current.entry.system, system);
                turn = &current;
            }
            // In a chat, Ctrl-C stops this answer only (onInterrupt).
            std::unique_ptr<http::CancelToken> answerToken;
            pipeline::CancelCheck stopped;
            if (gChatting != 0) {
                answerToken = std::make_unique<http::CancelToken>();
                stopped = [token = answerToken.get()] { return token->cancelled(); };
                gAnswerToken.store(answerToken.get());
            }
            Outcome outcome = session.run(chain, conversation.request(), stream, output, stopped);
            gAnswerToken.store(nullptr);
            spinner.clear();
            bool stoppedByUser = answerToken && answerToken->cancelled() && outcome.status == MB_ERR_CANCELLED;
            watchdog.stopped();
            turn = nullptr;
            if (std::string why = cooldowns->save(nowMs()); !why.empty()) {
                streams.err << style::warning(true) << "could not save model cooldowns: " << why << "\n";
            }
            if (std::string why = memory.save(); !why.empty()) {
                streams.err << style::warning(true) << "could not save the notices shown: " << why << "\n";
            }
            if (outcome.status == MB_ERR_CANCELLED && watchdog.fired()) {
                outcome.status = MB_ERR_TIMEOUT;
                outcome.error = "the request took longer than --timeout " + invocation.value("timeout") + " s";
            }
            // Kept in the conversation, the images are not attached again; a failed turn leaves them for the next.
            if (outcome.status == MB_OK || (stoppedByUser && !outcome.text.empty())) attachments.clear();
            if (outcome.status == MB_OK) {
                conversation.add("assistant", outcome.text);
            } else if (stoppedByUser && !outcome.text.empty()) {
                // The part received stays on screen and in the conversation, marked so the model sees it was cut.
                conversation.add("assistant", outcome.text + kStoppedMark);
                if (!json) writeOut(kStoppedMark);
            } else {
                conversation.dropLast();
            }
            if (!log.conversationId().empty()) {
                current.entry.recordOutcome(outcome);
                if (current.entry.costUsd < 0) {  // the upstream gave tokens but no cost: the catalog's prices
                    if (std::optional<double> estimate = session.estimatedCost(outcome)) {
                        current.entry.costUsd = *estimate;
                        current.entry.costEstimated = true;
                    }
                }
                current.entry.latencyMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::steady_clock::now() - started)
                                              .count();
                current.entry.status = exitCode(outcome.status);
                log.record(std::move(current.entry));
            }
            for (const auto &line : pipeline::fallbackNotices(chain, outcome)) notify(line);
            if (json) {
                writeOutcomeJson(streams.out, outcome, log.conversationId(), notices, config->validation().warnings);
            } else {
                endLine();
                if (outcome.status == MB_OK) {
                    streams.err << usageLine(outcome) << "\n";
                } else {
                    streams.err << style::error(stoppedByUser ? (outcome.text.empty()
                                                                     ? "answer stopped; nothing was received"
                                                                     : "answer stopped; the part received stays in "
                                                                       "the conversation")
                                                : outcome.status == MB_ERR_CANCELLED ? "cancelled"
                                                                                     : outcome.error)
                                << "\n";
                }
            }
            if (outcome.status != MB_OK && outcome.status != MB_ERR_CANCELLED &&
                explainKeys(*config, session.runtime().services(), outcome, streams.err)) {
                keyMissing = true;
            }
            if (verbose) {
                auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
                streams.err << "moltbot: total " << elapsed.count() << " ms\n";
            }
            log.printWarnings();
            return outcome.status;
        };

        if (oneShot) {
            if (!json) output.keepText = 0;  // printed as it arrives and never sent back: keep none of it
            return finalCode(ask(*oneShot));
        }
        // A terminal and no message: a chat that keeps the conversation.
        streams.err << "Chatting with " << style::model(chain.front().ref.full());
        if (history) {
            streams.err << ", carrying on conversation " << history->conversationId << " (" << history->turns.size()
                        << " earlier turns)";
        }
        if (!attachments.empty()) {
            streams.err << (attachments.size() == 1 ? "; the image attached goes"
                                                    : "; the " + std::to_string(attachments.size()) +
                                                          " images attached go")
                        << " with your first message";
        }
        streams.err << ". Type /help for the commands, /exit or Ctrl-D to leave.\n";
        const bool imagesSent = !attachments.empty();  // the conversation holds images: /model checks the model
        ChatHooks hooks;
        hooks.ask = [&](const std::string &message) { return finalCode(ask(message)); };
        hooks.switchModel = [&](const std::string &ref) {
            std::vector<ChainEntry> next = buildChain(session, session::ModelName{ref, "/model"}, withFallbacks,
                                                      streams.err);
            if (imagesSent) checkImageInput(session, next, streams.err);
            chain = std::move(next);
            modelAsked = ref;
            return chain.front().ref.full();
        };
        hooks.clear = [&] { conversation.clear(); };
        hooks.setSystem = [&](const std::string &text) {
            system = text;
            conversation.setSystem(text);
        };
        hooks.save = [&](const std::filesystem::path &path) {
            rapidjson::Document saved(rapidjson::kObjectType);
            auto &allocator = saved.GetAllocator();
            saved.AddMember("model", jsonString(chain.front().ref.full(), allocator), allocator);
            saved.AddMember("messages", rapidjson::Value(conversation.messages(), allocator), allocator);
            try {
                config::writeFileAtomic(path, config::toPrettyJson(saved) + "\n");
            } catch (const std::exception &error) {
                throw UsageError{"could not save the conversation to " + path.string() + ": " + error.what()};
            }
        };
        hooks.sessionOver = [&] { return cancel.cancelled(); };
        gChatting = 1;
        LineEditor editor("you> ", config::stateDir() / "chat-history");
        int code = runChat(hooks, editor, streams.err);
        gChatting = 0;
        return code;
    }
};

}  // namespace

void addAgentCommand(CommandList &commands) { commands.push_back(std::make_unique<AgentCommand>()); }

}  // namespace moltbot::cli
