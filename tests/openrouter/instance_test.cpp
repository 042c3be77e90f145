// An instance against a fake host: config, auth, headers, the chat round trip, errors, the catalog cache.
#include "fake_host.hpp"
#include "samples.hpp"

#include "instance.hpp"

#include <moltbot/sdk/guard.hpp>
#include <moltbot/sdk/json.hpp>
#include <tests/support/process.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace moltbot::openrouter;
using moltbot::openrouter::test::Canned;
using moltbot::openrouter::test::Events;
using moltbot::openrouter::test::FakeHost;
using moltbot::openrouter::test::kJsonHeaders;
using moltbot::openrouter::test::kSseHeaders;
namespace json = moltbot::sdk::json;

namespace {

const std::string kKey = "sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const std::string kBase = "http://127.0.0.1:9/api/v1";
const char *kRequest = R"({"model":"anthropic/claude-sonnet-4-5","messages":[{"role":"user","content":"Hi"}]})";

InstanceConfig config(const std::string &extra = "", const std::string &cacheDir = "") {
    std::string json = R"({"name":"openrouter","config":{"baseUrl":")" + kBase + "/\"" + extra + "}";
    if (!cacheDir.empty()) json += ",\"cacheDir\":" + json::quote(cacheDir);
    return InstanceConfig::parse(json + "}");
}

struct Outcome {
    int32_t code = MB_OK;
    std::string message;
    int32_t http = 0;
    int64_t retryAfterMs = -1;
};

template <class F>
Outcome run(F &&f) {
    Outcome out;
    try {
        out.code = f();
    } catch (const moltbot::sdk::Failure &failure) {
        out.code = failure.code();
        out.message = failure.message();
        out.http = failure.httpStatus();
        out.retryAfterMs = failure.retryAfterMs();
    }
    return out;
}

// A fake host that has a key, the catalog and the provider list.
void stock(FakeHost &host) {
    host.secrets["openrouter"] = kKey;
    host.route("/models", Canned{200, std::string(kJsonHeaders) + "ETag: \"v1\"\r\n", test::kModels});
    host.route("/providers", Canned{200, kJsonHeaders, test::kProviders});
}

// A stocked fake host whose /chat/completions gives `answers` (the last one repeating), an instance of `settings` on
// it, and the events of its calls: `auto &[host, events, instance] = stocked;`.
struct Stocked {
    explicit Stocked(std::vector<Canned> answers, InstanceConfig settings = config())
        : instance(host.api(), std::move(settings)) {
        stock(host);
        host.route("/chat/completions", std::move(answers));
    }
    explicit Stocked(Canned answer, InstanceConfig settings = config())
        : Stocked(std::vector<Canned>{std::move(answer)}, std::move(settings)) {}

    FakeHost host;
    Events events;
    Instance instance;
};

}  // namespace

TEST_CASE("config: defaults, overrides, attribution headers, bad values") {
    InstanceConfig defaults = InstanceConfig::parse(R"({"name":"openrouter","config":{}})");
    CHECK(defaults.baseUrl == "https://openrouter.ai/api/v1");
    CHECK(defaults.headers.find("HTTP-Referer: https://github.com/moltbot/moltbot\n") != std::string::npos);
    CHECK(defaults.headers.find("X-OpenRouter-Title: moltbot\n") != std::string::npos);
    CHECK(defaults.headers.find("X-Title: moltbot\n") != std::string::npos);
    CHECK(defaults.catalogTtlSeconds == 24 * 3600);

    InstanceConfig custom = InstanceConfig::parse(
        R"({"name":"or2","cacheDir":"/tmp/c","config":{"baseUrl":"http://localhost:8080/v1//","catalogTtlSeconds":60,)"
        R"("refreshCatalog":true,"attribution":{"referer":"","title":"My App","categories":"cli-agent"},)"
        R"("headers":{"x-anthropic-beta":"interleaved-thinking-2025-05-14"}}})");
    CHECK(custom.name == "or2");
    CHECK(custom.cacheDir == "/tmp/c");
    CHECK(custom.baseUrl == "http://localhost:8080/v1");
    CHECK(custom.catalogTtlSeconds == 60);
    CHECK(custom.refreshCatalog);
    CHECK(custom.headers.find("HTTP-Referer") == std::string::npos);  // "" turns it off
    CHECK(custom.headers.find("X-OpenRouter-Title: My App\n") != std::string::npos);
    CHECK(custom.headers.find("X-OpenRouter-Categories: cli-agent\n") != std::string::npos);
    CHECK(custom.headers.find("x-anthropic-beta: interleaved-thinking-2025-05-14\n") != std::string::npos);

    for (const char *bad : {R"({"config":{"baseUrl":"ftp://x"}})", R"({"config":{"baseUrl":3}})",
                            R"({"config":{"attribution":{"title":"a\r\nX-Evil: 1"}}})",
                            R"({"config":{"headers":{"A":1}}})", R"({"config":{"catalogTtlSeconds":-1}})",
                            R"({"config":[]})", "not json"}) {
        INFO(bad);
        CHECK(run([&] { InstanceConfig::parse(bad); return MB_OK; }).code == MB_ERR_INVALID_ARGUMENT);
    }
}

TEST_CASE("chat: no key is an auth error that says how to set one, before any chat request") {
    FakeHost host;
    Events events;
    Instance instance(host.api(), config());
    Outcome out = run([&] { return instance.chat(kRequest, "{}", moltbot::sdk::Call(&events.call), true); });
    CHECK(out.code == MB_ERR_AUTH);
    CHECK(out.message.find("onboard") != std::string::npos);
    CHECK(out.message.find("OPENROUTER_API_KEY") != std::string::npos);
    CHECK(host.requestsTo("/chat/completions").empty());
}

TEST_CASE("stream: headers, URL, resolved model and the events of a streamed answer") {
    Stocked stocked(Canned{200, kSseHeaders, test::kTextStream2025});
    auto &[host, events, instance] = stocked;
    REQUIRE(instance.chat(kRequest, R"({"params":{"temperature":0.2}})", moltbot::sdk::Call(&events.call), true) ==
            MB_OK);

    auto chats = host.requestsTo("/chat/completions");
    REQUIRE(chats.size() == 1);
    CHECK(chats[0].method == "POST");
    CHECK(chats[0].url == kBase + "/chat/completions");
    CHECK(chats[0].headers.find("Authorization: Bearer " + kKey + "\n") != std::string::npos);
    CHECK(chats[0].headers.find("Accept: text/event-stream\n") != std::string::npos);
    CHECK(chats[0].headers.find("Content-Type: application/json\n") != std::string::npos);
    CHECK(chats[0].headers.find("X-OpenRouter-Title: moltbot\n") != std::string::npos);
    rapidjson::Document body;
    REQUIRE(json::parse(body, chats[0].body));
    CHECK(json::getString(body, "model") == "anthropic/claude-sonnet-4.5");  // corrected against the catalog
    CHECK(body["temperature"].GetDouble() == 0.2);
    CHECK(body["stream"].IsTrue());
    // The catalog is fetched without the key.
    REQUIRE(host.requestsTo("/models").size() == 1);
    CHECK(host.requestsTo("/models")[0].headers.find("Authorization") == std::string::npos);

    std::vector<uint32_t> kinds = events.kinds();
    CHECK(kinds == std::vector<uint32_t>{MB_EVENT_NOTICE, MB_EVENT_META, MB_EVENT_REASONING_DELTA, MB_EVENT_TEXT_DELTA,
                                         MB_EVENT_TEXT_DELTA, MB_EVENT_USAGE, MB_EVENT_DONE});
    CHECK(events.of(MB_EVENT_NOTICE)[0].find("anthropic/claude-sonnet-4.5") != std::string::npos);
}

TEST_CASE("stream: provider slug warnings reach the user as notices") {
    Stocked stocked(Canned{200, kSseHeaders, test::kToolCallStream});
    auto &[host, events, instance] = stocked;
    REQUIRE(instance.chat(R"({"model":"openai/gpt-5.2","messages":[]})", R"({"provider":{"order":["aws-bedrock"]}})",
                          moltbot::sdk::Call(&events.call), true) == MB_OK);
    REQUIRE(events.of(MB_EVENT_NOTICE).size() == 1);
    CHECK(events.of(MB_EVENT_NOTICE)[0].find("amazon-bedrock") != std::string::npos);
    CHECK(events.of(MB_EVENT_NOTICE)[0].find("\"level\":\"warning\"") != std::string::npos);
}

TEST_CASE("complete: a JSON answer gives META, RESPONSE, USAGE") {
    Stocked stocked(Canned{200, kJsonHeaders, test::kCompletion});
    auto &[host, events, instance] = stocked;
    REQUIRE(instance.chat(R"({"model":"openai/gpt-5.2","messages":[]})", "", moltbot::sdk::Call(&events.call), false) ==
            MB_OK);
    CHECK(events.kinds() == std::vector<uint32_t>{MB_EVENT_META, MB_EVENT_RESPONSE, MB_EVENT_USAGE});
    CHECK(host.requestsTo("/chat/completions")[0].headers.find("Accept: application/json\n") != std::string::npos);
}

TEST_CASE("errors: HTTP failures carry code, status, retry-after; unknown models name the closest ids") {
    Stocked stocked({
        Canned{429, std::string(kJsonHeaders) + "Retry-After: 12\r\n",
               R"({"error":{"message":"Rate limit exceeded: free-models-per-min.","code":429}})"},
        Canned{400, kJsonHeaders, R"({"error":{"message":"anthropic/claude-sonnet-5 is not a valid model ID","code":400}})"},
    });
    auto &[host, events, instance] = stocked;
    moltbot::sdk::Call call(&events.call);
    const char *request = R"({"model":"anthropic/claude-sonnet-5","messages":[]})";
    Outcome limited = run([&] { return instance.chat(request, "", call, true); });
    CHECK(limited.code == MB_ERR_RATE_LIMITED);
    CHECK(limited.http == 429);
    CHECK(limited.retryAfterMs == 12000);
    Outcome unknown = run([&] { return instance.chat(request, "", call, false); });
    CHECK(unknown.code == MB_ERR_NOT_FOUND);
    CHECK(unknown.http == 400);
    CHECK(unknown.message.find("Closest OpenRouter model ids: anthropic/claude-sonnet-4.5") != std::string::npos);
}

TEST_CASE("errors: the key never appears in a message, even when the upstream echoes it") {
    Stocked stocked(Canned{401, "", "invalid key " + kKey});
    auto &[host, events, instance] = stocked;
    Outcome out = run([&] { return instance.chat(kRequest, "", moltbot::sdk::Call(&events.call), true); });
    CHECK(out.code == MB_ERR_AUTH);
    CHECK(out.message.find(kKey) == std::string::npos);
    CHECK(out.message.find("[redacted]") != std::string::npos);
}

TEST_CASE("stream: upstream errors inside a 200 answer, transport failures, oversized events") {
    InstanceConfig small = config();
    small.maxEventBytes = 1000;
    Stocked stocked({Canned{200, kSseHeaders, test::kMidStreamError},
                     Canned{200, kJsonHeaders, R"({"error":{"code":402,"message":"Insufficient credits"}})"},
                     Canned{200, kSseHeaders, "", MB_ERR_TIMEOUT},
                     Canned{200, kSseHeaders, "data: " + std::string(1001, 'x') + "\n\n"}},
                    small);
    auto &[host, events, instance] = stocked;
    moltbot::sdk::Call call(&events.call);
    Outcome mid = run([&] { return instance.chat(kRequest, "", call, true); });
    CHECK(mid.code == MB_ERR_UNAVAILABLE);
    CHECK(mid.message.find("Provider disconnected unexpectedly") != std::string::npos);
    CHECK(events.of(MB_EVENT_TEXT_DELTA).size() == 1);
    CHECK(run([&] { return instance.chat(kRequest, "", call, true); }).code == MB_ERR_PAYMENT);
    CHECK(run([&] { return instance.chat(kRequest, "", call, true); }).code == MB_ERR_TIMEOUT);
    Outcome big = run([&] { return instance.chat(kRequest, "", call, true); });
    CHECK(big.code == MB_ERR_UPSTREAM_PROTOCOL);
    CHECK(big.message.find("1000 bytes") != std::string::npos);
}

TEST_CASE("stream: the host asking to stop cancels the call and aborts the transfer") {
    Stocked stocked(Canned{200, kSseHeaders, test::kTextStream2025});
    auto &[host, events, instance] = stocked;
    events.stopAfter = 3;  // NOTICE, META, first delta
    CHECK(instance.chat(kRequest, "", moltbot::sdk::Call(&events.call), true) == MB_ERR_CANCELLED);
    CHECK(events.list.size() == 3);

    Events cancelled;
    cancelled.cancelled = true;
    CHECK(instance.chat(kRequest, "", moltbot::sdk::Call(&cancelled.call), true) == MB_ERR_CANCELLED);
}

TEST_CASE("complete: bodies beyond the size bound fail clearly") {
    Stocked stocked({Canned{200, kJsonHeaders, std::string(kMaxResponseBytes + 10, ' ')},
                     Canned{500, "", std::string(kMaxErrorBytes * 2, 'e')}});
    auto &[host, events, instance] = stocked;
    host.pieceSize = 1 << 20;
    moltbot::sdk::Call call(&events.call);
    Outcome big = run([&] { return instance.chat(kRequest, "", call, false); });
    CHECK(big.code == MB_ERR_UPSTREAM_PROTOCOL);
    CHECK(big.message.find("16 MiB") != std::string::npos);
    Outcome error = run([&] { return instance.chat(kRequest, "", call, false); });
    CHECK(error.code == MB_ERR_UNAVAILABLE);  // classified from what arrived
    CHECK(error.message.size() < 1000);
}

TEST_CASE("chat: without a catalog the model id goes as given") {
    FakeHost host;
    host.secrets["openrouter"] = kKey;
    host.route("/models", Canned{0, "", "", MB_ERR_TRANSPORT});
    host.route("/chat/completions", Canned{200, kSseHeaders, test::kToolCallStream});
    Events events;
    Instance instance(host.api(), config());
    REQUIRE(instance.chat(kRequest, "", moltbot::sdk::Call(&events.call), true) == MB_OK);
    rapidjson::Document body;
    REQUIRE(json::parse(body, host.requestsTo("/chat/completions")[0].body));
    CHECK(json::getString(body, "model") == "anthropic/claude-sonnet-4-5");
    CHECK(events.of(MB_EVENT_NOTICE).empty());
    // The failed fetch is not repeated by every request.
    REQUIRE(instance.chat(kRequest, "", moltbot::sdk::Call(&events.call), true) == MB_OK);
    CHECK(host.requestsTo("/models").size() == 1);
}

TEST_CASE("catalog: list_models, the disk cache, its TTL, validators, offline use, forced refresh") {
    moltbot::test::TempDir dir;
    const std::string cacheDir = (dir.path() / "cache").string();
    FakeHost host;
    stock(host);
    Events first;
    {
        Instance instance(host.api(), config("", cacheDir));
        REQUIRE(instance.listModels(moltbot::sdk::Call(&first.call)) == MB_OK);
        CHECK(first.of(MB_EVENT_MODEL).size() == 5);
        // A second call of the same instance uses memory.
        Events again;
        REQUIRE(instance.listModels(moltbot::sdk::Call(&again.call)) == MB_OK);
    }
    CHECK(host.requestsTo("/models").size() == 1);
    const std::filesystem::path file = std::filesystem::path(cacheDir) / "openrouter.models.json";
    REQUIRE(std::filesystem::exists(file));

    // A new instance (a new process) finds a fresh cache on disk: no request.
    {
        Events events;
        Instance instance(host.api(), config("", cacheDir));
        REQUIRE(instance.listModels(moltbot::sdk::Call(&events.call)) == MB_OK);
        CHECK(events.list == first.list);
        CHECK(host.requestsTo("/models").size() == 1);
    }

    // A stale cache: a conditional request; 304 keeps the cached list.
    {
        Events events;
        Instance instance(host.api(), config(R"(,"catalogTtlSeconds":0)", cacheDir));
        host.route("/models", Canned{304, "", ""});
        REQUIRE(instance.listModels(moltbot::sdk::Call(&events.call)) == MB_OK);
        CHECK(events.of(MB_EVENT_MODEL).size() == 5);
        REQUIRE(host.requestsTo("/models").size() == 2);
        CHECK(host.requestsTo("/models")[1].headers.find("If-None-Match: \"v1\"\n") != std::string::npos);
    }

    // Offline with a stale cache: the cached list still works.
    {
        Events events;
        Instance instance(host.api(), config(R"(,"catalogTtlSeconds":0)", cacheDir));
        host.route("/models", Canned{0, "", "", MB_ERR_TRANSPORT});
        REQUIRE(instance.listModels(moltbot::sdk::Call(&events.call)) == MB_OK);
        CHECK(events.of(MB_EVENT_MODEL).size() == 5);
    }

    // A forced refresh fetches despite a fresh cache; a cache of another base URL is not used.
    {
        Events events;
        Instance instance(host.api(), config(R"(,"refreshCatalog":true)", cacheDir));
        std::size_t before = host.requestsTo("/models").size();
        host.route("/models", Canned{200, kJsonHeaders, R"({"data":[{"id":"only/one"}]})"});
        REQUIRE(instance.listModels(moltbot::sdk::Call(&events.call)) == MB_OK);
        CHECK(host.requestsTo("/models").size() == before + 1);
        CHECK(events.of(MB_EVENT_MODEL).size() == 1);
    }
    {
        Events events;
        InstanceConfig other = config("", cacheDir);
        other.baseUrl = "http://127.0.0.1:10/v1";
        Instance instance(host.api(), other);
        std::size_t before = host.requestsTo("/models").size();
        REQUIRE(instance.listModels(moltbot::sdk::Call(&events.call)) == MB_OK);
        CHECK(host.requestsTo("/models").size() == before + 1);
    }
    // A file that is not the cache's layout (damaged, or an older version's single JSON object) is fetched again.
    const std::string fresh = "{\"baseUrl\":\"" + config("", cacheDir).baseUrl + "\",\"fetchedAt\":9999999999";
    for (const std::string &text : {fresh + R"(,"body":"{\"data\":[]}"})", fresh + "}\n[\"a/b\"]\n"}) {
        std::ofstream(file, std::ios::trunc) << text;
        Events events;
        Instance instance(host.api(), config("", cacheDir));
        std::size_t before = host.requestsTo("/models").size();
        REQUIRE(instance.listModels(moltbot::sdk::Call(&events.call)) == MB_OK);
        CHECK(host.requestsTo("/models").size() == before + 1);
    }
}

TEST_CASE("catalog: list_models fails when there is no catalog at all") {
    FakeHost host;
    host.route("/models", Canned{503, "", "down"});
    Events events;
    Instance instance(host.api(), config());
    Outcome out = run([&] { return instance.listModels(moltbot::sdk::Call(&events.call)); });
    CHECK(out.code == MB_ERR_UNAVAILABLE);
}

TEST_CASE("key info: GET /key with the key; the data object is emitted") {
    FakeHost host;
    stock(host);
    host.route("/key", Canned{200, kJsonHeaders, R"({"data":{"label":"sk-or-v1-au7...890","limit":null,"usage":25.5,"is_free_tier":false}})"});
    Events events;
    Instance instance(host.api(), config());
    REQUIRE(instance.keyInfo(moltbot::sdk::Call(&events.call)) == MB_OK);
    REQUIRE(events.of(MB_EVENT_RESPONSE).size() == 1);
    CHECK(events.of(MB_EVENT_RESPONSE)[0] == R"({"label":"sk-or-v1-au7...890","limit":null,"usage":25.5,"is_free_tier":false})");
    CHECK(host.requestsTo("/key")[0].headers.find("Authorization: Bearer " + kKey) != std::string::npos);

    host.route("/key", Canned{401, kJsonHeaders, R"({"error":{"message":"User not found.","code":401}})"});
    Outcome out = run([&] { return instance.keyInfo(moltbot::sdk::Call(&events.call)); });
    CHECK(out.code == MB_ERR_AUTH);
    CHECK(out.message.find("User not found.") != std::string::npos);
}

TEST_CASE("an instance serves concurrent calls; the catalog is fetched once") {
    Stocked stocked(Canned{200, kSseHeaders, test::kTextStream2025});
    Instance &instance = stocked.instance;
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 20; ++i) {
                Events events;
                if (instance.chat(kRequest, "", moltbot::sdk::Call(&events.call), true) == MB_OK &&
                    !events.list.empty() && events.list.back().first == MB_EVENT_DONE) {
                    ++ok;
                }
            }
        });
    }
    for (auto &thread : threads) thread.join();
    CHECK(ok == 120);
    CHECK(stocked.host.requestsTo("/models").size() == 1);
}
