// No key leaks: every command, on success and on every failure we can provoke, with a canary key. The key must never
// show in full on stdout or stderr, nor in any file the tool wrote except the credentials file.
#include "tests/guarantees/guard.hpp"

#include <doctest/doctest.h>

#include <signal.h>

using namespace moltbot::guard;
using moltbot::test::RunOptions;
using moltbot::test::RunResult;

namespace {

bool leaks(const std::string &text) {
    return text.find(kCanary) != std::string::npos || text.find(kRejected) != std::string::npos;
}

struct Transcript {
    const Guard &guard;
    int runs = 0;

    // Runs one command and checks its output; returns it for further checks.
    RunResult operator()(std::vector<std::string> args, RunOptions options = {}) {
        std::string line;
        for (const auto &arg : args) line += arg + " ";
        RunResult result = guard.moltbot(std::move(args), std::move(options));
        ++runs;
        CHECK_MESSAGE(!leaks(result.out), "stdout of: " << line << "\n" << result.out);
        CHECK_MESSAGE(!leaks(result.err), "stderr of: " << line << "\n" << result.err);
        CHECK_MESSAGE(!result.timedOut, line);
        return result;
    }
};

RunOptions withEnv(const std::string &name, const std::string &value) {
    RunOptions options;
    options.env[name] = value;
    return options;
}

}  // namespace

TEST_CASE("the canary key never shows in output or in any file but the credentials file") {
    Guard guard;
    Transcript run{guard};

    // onboard: refused without a terminal, then non-interactive from the flag and from the environment.
    run({"onboard", "--openrouter-api-key", kCanary});
    CHECK(run({"onboard", "--non-interactive", "--auth-choice", "openrouter-api-key", "--openrouter-api-key",
               kCanary})
              .exitCode == 0);
    CHECK(run({"onboard", "--non-interactive", "--json"}, withEnv("OPENROUTER_API_KEY", kCanary)).exitCode == 0);
    CHECK(run({"onboard", "--non-interactive", "--json", "--openrouter-api-key", kCanary}).exitCode == 0);

    // config: every subcommand, text and --json, including a key the user put in the config's env block.
    CHECK(run({"config", "set", R"(agents.defaults.models["openrouter/openai/gpt-5.2"].alias)", "gpt"}).exitCode == 0);
    CHECK(run({"config", "set", "env.OPENROUTER_API_KEY", kCanary, "--json"}).exitCode == 0);
    for (const char *path : {"env", "env.OPENROUTER_API_KEY", "agents"}) {
        CHECK(run({"config", "get", path}).exitCode == 0);
        CHECK(run({"config", "get", path, "--json"}).exitCode == 0);
    }
    CHECK(run({"config", "validate"}).exitCode == 0);
    CHECK(run({"config", "validate", "--json"}).exitCode == 0);
    CHECK(run({"config", "path", "--json"}).exitCode == 0);
    CHECK(run({"config", "unset", "env.OPENROUTER_API_KEY", "--json"}).exitCode == 0);
    CHECK(run({"config", "unset", "env"}).exitCode == 0);

    // models: status (with the probe), list (writes the catalog cache).
    CHECK(run({"models", "status"}).exitCode == 0);
    CHECK(run({"models", "status", "--json", "--probe"}).exitCode == 0);
    CHECK(run({"models", "status", "--probe", "--check"}).exitCode == 0);
    CHECK(run({"models", "list"}).exitCode == 0);
    CHECK(run({"models", "list", "--json"}).exitCode == 0);

    // agent: success in every output mode, then the failures.
    CHECK(run({"agent", "-m", "hi"}).exitCode == 0);
    CHECK(run({"agent", "-m", "hi", "--verbose"}).exitCode == 0);
    CHECK(run({"agent", "-m", "hi", "--json", "--verbose"}).exitCode == 0);
    CHECK(run({"agent", "-m", "hi", "--model", "openrouter/nobody/nothing", "--verbose"}).exitCode != 0);
    guard.sim.faults(R"([{"kind":"http","status":429,"retry_after":1,"times":3}])");
    CHECK(run({"agent", "-m", "hi", "--verbose", "--json", "--no-fallbacks", "--timeout", "5"}).exitCode != 0);  // also writes a cooldown
    guard.sim.faults(R"([{"kind":"error_chunk","after_chunks":1}])");
    CHECK(run({"agent", "-m", "hi", "--model", "gpt", "--verbose"}).exitCode != 0);
    guard.sim.faults(R"([{"kind":"stall","match":{"model":"openai/gpt-4o-mini"}}])");
    CHECK(run({"agent", "-m", "hi", "--model", "openrouter/openai/gpt-4o-mini", "--timeout", "1", "--verbose"})
              .exitCode != 0);
    RunOptions interrupt;
    interrupt.signalOnOutput = "[";
    interrupt.signal = SIGINT;
    guard.sim.faults(R"([{"kind":"stall","match":{"model":"openai/gpt-4o-mini"}}])");
    CHECK(run({"agent", "-m", "hi", "--model", "openrouter/openai/gpt-4o-mini", "--verbose"}, interrupt).exitCode !=
          0);

    // A key the provider rejects (401), from the environment, which wins over the stored one.
    RunOptions rejected = withEnv("OPENROUTER_API_KEY", kRejected);
    RunResult unauthorized = run({"agent", "-m", "hi", "--verbose"}, rejected);
    CHECK(unauthorized.exitCode != 0);
    CHECK(unauthorized.err.find("sk-or-v1") != std::string::npos);  // named, masked
    CHECK(run({"models", "status", "--probe", "--json"}, rejected).exitCode == 0);
    CHECK(run({"models", "status", "--probe", "--check"}, rejected).exitCode != 0);

    // The provider cannot be reached.
    RunOptions refused = withEnv("OPENROUTER_BASE_URL", "http://127.0.0.1:1/api/v1");
    CHECK(run({"agent", "-m", "hi", "--verbose", "--json"}, refused).exitCode != 0);
    CHECK(run({"models", "status", "--probe"}, refused).exitCode == 0);
    run({"models", "list"}, refused);

    // The key must have reached the simulator: else the checks above proved nothing.
    CHECK(guard.sim.get("/_sim/requests", false).body.find(kCanary) != std::string::npos);

    std::size_t walked = 0;
    bool stored = false;
    for (const auto &file : filesUnder(guard.home.path())) {
        ++walked;
        std::string content = moltbot::test::readFile(file);
        // The credentials file and its backup (the key it replaced) are the only places for a key, owner-only; and
        // the config's backups (moltbot.json.bak, .bak.1 to .bak.4), since the test itself put the key in the
        // config's env block and a backup keeps what a write replaced.
        std::string name = file.filename().string();
        if (name == "credentials.json" || name == "credentials.json.bak" || name.starts_with("moltbot.json.bak")) {
            stored = stored || (name.starts_with("credentials") && content.find(kCanary) != std::string::npos);
            CHECK((std::filesystem::status(file).permissions() & std::filesystem::perms::all) ==
                  (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
            continue;
        }
        CHECK_MESSAGE(!leaks(content), "the key is in " << file.string());
    }
    CHECK(stored);
    CHECK(walked >= 4);  // config, its backup, credentials, cooldowns and catalog cache at least
    MESSAGE(run.runs << " commands, " << walked << " files checked");
}

TEST_CASE("with no key at all, agent and models status say so without printing anything secret") {
    Guard guard;
    RunResult agent = guard.moltbot({"agent", "-m", "hi", "--model", "openrouter/openai/gpt-5.2", "--verbose"});
    CHECK(agent.exitCode != 0);
    CHECK(agent.err.find("No API key found") != std::string::npos);
    RunResult status = guard.moltbot({"models", "status", "--probe", "--json"});
    CHECK(status.exitCode == 0);
    CHECK(status.out.find("sk-or") == std::string::npos);
}
