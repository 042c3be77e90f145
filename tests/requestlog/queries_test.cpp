// The request log's read side: the latest entries with their filters, usage per group, the latest conversation.
#include "tests/requestlog/support.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>

using namespace moltbot::requestlog;
using namespace moltbot::requestlog::test;
using moltbot::test::TempDir;

namespace {

constexpr int64_t kDayMs = 24 * 60 * 60 * 1000;
constexpr int64_t kDay0 = 1'700'006'400'000;  // 2023-11-15T00:00:00Z

Entry at(int64_t timeMs, std::string model, std::string key, int64_t prompt, int64_t cached, double cost) {
    Entry entry;
    entry.timeMs = timeMs;
    entry.frontEnd = key.empty() ? "agent" : "serve";
    entry.keyName = std::move(key);
    entry.model = std::move(model);
    entry.provider = entry.model.find("anthropic") != std::string::npos ? "Anthropic" : "OpenAI";
    entry.usageKnown = true;
    entry.promptTokens = prompt;
    entry.completionTokens = 10;
    entry.cachedTokens = cached;
    entry.costUsd = cost;
    entry.status = entry.frontEnd == "serve" ? 200 : 0;
    return entry;
}

// A log with six requests over two days, two models, agent and two gateway keys.
struct Fixture {
    TempDir dir;
    std::filesystem::path path = dir.path() / "logs.db";

    Fixture() {
        Options options;
        options.path = path;
        RequestLog log(std::move(options));
        const std::string sonnet = "openrouter/anthropic/claude-sonnet-4.5", gpt = "openrouter/openai/gpt-5.2";
        log.submit(at(kDay0 + 1000, sonnet, "", 1000, 800, 0.010));
        log.submit(at(kDay0 + 2000, gpt, "team-a", 500, 0, 0.004));
        Entry estimated = at(kDay0 + 3000, gpt, "team-a", 500, 0, 0.002);
        estimated.costEstimated = true;
        log.submit(estimated);
        Entry unpriced = at(kDay0 + kDayMs + 1000, sonnet, "team-b", 200, 100, -1);
        log.submit(unpriced);
        Entry failed = at(kDay0 + kDayMs + 2000, sonnet, "", 0, 0, -1);
        failed.usageKnown = false;
        failed.status = 2;
        failed.errorCode = "rate_limited";
        failed.modelAsked = "sonnet";
        log.submit(failed);
        Entry chat = at(kDay0 + kDayMs + 3000, sonnet, "", 300, 0, 0.001);
        chat.conversationId = "conversation1";
        log.submit(chat);
        REQUIRE(log.close());
    }
};

}  // namespace

TEST_CASE("the latest entries come newest last, as many as asked") {
    Fixture fixture;
    LogReader reader(fixture.path);
    LogQuery query;
    query.limit = 2;
    std::vector<Entry> latest = reader.latest(query);
    REQUIRE(latest.size() == 2);
    CHECK(latest[0].timeMs == kDay0 + kDayMs + 2000);
    CHECK(latest[1].timeMs == kDay0 + kDayMs + 3000);
    query.limit = 0;
    CHECK(reader.latest(query).size() == 6);
}

TEST_CASE("filters: a model glob over the model asked or answered, a key, a time, a conversation, a front end") {
    Fixture fixture;
    LogReader reader(fixture.path);
    auto count = [&](auto setup) {
        LogQuery query;
        query.limit = 0;
        setup(query);
        return reader.latest(query).size();
    };
    CHECK(count([](LogQuery &q) { q.modelPattern = "openrouter/openai/*"; }) == 2);
    CHECK(count([](LogQuery &q) { q.modelPattern = "*sonnet*"; }) == 4);
    CHECK(count([](LogQuery &q) { q.modelPattern = "sonnet"; }) == 1);  // the one asked by its alias
    CHECK(count([](LogQuery &q) { q.modelPattern = "gpt"; }) == 0);     // a glob matches whole names
    CHECK(count([](LogQuery &q) { q.keyName = "team-a"; }) == 2);
    CHECK(count([](LogQuery &q) { q.sinceMs = kDay0 + kDayMs; }) == 3);
    CHECK(count([](LogQuery &q) { q.conversationId = "conversation1"; }) == 1);
    CHECK(count([](LogQuery &q) { q.frontEnd = "serve"; }) == 3);
    CHECK(count([](LogQuery &q) {
              q.keyName = "team-a";
              q.sinceMs = kDay0 + 2500;
          }) == 1);
}

TEST_CASE("usage per model: requests, tokens, cached share, cost, estimated and unknown costs, totals") {
    Fixture fixture;
    LogReader reader(fixture.path);
    UsageReport report = reader.usage(GroupBy::Model, std::nullopt);
    REQUIRE(report.groups.size() == 2);
    const UsageRow &sonnet = report.groups[0];  // the costliest first
    CHECK(sonnet.group == "openrouter/anthropic/claude-sonnet-4.5");
    CHECK(sonnet.requests == 4);
    CHECK(sonnet.promptTokens == 1500);
    CHECK(sonnet.cachedTokens == 900);
    CHECK(sonnet.cachedShare() == doctest::Approx(0.6));
    CHECK(sonnet.costUsd == doctest::Approx(0.011));
    CHECK(sonnet.costUnknown == 2);
    CHECK(sonnet.costEstimated == 0);
    const UsageRow &gpt = report.groups[1];
    CHECK(gpt.requests == 2);
    CHECK(gpt.costEstimated == 1);
    CHECK(gpt.costUsd == doctest::Approx(0.006));
    CHECK(report.total.requests == 6);
    CHECK(report.total.promptTokens == 2500);
    CHECK(report.total.completionTokens == 50);  // the failed request has no usage
    CHECK(report.total.costUsd == doctest::Approx(0.017));
}

TEST_CASE("usage per key, day and provider, and since a time") {
    Fixture fixture;
    LogReader reader(fixture.path);
    UsageReport byKey = reader.usage(GroupBy::Key, std::nullopt);
    std::map<std::string, int64_t> requests;
    for (const auto &row : byKey.groups) requests[row.group] = row.requests;
    CHECK(requests == std::map<std::string, int64_t>{{"(agent)", 3}, {"team-a", 2}, {"team-b", 1}});

    UsageReport byDay = reader.usage(GroupBy::Day, std::nullopt);
    REQUIRE(byDay.groups.size() == 2);
    CHECK(byDay.groups[0].group == "2023-11-15");
    CHECK(byDay.groups[0].requests == 3);
    CHECK(byDay.groups[1].group == "2023-11-16");

    UsageReport byProvider = reader.usage(GroupBy::Provider, kDay0 + kDayMs);
    REQUIRE(byProvider.groups.size() == 1);
    CHECK(byProvider.groups[0].group == "Anthropic");
    CHECK(byProvider.total.requests == 3);

    CHECK(parseGroupBy("day") == GroupBy::Day);
    CHECK_FALSE(parseGroupBy("week"));
}

TEST_CASE("the latest conversation of a front end") {
    Fixture fixture;
    LogReader reader(fixture.path);
    CHECK(reader.latestConversation("agent") == "conversation1");
    CHECK(reader.latestConversation("serve").empty());
}

TEST_CASE("a missing file is a ReadError, and reading never creates it") {
    TempDir dir;
    CHECK_THROWS_AS(LogReader(dir.path() / "logs.db"), ReadError);
    CHECK_FALSE(std::filesystem::exists(dir.path() / "logs.db"));
}
