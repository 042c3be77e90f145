// End to end: the built openrouter.so, driven through its C vtable, over the host's libcurl transport, against the
// OpenRouter simulator (tests/simulator) running in-process on an ephemeral port.
#include "fake_host.hpp"
#include "loaded_plugin.hpp"

#include "core/http/transport.hpp"
#include "tests/simulator/server.hpp"
#include "tests/support/error_buffer.hpp"

#include <moltbot/ext/key_info.h>
#include <moltbot/plugin.h>
#include <moltbot/sdk/json.hpp>
#include <tests/support/process.hpp>

#include <doctest/doctest.h>

#include <cstring>
#include <map>
#include <string>

using moltbot::openrouter::test::Events;
using moltbot::openrouter::test::LoadedPlugin;
using moltbot::test::ErrorBuffer;
namespace json = moltbot::sdk::json;

namespace {

// A host whose http_request is the real transport; the key is the simulator's.
class SimHost {
public:
    SimHost() {
        api_.struct_size = sizeof api_;
        api_.abi_version = MB_ABI_CURRENT;
        api_.host_name = "e2e";
        api_.host_version = "0";
        api_.host_ctx = this;
        api_.secret_get = &SimHost::secretGet;
        api_.http_request = &SimHost::http;
    }
    SimHost(const SimHost &) = delete;
    SimHost &operator=(const SimHost &) = delete;
    const mb_host_api *api() const { return &api_; }

    std::string key = moltbot::sim::kDefaultKey;

    // A plain request to the simulator (its control API); the body.
    std::string fetch(const std::string &url, const char *method = "GET", const std::string &body = "") {
        std::string out;
        mb_http_request request{};
        request.struct_size = sizeof request;
        request.method = method;
        request.url = url.c_str();
        request.body = body.empty() ? nullptr : body.data();
        request.body_len = body.size();
        request.on_body = [](void *user, const char *data, size_t len) {
            static_cast<std::string *>(user)->append(data, len);
            return 0;
        };
        request.user = &out;
        ErrorBuffer e;
        REQUIRE(transport_.request(request, &e.error) == MB_OK);
        return out;
    }

private:
    static int32_t secretGet(void *ctx, const char *, char *buf, size_t *len) {
        const std::string &key = static_cast<SimHost *>(ctx)->key;
        if (*len < key.size() + 1) {
            *len = key.size() + 1;
            return MB_ERR_BUFFER_TOO_SMALL;
        }
        std::memcpy(buf, key.c_str(), key.size() + 1);
        *len = key.size();
        return MB_OK;
    }
    static int32_t http(void *ctx, mb_call *, const mb_http_request *request, mb_error *error) {
        return static_cast<SimHost *>(ctx)->transport_.request(*request, error);
    }

    mb_host_api api_{};
    moltbot::http::Transport transport_;
};

struct Result {
    int32_t code = MB_OK;
    int32_t http = 0;
    int64_t retryAfterMs = -1;
    std::string message;
};

// One simulator, one loaded plugin, one instance of it.
class Rig {
public:
    explicit Rig(const std::string &cacheDir = "") {
        simulator.start();
        root = simulator.baseUrl().substr(0, simulator.baseUrl().rfind("/api/v1"));
        REQUIRE(plugin.loaded());
        entry = plugin.entry();
        REQUIRE(entry != nullptr);
        vtable = entry->providers[0]->vtable;
        ErrorBuffer e;
        REQUIRE(entry->init(host.api(), &e.error) == MB_OK);
        std::string config = R"({"name":"openrouter","config":{"baseUrl":)" + json::quote(simulator.baseUrl()) + "}";
        if (!cacheDir.empty()) config += ",\"cacheDir\":" + json::quote(cacheDir);
        config += "}";
        REQUIRE(vtable->create(host.api(), config.data(), config.size(), &instance, &e.error) == MB_OK);
    }
    ~Rig() {
        vtable->destroy(instance);
        simulator.stop();
    }
    Rig(const Rig &) = delete;
    Rig &operator=(const Rig &) = delete;

    Result chat(bool stream, const std::string &request, const std::string &options, Events &events) {
        ErrorBuffer e;
        Result r;
        auto fn = stream ? vtable->stream : vtable->complete;
        r.code = fn(instance, request.data(), request.size(), options.data(), options.size(), &events.call, &e.error);
        r.http = e.error.http_status;
        r.retryAfterMs = e.error.retry_after_ms;
        r.message = e.message();
        return r;
    }

    // The simulator's log of /api/v1 requests to `path`.
    std::vector<std::string> logged(const std::string &path) {
        rapidjson::Document doc;
        REQUIRE(json::parse(doc, host.fetch(root + "/_sim/requests")));
        std::vector<std::string> out;
        for (const auto &r : doc["data"].GetArray()) {
            if (json::getString(r, "path") == path) out.push_back(json::write(r));
        }
        return out;
    }

    moltbot::sim::Simulator simulator;
    std::string root;
    SimHost host;
    LoadedPlugin plugin;
    const mb_plugin_entry *entry = nullptr;
    const mb_provider_vtable *vtable = nullptr;
    mb_instance *instance = nullptr;
};

std::string text(const Events &events) {
    std::string out;
    for (const auto &delta : events.of(MB_EVENT_TEXT_DELTA)) {
        rapidjson::Document doc;
        REQUIRE(json::parse(doc, delta));
        out += json::getString(doc, "text");
    }
    return out;
}

int64_t usage(const Events &events, const char *key) {
    REQUIRE(events.of(MB_EVENT_USAGE).size() == 1);
    rapidjson::Document doc;
    REQUIRE(json::parse(doc, events.of(MB_EVENT_USAGE)[0]));
    return json::getInt(doc, key, -1);
}

const std::string kHi = R"({"model":"anthropic/claude-sonnet-4.5","messages":[{"role":"user","content":"hi"}]})";

}  // namespace

TEST_CASE("e2e: a dashed id, slug warnings, routing and prompt caching, streamed") {
    Rig rig;
    std::string system(6000, 'a');  // well above the simulator's 1024-token caching minimum
    for (std::size_t i = 5; i < system.size(); i += 6) system[i] = ' ';
    const std::string request = R"({"model":"anthropic/claude-sonnet-4-5","messages":[{"role":"system","content":")" +
                                system + R"("},{"role":"user","content":"hi"}]})";
    const std::string options =
        R"({"params":{"cacheControlTtl":"1h","maxTokens":200},"provider":{"order":["aws-bedrock","anthropic"]}})";

    Events first;
    Result r = rig.chat(true, request, options, first);
    REQUIRE_MESSAGE(r.code == MB_OK, r.message);
    REQUIRE(first.of(MB_EVENT_NOTICE).size() == 2);
    CHECK(first.of(MB_EVENT_NOTICE)[0].find("anthropic/claude-sonnet-4.5") != std::string::npos);
    CHECK(first.of(MB_EVENT_NOTICE)[1].find("amazon-bedrock") != std::string::npos);
    REQUIRE(first.of(MB_EVENT_META).size() == 1);
    CHECK(first.of(MB_EVENT_META)[0].find("\"provider\":\"Anthropic\"") != std::string::npos);
    CHECK(text(first) == "[claude-sonnet-4.5 via Anthropic] You said: hi");
    CHECK(usage(first, "cache_write_tokens") > 0);
    CHECK(first.list.back().first == MB_EVENT_DONE);
    CHECK(first.list.back().second.find("\"finish_reason\":\"stop\"") != std::string::npos);

    Events second;
    REQUIRE(rig.chat(true, request, options, second).code == MB_OK);
    CHECK(usage(second, "cached_tokens") > 0);

    std::vector<std::string> chats = rig.logged("/api/v1/chat/completions");
    REQUIRE(chats.size() == 2);
    CHECK(chats[0].find("\"model\":\"anthropic/claude-sonnet-4.5\"") != std::string::npos);
    CHECK(chats[0].find(R"("cache_control":{"type":"ephemeral","ttl":"1h"})") != std::string::npos);
    CHECK(chats[0].find("\"max_tokens\":200") != std::string::npos);
    CHECK(chats[0].find("X-OpenRouter-Title") != std::string::npos);
    CHECK(chats[0].find("HTTP-Referer") != std::string::npos);
}

TEST_CASE("e2e: complete via openrouter/auto, list_models from a disk cache, key info") {
    moltbot::test::TempDir dir;
    Rig rig(dir.path().string());
    Events answer;
    Result r = rig.chat(false, R"({"model":"auto","messages":[{"role":"user","content":"hello"}]})", "{}", answer);
    REQUIRE_MESSAGE(r.code == MB_OK, r.message);
    CHECK(answer.kinds() == std::vector<uint32_t>{MB_EVENT_META, MB_EVENT_RESPONSE, MB_EVENT_USAGE});
    CHECK(answer.of(MB_EVENT_RESPONSE)[0].find("You said: hello") != std::string::npos);
    CHECK(rig.logged("/api/v1/chat/completions")[0].find("\"model\":\"openrouter/auto\"") != std::string::npos);

    Events models;
    ErrorBuffer e;
    REQUIRE(rig.vtable->list_models(rig.instance, &models.call, &e.error) == MB_OK);
    CHECK(models.of(MB_EVENT_MODEL).size() >= 400);
    CHECK(rig.logged("/api/v1/models").size() == 1);  // the chat above already fetched it; memory since
    // A second instance (a new run) reads the disk cache.
    mb_instance *again = nullptr;
    std::string config = R"({"name":"openrouter","config":{"baseUrl":)" + json::quote(rig.simulator.baseUrl()) +
                         "},\"cacheDir\":" + json::quote(dir.path().string()) + "}";
    REQUIRE(rig.vtable->create(rig.host.api(), config.data(), config.size(), &again, &e.error) == MB_OK);
    Events cached;
    REQUIRE(rig.vtable->list_models(again, &cached.call, &e.error) == MB_OK);
    rig.vtable->destroy(again);
    CHECK(cached.list == models.list);
    CHECK(rig.logged("/api/v1/models").size() == 1);

    auto keyInfo = static_cast<const mb_ext_key_info *>(rig.vtable->get_extension(rig.instance, MB_EXT_KEY_INFO));
    REQUIRE(keyInfo != nullptr);
    Events key;
    REQUIRE(keyInfo->key_info(rig.instance, &key.call, &e.error) == MB_OK);
    REQUIRE(key.of(MB_EVENT_RESPONSE).size() == 1);
    CHECK(key.of(MB_EVENT_RESPONSE)[0].find("\"label\"") != std::string::npos);
    CHECK(key.of(MB_EVENT_RESPONSE)[0].find(moltbot::sim::kDefaultKey) == std::string::npos);
}

TEST_CASE("e2e: upstream failures become the right statuses") {
    Rig rig;
    SUBCASE("429 with Retry-After") {
        rig.simulator.addFaults(R"([{"kind":"http","status":429,"retry_after":5,"match":{"model":"anthropic/claude-sonnet-4.5"}}])");
        Events events;
        Result r = rig.chat(true, kHi, "{}", events);
        CHECK(r.code == MB_ERR_RATE_LIMITED);
        CHECK(r.http == 429);
        CHECK(r.retryAfterMs == 5000);
    }
    SUBCASE("a mid-stream error chunk, after some text") {
        rig.simulator.addFaults(R"([{"kind":"error_chunk","after_chunks":1,"message":"Provider disconnected"}])");
        Events events;
        Result r = rig.chat(true, kHi, "{}", events);
        CHECK(r.code == MB_ERR_UNAVAILABLE);
        CHECK(r.message.find("Provider disconnected") != std::string::npos);
        CHECK(events.of(MB_EVENT_TEXT_DELTA).size() == 1);
    }
    SUBCASE("a bare error under 200, non-streaming") {
        rig.simulator.addFaults(R"([{"kind":"error_200","status":502,"message":"Upstream failed"}])");
        Events events;
        Result r = rig.chat(false, kHi, "{}", events);
        CHECK(r.code == MB_ERR_UNAVAILABLE);
        CHECK(r.message.find("Upstream failed") != std::string::npos);
    }
    SUBCASE("a malformed chunk") {
        rig.simulator.addFaults(R"([{"kind":"malformed","after_chunks":1}])");
        Events events;
        CHECK(rig.chat(true, kHi, "{}", events).code == MB_ERR_UPSTREAM_PROTOCOL);
    }
    SUBCASE("a dropped connection before the finish") {
        rig.simulator.addFaults(R"([{"kind":"disconnect","after_chunks":1}])");
        Events events;
        Result r = rig.chat(true, kHi, "{}", events);
        CHECK((r.code == MB_ERR_UPSTREAM_PROTOCOL || r.code == MB_ERR_TRANSPORT));
        CHECK(events.of(MB_EVENT_DONE).empty());
    }
    SUBCASE("an unknown model names the closest ids") {
        Events events;
        Result r = rig.chat(true, R"({"model":"anthropic/claude-sonnet-9","messages":[]})", "{}", events);
        CHECK(r.code == MB_ERR_NOT_FOUND);
        CHECK(r.http == 400);
        CHECK(r.message.find("Closest OpenRouter model ids: anthropic/claude-sonnet-") != std::string::npos);
    }
    SUBCASE("routing that leaves no endpoint") {
        Events events;
        Result r = rig.chat(true, kHi, R"({"provider":{"only":["aws-bedrock"]}})", events);
        CHECK(r.code == MB_ERR_NOT_FOUND);
        CHECK(r.http == 404);
    }
    SUBCASE("a wrong key, and no key") {
        rig.host.key = "sk-or-v1-wrong";
        Events events;
        Result wrong = rig.chat(true, kHi, "{}", events);
        CHECK(wrong.code == MB_ERR_AUTH);
        CHECK(wrong.message.find("User not found.") != std::string::npos);
        CHECK(wrong.message.find("sk-or-v1-wrong") == std::string::npos);
        rig.host.key.clear();
        Result none = rig.chat(true, kHi, "{}", events);
        CHECK(none.code == MB_ERR_AUTH);
        CHECK(none.message.find("OPENROUTER_API_KEY") != std::string::npos);
    }
}
