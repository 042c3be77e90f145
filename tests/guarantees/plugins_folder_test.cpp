// A hostile plugins folder: symlink loops, thousands of files that are not plugins (some named .so), and plugins
// that break the ABI at run time (emit after returning, payloads that are not JSON, unknown event kinds). The host
// names each problem, never crashes, and the good plugins keep working.
#include "tests/guarantees/guard.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>

using namespace moltbot::guard;
using moltbot::test::buildPath;
using moltbot::test::RunOptions;
using moltbot::test::RunResult;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string &text, const std::string &part) { return text.find(part) != std::string::npos; }

struct HostileFolder {
    moltbot::test::TempDir dir;

    HostileFolder() {
        fs::path root = dir.path();
        fs::copy_file(buildPath("tests/fixtures/plugins/echo/echo.so"), root / "echo.so");
        fs::copy_file(buildPath("tests/fixtures/plugins/cppecho/cppecho.so"), root / "cppecho.so");
        fs::create_directory(root / "nested");
        fs::create_directory_symlink(root, root / "nested" / "loop");  // a folder loop
        fs::create_symlink(root / "ping.so", root / "pong.so");         // a file loop
        fs::create_symlink(root / "pong.so", root / "ping.so");
        fs::create_symlink(root / "missing.so", root / "dangling.so");
        for (int i = 0; i < 3000; ++i) {
            std::string name = "junk-" + std::to_string(i) + (i % 10 == 0 ? ".so" : i % 3 == 0 ? ".txt" : "");
            dir.write(name, i % 10 == 0 ? "\x7f" "ELF but not really" : "not a plugin\n");
        }
    }

    RunResult moltbot(const Guard &guard, std::vector<std::string> args) const {
        RunOptions options;
        options.env["MOLTBOT_PLUGIN_PATH"] = dir.path().string();
        options.timeout = std::chrono::seconds(20);
        RunResult result = guard.moltbot(std::move(args), options);
        CHECK_FALSE(result.timedOut);
        CHECK(result.exitCode < 128);  // never a crash
        return result;
    }
};

}  // namespace

TEST_CASE("plugins list and agent still work in a folder of loops and 3000 files that are not plugins") {
    Guard guard;
    HostileFolder folder;
    auto start = std::chrono::steady_clock::now();
    RunResult list = folder.moltbot(guard, {"plugins", "list"});
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    MESSAGE("plugins list over 3000 files: " << took.count() << " ms\n" << list.out.substr(0, 400)
                                             << list.err.substr(0, 400));
    CHECK(list.exitCode == 0);
    CHECK(contains(list.out, "ai.moltbot.fixture.echo"));
    CHECK(contains(list.out, "ai.moltbot.fixture.cppecho"));
    CHECK(contains(list.out + list.err, "junk-0.so"));  // a fake .so is named with its reason

    RunResult answer = folder.moltbot(guard, {"agent", "--model", "echo/echo-1", "-m", "still here"});
    CHECK(answer.exitCode == 0);
    CHECK(contains(answer.out, "still here"));
}

TEST_CASE("a plugin that breaks the ABI at run time fails its call with a clear message, and nothing else") {
    Guard guard;
    HostileFolder folder;
    RunResult badKind = folder.moltbot(guard, {"agent", "--model", "cppecho/bad-kind", "-m", "hi", "--no-fallbacks"});
    CHECK(badKind.exitCode != 0);
    CHECK(contains(badKind.err, "emitted unknown event kind 99"));
    RunResult badJson = folder.moltbot(guard, {"agent", "--model", "cppecho/bad-json", "-m", "hi", "--no-fallbacks"});
    CHECK(badJson.exitCode != 0);
    CHECK(contains(badJson.err, "payload is not a JSON object"));
    // The plugin keeps the call and emits through it from its own thread after stream() returned.
    RunResult late = folder.moltbot(guard, {"agent", "--model", "cppecho/late-emit", "-m", "hi"});
    MESSAGE("late emit: exit " << late.exitCode << ", " << late.out);
    CHECK(late.exitCode == 0);
    CHECK(contains(late.out, "started"));
    CHECK_FALSE(contains(late.out, "too late"));
    RunResult good = folder.moltbot(guard, {"agent", "--model", "echo/echo-1", "-m", "fine"});
    CHECK(good.exitCode == 0);
}
