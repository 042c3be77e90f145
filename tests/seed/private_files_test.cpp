// Everything moltbot keeps in the state folder is private (docs/configuration.md): folders 0700, files 0600, the
// OpenRouter plugin's catalog cache included, whatever the umask.
#include "tests/seed/seed_support.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>

using namespace moltbot::seed;
using moltbot::test::RunResult;
namespace fs = std::filesystem;

namespace {

// Sets the umask for the test's lifetime; the programs it starts inherit it.
class Umask {
public:
    explicit Umask(mode_t mask) : previous_(::umask(mask)) {}
    ~Umask() { ::umask(previous_); }
    Umask(const Umask &) = delete;
    Umask &operator=(const Umask &) = delete;

private:
    mode_t previous_;
};

mode_t modeOf(const fs::path &path) {
    struct stat info {};
    REQUIRE(::lstat(path.c_str(), &info) == 0);
    return info.st_mode & 07777;
}

}  // namespace

TEST_CASE("the state folder, the catalog cache, the cooldowns and the request log are 0700 folders and 0600 files") {
    Seed seed;
    Umask permissive(0);  // the most permissive: every private mode below is moltbot's own doing
    fs::path state = seed.home.path() / ".moltbot";
    RunResult list = seed.moltbotWithKey({"models", "list", "--all", "--plain"});
    REQUIRE(list.exitCode == 0);
    // A rate limit beyond the 30 s cap: no retry, a cooldown to save (docs/pipeline.md).
    seed.faults(R"([{"kind": "http", "status": 429, "retry_after": 60}])");
    RunResult failed = seed.moltbotWithKey({"agent", "--model", "openrouter/openai/gpt-5.2", "--no-fallbacks", "-m", "hi"});
    CHECK(failed.exitCode == 2);

    CHECK(fs::exists(state / "cache" / "openrouter"));
    CHECK(fs::exists(state / "cooldowns.json"));
    CHECK(fs::exists(state / "logs.db"));
    int files = 0;
    CHECK(modeOf(state) == 0700);
    for (const auto &entry : fs::recursive_directory_iterator(state)) {
        CAPTURE(entry.path().string());
        if (entry.is_directory()) {
            CHECK(modeOf(entry.path()) == 0700);
        } else {
            CHECK(modeOf(entry.path()) == 0600);
            ++files;
        }
    }
    CHECK(files >= 3);
}
