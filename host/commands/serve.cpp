// `moltbot serve`: the OpenAI-compatible gateway (docs/gateway.md). The request path lives in core/gateway; this
// file reads the settings, owns the process's signals (drain on SIGTERM/SIGINT, reload on SIGHUP) and the
// listening line.
#include "host/cli.hpp"
#include "host/commands/style.hpp"
#include "host/commands/config_support.hpp"

#include "core/config/paths.hpp"
#include "core/gateway/gateway.hpp"
#include "core/gateway/poco_server.hpp"
#include "core/session/session.hpp"
#include "core/state/backend.hpp"
#include "core/util/loopback.hpp"

#include <moltbot/sdk/http.hpp>
#include <Poco/Util/Option.h>

#include <malloc.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <vector>

namespace moltbot::cli {

namespace {

using Clock = std::chrono::steady_clock;

int intFlag(const Invocation &invocation, const std::string &name, int fallback, int min, int max) {
    if (!invocation.has(name)) return fallback;
    std::string text = invocation.value(name);
    try {
        std::size_t used = 0;
        long value = std::stol(text, &used);
        if (used == text.size() && value >= min && value <= max) return static_cast<int>(value);
    } catch (const std::exception &) {
    }
    throw UsageError{"--" + name + " takes an integer from " + std::to_string(min) + " to " + std::to_string(max) +
                     ", not '" + text + "'"};
}


// The catalogs of the configured models are read before the first request, so that it does not pay for them.
void warmCatalogs(session::Session &session) {
    std::vector<session::ModelName> names = session.configuredFallbacks();
    if (std::string primary = session.config().primaryModel(); !primary.empty()) names.push_back({primary, "primary"});
    for (const auto &name : names) {
        try {
            session.catalogs().of(session.resolve(name).prefix);
        } catch (const std::exception &) {
            // A broken name is reported when a request uses it.
        }
    }
}

class ServeCommand : public Command {
public:
    std::string name() const override { return "serve"; }
    std::string summary() const override { return "run the OpenAI-compatible gateway (POST /v1/chat/completions)"; }
    std::string details() const override {
        return "Serves POST /v1/chat/completions, GET /v1/models, GET /health and GET /ready through the same "
               "config, plugins, fallbacks and cooldowns as 'moltbot agent'. Point any OpenAI SDK at "
               "http://HOST:PORT/v1. When ready it prints 'moltbot: listening on http://HOST:PORT' on standard error; "
               "one access-log line per request follows there.\n"
               "Defaults come from the config's gateway block (host, port, threads, maxConcurrent, maxBodyBytes, "
               "drainSeconds, headerTimeoutSeconds, idleTimeoutSeconds, upstreamConnectTimeoutSeconds, "
               "upstreamIdleTimeoutSeconds, logFormat, stickySeconds: how long a session (x-session-id, else the body's "
               "user) keeps its upstream provider, instanceId: this instance's name in the request log); "
               "docs/gateway.md has them all.\n"
               "Signals: SIGTERM or SIGINT stops accepting, lets running requests finish within gateway.drainSeconds "
               "(a second one stops at once), then exits 0; SIGHUP reloads the config (models, aliases, routing, keys); "
               "a config that does not load keeps the old one.\n"
               "Exit codes: 0 stopped by a signal, 1 bad flags or config, or the address cannot be bound.";
    }
    void defineOptions(Poco::Util::OptionSet &options) const override {
        using Poco::Util::Option;
        options.addOption(Option("host", "", "address to listen on (default gateway.host, else 127.0.0.1)").argument("ADDR"));
        options.addOption(Option("port", "", "port to listen on; 0 picks a free one (default gateway.port, else 4000)")
                              .argument("N"));
        options.addOption(Option("threads", "", "connection threads (default gateway.threads, else maxConcurrent + 32)")
                              .argument("N"));
        options.addOption(Option("log-format", "", "access log on standard error: text (default) or json").argument("FORMAT"));
        options.addOption(Option("allow-unauthenticated", "",
                                 "DANGEROUS: listen on a non-loopback address although the gateway has no keys (moltbot keys): "
                                 "anyone who reaches it spends your provider credits"));
    }

    int run(const Invocation &invocation, Streams streams) const override {
        if (!invocation.positionals.empty()) {
            throw UsageError{"unexpected argument '" + invocation.positionals.front() + "'; see 'moltbot serve --help'"};
        }
        // Every thread started from here on inherits the mask: signals are taken by sigwait below, never by a
        // handler interrupting a request.
        sigset_t signals;
        sigemptyset(&signals);
        for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) sigaddset(&signals, signal);
        pthread_sigmask(SIG_BLOCK, &signals, nullptr);

        // Many threads allocating and freeing per request: glibc's default (trim an arena's top above 128 KiB) gives
        // memory back and takes it again on every request, a madvise and a TLB shootdown each time; above 1 MiB
        // per arena it keeps it. Measured: twice the requests per second at 64 connections (docs/benchmarks.md).
        if (std::getenv("MALLOC_TRIM_THRESHOLD_") == nullptr) mallopt(M_TRIM_THRESHOLD, 1 << 20);

        auto config = std::make_shared<config::Config>(loadConfig(true, streams.err));
        config->applyEnvBlock();
        gateway::Settings settings = gateway::Settings::fromConfig(*config);
        if (invocation.has("host")) settings.host = invocation.value("host");
        settings.port = intFlag(invocation, "port", settings.port, 0, 65535);
        settings.threads = intFlag(invocation, "threads", settings.threads, 1, 100000);
        if (invocation.has("log-format")) settings.logFormat = invocation.value("log-format");
        if (settings.logFormat != "text" && settings.logFormat != "json") {
            throw UsageError{"--log-format takes text or json, not '" + settings.logFormat + "'"};
        }
        // The state backend (config state block): the state folder, or a Redis shared with other instances.
        std::unique_ptr<state::Backend> backend;
        try {
            backend = state::open(state::Options::fromConfig(*config));
        } catch (const config::ConfigError &error) {
            throw UsageError{error.what()};
        }
        gateway::KeyGate keys(*backend);
        // The keys are read now so a broken keys file stops the start, not the first request. A shared backend that
        // cannot be reached does not stop it: until it answers, keyed requests get 503 (the gateway stays closed).
        bool haveKeys = false;
        try {
            haveKeys = !backend->loadKeys().empty();
        } catch (const config::ConfigError &error) {
            throw UsageError{error.what()};
        } catch (const state::Unavailable &error) {
            haveKeys = true;
            streams.err << style::warning() << error.what() << "\n";
        }
        if (!util::isLoopbackHost(settings.host) && !haveKeys && !invocation.has("allow-unauthenticated")) {
            throw UsageError{"refusing to listen on " + settings.host +
                             ": the gateway has no keys, so anyone who can reach it would spend your provider "
                             "credits; create one with 'moltbot keys create', listen on 127.0.0.1, or pass "
                             "--allow-unauthenticated if that is really meant"};
        }

        gateway::Metrics metrics;  // one per process: a reload keeps the counts
        auto cooldowns = std::make_shared<pipeline::CooldownStore>(config::cooldownsPath());
        cooldowns->onFailure([&metrics](const std::string &ref) { metrics.cooldownStarted(ref); });
        // A shared backend shares the cooldowns too: one instance's failing model is skipped by all.
        cooldowns->mirror({[&backend](const std::string &ref, int64_t retryAfterMs, const std::string &reason) {
                               return backend->recordFailure(ref, retryAfterMs, reason);
                           },
                           [&backend](const std::string &ref) { backend->recordSuccess(ref); }});
        runtime::RuntimeOptions options;
        options.transport.connectTimeout = std::chrono::seconds(settings.upstreamConnectTimeoutSeconds);
        options.transport.idleTimeout = std::chrono::seconds(settings.upstreamIdleTimeoutSeconds);
        // One idle connection handle per request that may run at once: each keeps its upstream connections alive,
        // so a busy gateway reuses them instead of opening one per request.
        options.transport.maxIdleHandles = static_cast<std::size_t>(settings.maxConcurrent);
        auto first = std::make_shared<session::Session>(config, cooldowns, options, streams.err);
        for (const auto &warning : first->runtime().registry().warnings()) streams.err << warning << "\n";
        warmCatalogs(*first);
        gateway::SessionHolder holder(first);
        first.reset();
        gateway::AccessLog log(streams.err, settings.logFormat == "json");
        // The request log (logs.enabled, read at start): a bounded queue and one writer thread, never in the way of
        // a request. Its one-time warnings (a full disk, a read-only state folder) go to the access log.
        std::unique_ptr<requestlog::RequestLog> requests;
        if (requestlog::enabledIn(holder.current()->config())) {
            requestlog::Options logOptions;
            logOptions.warn = [&log](const std::string &message) { log.note("warning: " + message); };
            requests = std::make_unique<requestlog::RequestLog>(std::move(logOptions));
        }
        gateway::Gateway gateway(holder, settings, log, keys, metrics, requests.get());
        std::unique_ptr<gateway::PocoServer> server;
        try {
            server = std::make_unique<gateway::PocoServer>(gateway, settings);
        } catch (const std::runtime_error &error) {
            throw UsageError{error.what()};
        }
        {
            gateway::Settings named = settings;
            named.port = server->port();  // --port 0: the port it got
            gateway.setInstanceId(named.instanceName());
        }
        server->start();
        std::string host = settings.host.find(':') != std::string::npos ? "[" + settings.host + "]" : settings.host;
        // One write, so that a reader never sees the line without its port.
        std::string listening = "moltbot: listening on http://" + host + ":" + std::to_string(server->port()) + "\n";
        streams.err.write(listening.data(), static_cast<std::streamsize>(listening.size()));
        streams.err.flush();

        for (;;) {
            int signal = 0;
            if (sigwait(&signals, &signal) != 0) continue;
            if (signal == SIGPIPE) continue;
            if (signal == SIGHUP) {
                reload(config->path(), holder, log);
                continue;
            }
            break;  // SIGTERM, SIGINT
        }

        gateway.startDraining();
        server->stopAccepting();
        log.note("draining: " + std::to_string(gateway.inFlight()) + " requests running, up to " +
                 std::to_string(settings.drainSeconds) + " s");
        Clock::time_point deadline = Clock::now() + std::chrono::seconds(settings.drainSeconds);
        bool idle = waitOrSignal(gateway, signals, deadline);
        if (!idle) {
            log.note("drain time is up: cancelling " + std::to_string(gateway.inFlight()) + " requests");
            holder.current()->cancel().cancel();  // one token for every session a reload made
            idle = gateway.waitIdle(Clock::now() + std::chrono::seconds(5));
        }
        if (std::string why = cooldowns->save(sdk::nowMs()); !why.empty()) {
            log.note("warning: could not save model cooldowns: " + why);
        }
        if (requests) requests->close();  // waits up to 2 s for the queued entries
        log.note("stopped");
        if (!idle) {
            // A plugin call that ignores cancellation: its thread cannot be joined, so the process leaves without it.
            std::cerr.flush();
            std::_Exit(kOk);
        }
        server.reset();
        return kOk;
    }

private:
    // Waits for the running requests until `deadline`; a second SIGTERM or SIGINT cuts the wait short.
    static bool waitOrSignal(gateway::Gateway &gateway, const sigset_t &signals, Clock::time_point deadline) {
        while (Clock::now() < deadline) {
            if (gateway.waitIdle(std::min(deadline, Clock::now() + std::chrono::milliseconds(100)))) return true;
            timespec none{0, 0};
            int signal = sigtimedwait(&signals, nullptr, &none);
            if (signal == SIGTERM || signal == SIGINT) return false;
        }
        return gateway.inFlight() == 0;
    }

    // The new config over the same plugins (loaded once per process): new instances, aliases, routing and keys.
    static void reload(const std::filesystem::path &path, gateway::SessionHolder &holder, gateway::AccessLog &log) {
        try {
            auto config = std::make_shared<config::Config>(config::Config::load(path, true));
            auto current = holder.current();
            for (const auto &issue : config->validation().warnings) log.note("warning: " + issue.text());
            // The env block sets process variables, which request threads read all the time: it is applied at
            // start only (changing the environment under them is undefined behaviour).
            if (config->envBlock() != current->config().envBlock()) {
                log.note("warning: the config's env block changed; it takes effect when moltbot serve restarts");
            }
            auto fresh = std::make_shared<session::Session>(config, *current);
            warmCatalogs(*fresh);
            holder.replace(fresh);
            log.note("reloaded the config from " + path.string());
        } catch (const std::exception &error) {
            log.note("the config did not reload, the previous one stays in use: " + std::string(error.what()));
        }
    }
};

}  // namespace

void addServeCommand(CommandList &commands) { commands.push_back(std::make_unique<ServeCommand>()); }

}  // namespace moltbot::cli
