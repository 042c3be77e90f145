// Scale-out end to end: a redis-server of the test's own, three real `moltbot serve` instances sharing it
// (state.backend "redis"), each against its own OpenRouter simulator (or one shared, for sticky sessions), and the
// real `moltbot keys` writing the keys into Redis. The limits must hold across the instances, exactly; a revocation,
// a cooldown, a Redis outage and a session's provider are seen by all of them. Every server is stopped by its PID when the test ends, whatever happened.
#include "tests/gateway/serve_fixture.hpp"
#include "tests/support/haproxy.hpp"
#include "tests/support/redis_server.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

using namespace moltbot::gateway::test;
using moltbot::sim::test::str;

namespace {

const std::string kChat = "/v1/chat/completions";

bool contains(const std::string &text, const std::string &part) { return text.find(part) != std::string::npos; }

// kConfig with a state block pointing at `url`, three instances.
std::string clusterConfig(const std::string &url, const std::string &onStateError, int requestTimeoutSeconds) {
    std::string config = kConfig.substr(0, kConfig.rfind('}'));
    return config + "  state: { backend: \"redis\", onStateError: \"" + onStateError + "\", instances: 3,\n" +
           "           redis: { url: \"" + url + "\", keyPrefix: \"test:\", commandTimeoutMs: 5000 } },\n" +
           "  gateway: { requestTimeoutSeconds: " + std::to_string(requestTimeoutSeconds) + " },\n}\n";
}

// One Redis and three instances. Members go in reverse order: the instances (killed by PID), then Redis. Each
// instance has a simulator of its own, unless `upstream` names one base URL for all (one OpenRouter, as in life).
struct Cluster {
    explicit Cluster(bool persistent = false, const std::string &onStateError = "reject",
                     const moltbot::sim::Options &simulator = {}, int requestTimeoutSeconds = 30,
                     const std::string &upstream = "")
        : redis(persistent) {
        for (int i = 0; i < 3; ++i) {
            instances.push_back(std::make_unique<ServeFixture>(
                clusterConfig(redis.url(), onStateError, requestTimeoutSeconds), simulator));
            if (!upstream.empty()) instances.back()->env["OPENROUTER_BASE_URL"] = upstream;
        }
        for (auto &instance : instances) instance->start();
    }
    ServeFixture &a() { return *instances[0]; }
    ServeFixture &b() { return *instances[1]; }
    ServeFixture &c() { return *instances[2]; }
    std::vector<ServeFixture *> all() {
        std::vector<ServeFixture *> out;
        for (auto &instance : instances) out.push_back(instance.get());
        return out;
    }

    moltbot::test::RedisServer redis;
    std::vector<std::unique_ptr<ServeFixture>> instances;
};

std::string precise(double value) {
    std::ostringstream text;
    text.precision(17);
    text << value;
    return text.str();
}

}  // namespace

TEST_CASE("the keys live in Redis: a key made through one instance's CLI works on all three, and no keys file is "
          "written") {
    Cluster cluster;
    std::string secret = createKey(cluster.a(), {"--name", "team"});
    for (ServeFixture *instance : cluster.all()) {
        Response answer = post(instance->port(), kChat, chatBody("sonnet", "hi"), bearer(secret));
        CHECK_MESSAGE(answer.status == 200, answer.body);
        CHECK(post(instance->port(), kChat, chatBody("sonnet", "hi"), bearer(secret + "x")).status == 401);
    }
    CHECK_FALSE(std::filesystem::exists(cluster.a().state.path() / "gateway-keys.json"));
    // Another instance's state folder lists the same key, with the requests of all three.
    rapidjson::Document shown = showKey(cluster.c(), "team");
    CHECK(shown["requests"].GetInt64() == 3);
    Response ready = get(cluster.b().port(), "/ready");
    CHECK(ready.status == 200);
    CHECK(str(ready.json()["state"]["backend"]) == "redis");
    CHECK(ready.json()["state"]["up"].GetBool());
}

TEST_CASE("keys import: the keys of a single gateway's keys file move into Redis and keep working on every instance") {
    // One machine's gateway first: the local backend, two keys (one revoked) in its state folder.
    moltbot::test::TempDir single;
    moltbot::test::RunOptions local;
    local.env["MOLTBOT_STATE_DIR"] = single.path().string();
    auto singleKeys = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {moltbot::test::moltbotBinary().string(), "keys"});
        return moltbot::test::run(args, local);
    };
    moltbot::test::RunResult made = singleKeys({"create", "--name", "team", "--rpm", "100"});
    REQUIRE_MESSAGE(made.exitCode == 0, made.err);
    std::string secret = made.out.substr(0, made.out.find('\n'));
    REQUIRE(singleKeys({"create", "--name", "gone"}).exitCode == 0);
    REQUIRE(singleKeys({"revoke", "gone"}).exitCode == 0);
    std::string file = (single.path() / "gateway-keys.json").string();

    Cluster cluster;
    moltbot::test::RunResult imported = cli(cluster.a(), {"keys", "import", file});
    REQUIRE_MESSAGE(imported.exitCode == 0, imported.err);
    CHECK(contains(imported.out, "Imported 2 keys into redis://"));
    for (ServeFixture *instance : cluster.all()) {
        CHECK(post(instance->port(), kChat, chatBody("sonnet", "hi"), bearer(secret)).status == 200);
    }
    moltbot::test::RunResult listed = cli(cluster.c(), {"keys", "list"});
    CHECK(contains(listed.out, "team"));
    CHECK(contains(listed.out, "gone"));

    // Again: nothing new. A different key under a taken name: an error, and nothing imported.
    moltbot::test::RunResult again = cli(cluster.b(), {"keys", "import", file, "--json"});
    REQUIRE_MESSAGE(again.exitCode == 0, again.err);
    rapidjson::Document report;
    report.Parse(again.out.c_str());
    CHECK(report["imported"].Size() == 0);
    CHECK(report["skipped"].Size() == 2);
    REQUIRE(createKey(cluster.a(), {"--name", "clash"}).size() > 0);
    REQUIRE(singleKeys({"create", "--name", "clash"}).exitCode == 0);
    REQUIRE(singleKeys({"create", "--name", "later"}).exitCode == 0);
    moltbot::test::RunResult clash = cli(cluster.a(), {"keys", "import", file});
    CHECK(clash.exitCode == 1);
    CHECK(contains(clash.err, "a different key named 'clash'"));
    CHECK_FALSE(contains(cli(cluster.a(), {"keys", "list"}).out, "later"));

    // The local backend already reads its own file: nothing to import from it into itself.
    moltbot::test::RunResult self = singleKeys({"import"});
    CHECK(self.exitCode == 1);
    CHECK(contains(self.err, "already reads"));
}

TEST_CASE("300 concurrent requests over three instances against a budget for 50: the settled spend never passes "
          "it") {
    Cluster cluster;
    std::string meter = createKey(cluster.a(), {"--name", "meter"});
    // Every answer costs the same: the same prompt, cut at max_tokens, priced alike by each simulator.
    std::string body = chatBody("sonnet", "count the stars in the sky tonight please",
                                R"("stream":true,"stream_options":{"include_usage":true},"max_tokens":8)");
    Response first = post(cluster.a().port(), kChat, body, bearer(meter));
    REQUIRE(first.status == 200);
    double cost = streamedCost(first);
    REQUIRE(cost > 0);
    for (ServeFixture *instance : {&cluster.b(), &cluster.c()}) {
        CHECK(streamedCost(post(instance->port(), kChat, body, bearer(meter))) == doctest::Approx(cost));
    }

    double budget = 50 * cost;
    std::string secret =
        createKey(cluster.a(), {"--name", "fifty", "--budget", precise(budget), "--period", "day"});
    auto started = std::chrono::steady_clock::now();
    std::vector<Response> responses = burst(cluster.all(), body, bearer(secret), 300);
    auto took = std::chrono::steady_clock::now() - started;
    CHECK(took < std::chrono::seconds(60));
    int answered = 0;
    for (const auto &response : responses) {
        if (response.status == 200) {
            ++answered;
            continue;
        }
        REQUIRE_MESSAGE(response.status == 429, response.body);
        CHECK(str(response.json()["error"]["type"]) == "budget_exceeded");
    }
    // Then one at a time, round robin, until the budget refuses: the burst's reservations are all released now.
    int after = 0;
    for (int i = 0; i < 60; ++i) {
        if (post(cluster.all()[static_cast<std::size_t>(i % 3)]->port(), kChat, body, bearer(secret)).status != 200) break;
        ++after;
    }
    MESSAGE(answered << " answered in the burst, " << after << " after it, each $" << cost);
    CHECK(answered >= 1);
    CHECK(answered + after <= 50);
    rapidjson::Document shown = showKey(cluster.b(), "fifty");
    double spent = shown["spentUsd"].GetDouble();
    // Counted in nano-dollars: the spend is the answers' costs, and never above the budget.
    CHECK(spent <= budget + 1e-9);
    CHECK(spent == doctest::Approx((answered + after) * cost).epsilon(1e-9));
    CHECK(shown["requests"].GetInt64() == answered + after);
}

TEST_CASE("300 concurrent requests over three instances against --rpm 50: exactly 50 answered") {
    Cluster cluster;
    std::string secret = createKey(cluster.a(), {"--name", "fifty-rpm", "--rpm", "50"});
    std::vector<Response> responses = burst(cluster.all(), chatBody("sonnet", "hi"), bearer(secret), 300);
    int answered = 0;
    for (const auto &response : responses) {
        CHECK(response.header("x-ratelimit-limit-requests") == "50");
        if (response.status == 200) {
            ++answered;
            continue;
        }
        REQUIRE_MESSAGE(response.status == 429, response.body);
        CHECK(str(response.json()["error"]["code"]) == "rate_limit_exceeded");
        CHECK(str(response.json()["error"]["type"]) == "requests");
        int retryAfter = std::stoi(response.header("retry-after"));
        CHECK(retryAfter >= 1);
        CHECK(retryAfter <= 60);
    }
    CHECK(answered == 50);
    // The window is shared: every instance refuses the 51st.
    for (ServeFixture *instance : cluster.all()) {
        CHECK(post(instance->port(), kChat, chatBody("sonnet", "hi"), bearer(secret)).status == 429);
    }
}

TEST_CASE("a key revoked through instance A's CLI is refused by B and C on their next request") {
    Cluster cluster;
    std::string alice = createKey(cluster.a(), {"--name", "alice"});
    std::string bob = createKey(cluster.a(), {"--name", "bob"});
    for (ServeFixture *instance : cluster.all()) {
        REQUIRE(post(instance->port(), kChat, chatBody("sonnet", "hi"), bearer(alice)).status == 200);
    }
    keys(cluster.a(), {"revoke", "alice"});
    for (ServeFixture *instance : {&cluster.b(), &cluster.c(), &cluster.a()}) {
        Response revoked = post(instance->port(), kChat, chatBody("sonnet", "hi"), bearer(alice));
        CHECK(revoked.status == 401);
        CHECK(contains(str(revoked.json()["error"]["message"]), "revoked"));
        CHECK(post(instance->port(), kChat, chatBody("sonnet", "hi"), bearer(bob)).status == 200);
    }
    rapidjson::Document shown = showKey(cluster.b(), "alice");
    CHECK(str(shown["status"]) == "revoked");
}

TEST_CASE("Redis stopped: 503 in OpenAI's shape with Retry-After, nothing over-admitted; back without a restart") {
    Cluster cluster(/*persistent=*/true);
    std::string secret = createKey(cluster.a(), {"--name", "six", "--rpm", "6"});
    int answered = 0;
    for (ServeFixture *instance : {&cluster.a(), &cluster.b()}) {
        REQUIRE(post(instance->port(), kChat, chatBody("sonnet", "hi"), bearer(secret)).status == 200);
        ++answered;
    }
    REQUIRE(cluster.redis.stop());
    for (int i = 0; i < 6; ++i) {
        ServeFixture &instance = *cluster.all()[static_cast<std::size_t>(i % 3)];
        auto started = std::chrono::steady_clock::now();
        Response refused = post(instance.port(), kChat, chatBody("sonnet", "hi"), bearer(secret));
        CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(3));
        REQUIRE_MESSAGE(refused.status == 503, refused.body);
        CHECK(str(refused.json()["error"]["code"]) == "state_unavailable");
        CHECK(str(refused.json()["error"]["type"]) == "service_unavailable_error");
        CHECK(std::stoi(refused.header("retry-after")) >= 1);
    }
    Response ready = get(cluster.c().port(), "/ready");
    CHECK(ready.status == 200);
    CHECK_FALSE(ready.json()["state"]["up"].GetBool());
    std::string metrics = get(cluster.a().port(), "/metrics").body;
    CHECK(contains(metrics, "moltbot_state_backend_up 0"));
    CHECK_MESSAGE(contains(metrics, "moltbot_rejections_total{key=\"six\",reason=\"state\"} 2"),
                  metrics);  // 2 of the 6 went to A
    // Not a single upstream call was made for a refused request.
    for (ServeFixture *instance : cluster.all()) {
        std::size_t calls = instance->chatRequests().Size();
        CHECK(calls <= 1);
    }

    REQUIRE(cluster.redis.start());
    // Each instance comes back by itself (its breaker lets a request through after a backoff of at most 2 s).
    for (ServeFixture *instance : cluster.all()) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
        int status = 0;
        while (std::chrono::steady_clock::now() < deadline) {
            status = post(instance->port(), kChat, chatBody("sonnet", "hi"), bearer(secret)).status;
            if (status != 503) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        REQUIRE_MESSAGE(status == 200, instance->log());
        ++answered;
        CHECK(get(instance->port(), "/ready").json()["state"]["up"].GetBool());
        CHECK(contains(get(instance->port(), "/metrics").body, "moltbot_state_backend_up 1"));
    }
    // The window survived the outage: 6 per minute in all, never more.
    while (answered < 6 && post(cluster.a().port(), kChat, chatBody("sonnet", "hi"), bearer(secret)).status == 200) {
        ++answered;
    }
    CHECK(answered == 6);
    for (ServeFixture *instance : cluster.all()) {
        CHECK(post(instance->port(), kChat, chatBody("sonnet", "hi"), bearer(secret)).status == 429);
    }
    CHECK(contains(cluster.a().log(), "unreachable"));
}

TEST_CASE("the primary failing on A puts it in cooldown on B and C: they go straight to the fallback") {
    Cluster cluster;
    cluster.a().faults(R"([{"kind":"http","status":503,"match":{"model":"anthropic/claude-sonnet-4.5"},"times":5}])");
    Response failedOver = post(cluster.a().port(), kChat, chatBody("sonnet", "hi"));
    REQUIRE_MESSAGE(failedOver.status == 200, failedOver.body);
    CHECK(failedOver.header("x-moltbot-model") == kGpt);
    for (ServeFixture *instance : {&cluster.b(), &cluster.c()}) {
        Response answer = post(instance->port(), kChat, chatBody("sonnet", "hi"));
        REQUIRE_MESSAGE(answer.status == 200, answer.body);
        CHECK(answer.header("x-moltbot-model") == kGpt);
        rapidjson::Document sent = instance->chatRequests();
        REQUIRE(sent.Size() == 1);
        CHECK(str(sent[0]["model"]) == "openai/gpt-5.2");  // sonnet was never tried here
    }

    // `moltbot models cooldowns` on any machine of the cluster lists the shared cooldown; clearing it there lets
    // every instance try the primary again on its next request.
    moltbot::test::RunResult listed = cli(cluster.c(), {"models", "cooldowns", "--json"});
    REQUIRE_MESSAGE(listed.exitCode == 0, listed.err);
    rapidjson::Document cooldowns;
    cooldowns.Parse(listed.out.c_str());
    REQUIRE(cooldowns["cooldowns"].Size() == 1);
    CHECK(str(cooldowns["cooldowns"][0]["model"]) == kSonnet);
    CHECK(cooldowns["cooldowns"][0]["shared"].GetBool());
    moltbot::test::RunResult text = cli(cluster.b(), {"models", "cooldowns"});
    CHECK(contains(text.out, "openrouter/anthropic/claude-sonnet-4.5 until "));
    CHECK(contains(text.out, "[shared]"));
    cluster.a().faults("[]");  // the primary works again
    moltbot::test::RunResult cleared = cli(cluster.b(), {"models", "cooldowns", "clear", "sonnet"});
    REQUIRE_MESSAGE(cleared.exitCode == 0, cleared.err);
    CHECK(contains(cleared.out, "Cleared the cooldown of openrouter/anthropic/claude-sonnet-4.5"));
    for (ServeFixture *instance : cluster.all()) {
        Response answer = post(instance->port(), kChat, chatBody("sonnet", "hi"));
        REQUIRE_MESSAGE(answer.status == 200, answer.body);
        CHECK(answer.header("x-moltbot-model") == kSonnet);
    }
    moltbot::test::RunResult none = cli(cluster.a(), {"models", "cooldowns", "clear", "sonnet"});
    CHECK(none.exitCode == 1);
    CHECK(contains(none.err, "has no cooldown"));
}

TEST_CASE("Redis stopped with onStateError local: each instance admits its third of the rpm, then the spend is "
          "replayed") {
    Cluster cluster(/*persistent=*/true, "local");
    std::string secret = createKey(cluster.a(), {"--name", "nine", "--rpm", "9"});
    // Each instance reads the keys once: an instance that never did refuses while Redis is away.
    for (ServeFixture *instance : cluster.all()) {
        REQUIRE(post(instance->port(), kChat, chatBody("sonnet", "hi"), bearer(secret)).status == 200);
    }
    REQUIRE(cluster.redis.stop());
    for (ServeFixture *instance : cluster.all()) {
        int answered = 0, refused = 0;
        for (int i = 0; i < 5; ++i) {
            // With a session: its sticky lookup fails too, and must not fail the request.
            Response response = post(instance->port(), kChat, chatBody("sonnet", "hi"),
                                     bearer(secret) + "x-session-id: outage\r\n");
            if (response.status == 200) {
                ++answered;
            } else {
                CHECK_MESSAGE(response.status == 429, response.body);
                ++refused;
            }
        }
        CHECK(answered == 3);  // 9 rpm over 3 instances
        CHECK(refused == 2);
        CHECK(instance->server().waitFor("admitting with per-instance limits (1/3", std::chrono::seconds(5)));
        std::string metrics = get(instance->port(), "/metrics").body;
        // Each answered request failed its lookup and its record: 2 × 3.
        CHECK_MESSAGE(contains(metrics, "moltbot_sticky_errors_total 6"), metrics);
        CHECK(contains(instance->log(), "session stickiness is off while the state backend fails"));
    }
    REQUIRE(cluster.redis.start());
    // Each instance writes what it settled meanwhile once Redis answers again (/ready looks at it).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    int64_t requests = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        for (ServeFixture *instance : cluster.all()) get(instance->port(), "/ready");
        requests = showKey(cluster.b(), "nine")["requests"].GetInt64();
        if (requests == 12) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    CHECK(requests == 12);  // 3 before, 3 per instance during the outage
}

TEST_CASE("through HAProxy: SIGKILL one instance mid-load; the others go on, and its reservations expire") {
    moltbot::sim::Options slow;
    slow.chunkDelayMs = 30;  // each answer streams for a while: requests are in flight when the kill comes
    Cluster cluster(false, "reject", slow, /*requestTimeoutSeconds=*/2);  // reservations live 2 + 5 s
    moltbot::test::Haproxy haproxy({cluster.a().port(), cluster.b().port(), cluster.c().port()});
    std::string secret = createKey(cluster.a(), {"--name", "killed", "--budget", "100"});
    std::string body = chatBody("sonnet", "one two three four five six seven eight",
                                R"("stream":true,"stream_options":{"include_usage":true})");
    Response first = post(haproxy.port(), kChat, body, bearer(secret));
    REQUIRE_MESSAGE(first.status == 200, first.body << haproxy.log());

    using Clock = std::chrono::steady_clock;
    std::atomic<int> delivered{0}, deliveredAfter{0}, failed{0}, failedLate{0};
    std::atomic<bool> stop{false}, killed{false};
    std::atomic<int64_t> killedAt{0};
    auto ms = [] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
    };
    std::vector<std::thread> clients;
    for (int i = 0; i < 6; ++i) {
        clients.emplace_back([&] {
            for (int n = 0; n < 80 && !stop.load(); ++n) {
                int64_t started = ms();
                bool afterKill = killed.load();
                Connection connection(haproxy.port(), std::nothrow);
                bool ok = connection.connected() && connection.send(postRequest(kChat, body, bearer(secret)));
                std::optional<Response> response;
                if (ok) response = connection.read(std::chrono::seconds(10));
                ok = ok && response && response->status == 200 && contains(response->body, "[DONE]");
                if (ok) {
                    ++delivered;
                    if (afterKill) ++deliveredAfter;
                } else {
                    ++failed;
                    if (afterKill && started > killedAt.load() + 1000) ++failedLate;
                }
            }
        });
    }
    auto deadline = Clock::now() + std::chrono::seconds(30);
    while (delivered.load() < 15 && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    REQUIRE(delivered.load() >= 15);
    cluster.b().server().signal(SIGKILL);
    killedAt = ms();
    killed = true;
    Clock::time_point killTime = Clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(3));
    stop = true;
    for (auto &client : clients) client.join();
    MESSAGE(delivered.load() << " delivered (" << deliveredAfter.load() << " after the kill), " << failed.load()
                             << " failed");
    // Only requests in flight on the killed instance fail (one per client at most); HAProxy routes around it.
    CHECK(failed.load() <= 6);
    CHECK(failedLate.load() == 0);
    CHECK(deliveredAfter.load() >= 6);

    // The killed instance's reservations still count (it may come back), then expire after their TTL.
    // (A request that failed was in flight on it, so admitted: its worst case is reserved.)
    if (failed.load() > 0) CHECK(showKey(cluster.a(), "killed")["reservedUsd"].GetDouble() > 0);
    double reserved = 1;
    while (Clock::now() < killTime + std::chrono::seconds(15)) {
        reserved = showKey(cluster.c(), "killed")["reservedUsd"].GetDouble();
        if (reserved == 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    CHECK(reserved == 0);
    CHECK(Clock::now() - killTime > std::chrono::seconds(4));  // not freed before the TTL
}

TEST_CASE("sticky sessions through HAProxy: one session's requests, spread over the three instances, all reach one "
          "upstream provider, and read its prompt cache from the second on") {
    // One OpenRouter for the three instances, balancing requests without a provider order over each model's
    // providers: without stickiness a session's requests would land on three or four of them.
    moltbot::sim::Options balancing;
    balancing.balance = "round-robin";
    moltbot::sim::test::Fixture upstream(balancing);
    Cluster cluster(false, "reject", {}, 30, upstream.simulator.baseUrl());
    moltbot::test::Haproxy haproxy({cluster.a().port(), cluster.b().port(), cluster.c().port()});

    std::string doc;
    while (doc.size() < 6000) doc += "The quick brown fox jumps over the lazy dog. ";
    doc.resize(6000);
    // Haiku: the config gives it no provider order, so OpenRouter's balancing (or the pin) decides.
    std::string body = R"({"model":"openrouter/anthropic/claude-haiku-4.5","messages":[{"role":"system","content":)"
                       R"([{"type":"text","text":")" + doc + R"(","cache_control":{"type":"ephemeral"}}]},)"
                       R"({"role":"user","content":"Summarise."}]})";
    std::vector<int> cached;
    for (int i = 0; i < 6; ++i) {
        Response sticky = post(haproxy.port(), kChat, body, "x-session-id: conv-scaleout\r\n");
        REQUIRE_MESSAGE(sticky.status == 200, sticky.body << haproxy.log());
        cached.push_back(sticky.json()["usage"]["prompt_tokens_details"]["cached_tokens"].GetInt());
        // A request without a session between them moves both balancers on.
        REQUIRE(post(haproxy.port(), kChat, body).status == 200);
    }

    rapidjson::Document log = upstream.get("/_sim/requests", false).json();
    std::vector<std::string> slugs;
    for (auto &request : log["data"].GetArray()) {
        if (str(request["path"]).ends_with("/chat/completions")) slugs.push_back(str(request["provider_slug"]));
    }
    REQUIRE(slugs.size() == 12);
    std::set<std::string> session, others;
    for (std::size_t i = 0; i < slugs.size(); ++i) (i % 2 == 0 ? session : others).insert(slugs[i]);
    CHECK_MESSAGE(session.size() == 1, "the session was served by " << session.size() << " providers");
    CHECK(others.size() >= 3);  // the requests without a session still spread
    CHECK(cached[0] == 0);
    for (std::size_t i = 1; i < cached.size(); ++i) CHECK_MESSAGE(cached[i] > 0, "request " << i + 1);
    // The session's requests went through every instance: each pinned at least one.
    for (ServeFixture *instance : cluster.all()) {
        CHECK_MESSAGE(contains(instance->log(), "sticky=" + *session.begin()), instance->log());
    }
    // One record in Redis, in the session's own hash tag, with a TTL.
    std::string keys = cluster.redis.cli({"KEYS", "test:{s:*"});
    CHECK(std::count(keys.begin(), keys.end(), '\n') == 1);
    std::string key = keys.substr(0, keys.find('\n'));
    CHECK(key.ends_with("}:sticky"));
    CHECK(std::stoll(cluster.redis.cli({"PTTL", key})) > 0);
}
