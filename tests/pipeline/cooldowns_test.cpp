#include "core/pipeline/cooldown_store.hpp"
#include "core/pipeline/cooldowns.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>

using namespace moltbot::pipeline;

TEST_CASE("the cooldown ladder grows with consecutive failures and respects Retry-After") {
    CHECK(Cooldowns::waitMs(1, -1) == 60'000);
    CHECK(Cooldowns::waitMs(2, -1) == 300'000);
    CHECK(Cooldowns::waitMs(3, -1) == 1'500'000);
    CHECK(Cooldowns::waitMs(4, -1) == 3'600'000);
    CHECK(Cooldowns::waitMs(9, -1) == 3'600'000);
    CHECK(Cooldowns::waitMs(1, 90'000) == 90'000);
}

TEST_CASE("a failure starts a cooldown, a success resets it") {
    Cooldowns table;
    table.recordFailure("openrouter/a/b", 1'000, -1, "rate_limited");
    auto active = table.active("openrouter/a/b", 2'000);
    REQUIRE(active);
    CHECK(active->untilMs == 61'000);
    CHECK(active->reason == "rate_limited");
    CHECK_FALSE(table.active("openrouter/a/b", 61'000));
    table.recordFailure("openrouter/a/b", 70'000, -1, "unavailable");
    CHECK(table.active("openrouter/a/b", 70'001)->untilMs == 370'000);
    table.recordSuccess("openrouter/a/b");
    CHECK(table.entries().empty());
}

TEST_CASE("the table survives a round trip through its file format; garbage reads as empty") {
    Cooldowns table;
    table.recordFailure("openrouter/x/y", 5, 1'000, "unavailable");
    table.recordFailure("local/llama3", 5, -1, "rate_limited");
    Cooldowns again = Cooldowns::parse(table.serialize());
    REQUIRE(again.entries().size() == 2);
    CHECK(again.entries().at("openrouter/x/y").untilMs == table.entries().at("openrouter/x/y").untilMs);
    CHECK(again.entries().at("local/llama3").reason == "rate_limited");
    CHECK(Cooldowns::parse("{not json").entries().empty());
    CHECK(Cooldowns::parse("[1,2]").entries().empty());
    CHECK(Cooldowns::parse(R"({"models":{"a/b":{"until":"soon"}}})").entries().empty());
}

TEST_CASE("entries that ended more than a day ago are pruned") {
    Cooldowns table;
    table.recordFailure("a/b", 0, -1, "unavailable");
    table.prune(60'000 + 24LL * 3'600'000 - 1);
    CHECK(table.entries().size() == 1);
    table.prune(60'000 + 24LL * 3'600'000 + 1);
    CHECK(table.entries().empty());
}

TEST_CASE("the shared store writes its file when the table changed, and only then") {
    std::filesystem::path folder = std::filesystem::temp_directory_path() / ("moltbot-cooldowns-" + std::to_string(::getpid()));
    std::filesystem::path file = folder / "cooldowns.json";
    std::filesystem::remove_all(folder);
    {
        CooldownStore store(file);
        CHECK(store.save(1'000).empty());
        CHECK_FALSE(std::filesystem::exists(file));  // an empty table that never changed is not written

        store.recordFailure("p/a", 1'000, -1, "unavailable");
        CHECK(store.save(1'000).empty());
        REQUIRE(std::filesystem::exists(file));
        std::filesystem::remove(file);
        store.recordSuccess("p/other");  // clears nothing: no change
        CHECK(store.save(2'000).empty());
        CHECK_FALSE(std::filesystem::exists(file));

        store.recordSuccess("p/a");
        CHECK(store.save(3'000).empty());
        REQUIRE(std::filesystem::exists(file));
    }
    CooldownStore reread(file);  // what was written is what the next process reads
    CHECK_FALSE(reread.active("p/a", 3'000));
    std::filesystem::remove_all(folder);
}
