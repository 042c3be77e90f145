// No config loss: `moltbot config set` and `moltbot onboard` killed at many points while they write, or stopped by a
// write that fails part-way. Afterwards each file is the old one or the new one, byte for byte, never a mix, and a
// replaced config has its backup.
#include "tests/guarantees/guard.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>

using namespace moltbot::guard;
using moltbot::test::readFile;
using moltbot::test::RunOptions;
using moltbot::test::RunResult;

namespace {

using Command = std::vector<std::string>;

// Two commands that flip a file between two states; `file` is the file they rewrite.
struct Flip {
    Command toA, toB;
    std::string file;
};

std::string read(const Guard &guard, const std::string &file) { return readFile(guard.state() / file); }

// Kills the command at delays spread over its whole run time (measured first), flipping A <-> B, and checks that
// the file is always exactly A or B.
void killWhileWriting(const Flip &flip) {
    Guard guard;
    // A large file makes the write take long enough to be hit.
    guard.config("{ agents: { defaults: { models: { 'openrouter/openai/gpt-5.2': { alias: '" +
                 std::string(200000, 'p') + "' } } } } }");
    REQUIRE(guard.moltbot(flip.toA).exitCode == 0);
    std::string a = read(guard, flip.file);
    auto start = std::chrono::steady_clock::now();
    REQUIRE(guard.moltbot(flip.toB).exitCode == 0);
    auto full = std::chrono::steady_clock::now() - start;
    std::string b = read(guard, flip.file);
    REQUIRE(a != b);

    const int steps = 40;
    auto step = std::max<std::chrono::microseconds>(std::chrono::duration_cast<std::chrono::microseconds>(full) / steps,
                                                    std::chrono::microseconds(500));
    int killed = 0, killedAfterWrite = 0;
    bool atA = false;  // the file holds B now
    for (int i = 0; i <= steps + 4; ++i) {
        RunOptions options;
        options.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(step * i);  // then SIGKILL
        if (options.timeout.count() == 0) options.timeout = std::chrono::milliseconds(1);
        RunResult result = guard.moltbot(atA ? flip.toB : flip.toA, options);
        std::string now = read(guard, flip.file);
        REQUIRE_MESSAGE((now == a || now == b), "after a kill at " << options.timeout.count() << " ms the file is "
                                                                   << now.size() << " bytes, neither state");
        bool changed = now != (atA ? a : b);
        if (result.timedOut) {
            ++killed;
            killedAfterWrite += changed;
        } else {
            CHECK(result.exitCode == 0);
            CHECK(changed);
        }
        if (changed && flip.file == "moltbot.json") CHECK(readFile(guard.state() / "moltbot.json.bak") == (atA ? a : b));
        atA = now == a;
    }
    MESSAGE(flip.toA[0] << ": " << steps + 5 << " runs of about " << std::chrono::duration_cast<std::chrono::milliseconds>(full).count()
                        << " ms, " << killed << " killed, " << killedAfterWrite << " of them after the write");
    CHECK(killed > 0);
}

}  // namespace

TEST_CASE("config set killed at any point leaves the old config or the new one") {
    killWhileWriting({{"config", "set", "agents.defaults.model.primary", "openrouter/openai/gpt-5.2"},
                      {"config", "set", "agents.defaults.model.primary", "openrouter/x-ai/grok-4"},
                      "moltbot.json"});
}

TEST_CASE("onboard killed at any point leaves the old credentials or the new ones") {
    // --no-probe: kRejected is a key the simulator rejects, which onboard would refuse to store after asking it; the
    // write, not the check, is what this test kills (the check: tests/seed/onboard_probe_test.cpp).
    Command onboard = {"onboard", "--non-interactive", "--no-probe", "--auth-choice", "openrouter-api-key",
                       "--openrouter-api-key"};
    Command toA = onboard, toB = onboard;
    toA.push_back(kCanary);
    toB.push_back(kRejected);
    killWhileWriting({toA, toB, "credentials.json"});
}

TEST_CASE("a write that fails part-way (file size limit) leaves the config untouched") {
    Guard guard;
    REQUIRE(guard.moltbot({"config", "set", "agents.defaults.model.primary", "openrouter/openai/gpt-5.2"}).exitCode ==
            0);
    std::string before = read(guard, "moltbot.json");
    // The new config is larger than the limit, so writing its temp file fails (EFBIG, or SIGXFSZ kills the tool).
    Command limited = {"prlimit", "--fsize=" + std::to_string(before.size() + 64), "--",
                       moltbot::test::moltbotBinary().string(), "config", "set", "agents.defaults.model.fallbacks",
                       "['" + std::string(4096, 'f') + "']"};
    RunOptions options;
    options.env["HOME"] = guard.home.path().string();
    RunResult result = moltbot::test::run(limited, options);
    MESSAGE("exit " << result.exitCode << ": " << result.err);
    CHECK(result.exitCode != 0);
    CHECK(read(guard, "moltbot.json") == before);
    // And the next write goes through.
    CHECK(guard.moltbot({"config", "set", "agents.defaults.model.primary", "openrouter/x-ai/grok-4"}).exitCode == 0);
    CHECK(readFile(guard.state() / "moltbot.json.bak") == before);
}
