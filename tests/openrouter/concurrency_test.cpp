// Concurrent calls into one OpenRouter instance, set up the way the moltbot binary does it: openrouter.so loaded by
// the plugin registry, its mb_host_api backed by runtime::Services over the libcurl transport, calls made through
// ProviderInstance, against the in-process simulator. CI also runs these under ThreadSanitizer (docs/sanitizers.md).
#include "core/config/config.hpp"
#include "core/http/cancel.hpp"
#include "core/http/transport.hpp"
#include "core/plugin/provider_instance.hpp"
#include "core/plugin/registry.hpp"
#include "core/runtime/runtime.hpp"
#include "tests/simulator/server.hpp"
#include "tests/support/error_buffer.hpp"

#include <moltbot/plugin.h>
#include <moltbot/sdk/json.hpp>
#include <tests/support/process.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace json = moltbot::sdk::json;
namespace plugin = moltbot::plugin;

// The real host services, except that the key is the simulator's whatever the environment holds.
class SimServices : public moltbot::runtime::Services {
public:
    using Services::Services;
    std::optional<std::string> secretGet(std::string_view, std::string_view) override {
        return moltbot::sim::kDefaultKey;
    }
};

// One simulator and one instance of the OpenRouter plugin, loaded by a registry of its own. Members are destroyed
// bottom up: the instance first, the services it calls through last.
struct Host {
    Host()
        : config(moltbot::config::Config::load(dir.path() / "no-config.json")),
          services(std::make_shared<SimServices>(config, cancel, moltbot::runtime::RuntimeOptions{}, log)),
          registry(plugin::Registry::load({{moltbot::test::buildPath("plugins/openrouter"),
                                            plugin::FolderOrigin::Environment}},
                                          services)) {
        simulator.start();
        auto provider = registry.find("openrouter");
        REQUIRE(provider != nullptr);
        const std::string createJson = R"({"name":"openrouter","config":{"baseUrl":)" +
                                       json::quote(simulator.baseUrl()) + R"(},"cacheDir":)" +
                                       json::quote(dir.path().string()) + "}";
        plugin::CallResult created;
        instance = plugin::ProviderInstance::create(provider, createJson, created);
        REQUIRE_MESSAGE(instance != nullptr, created.message);
    }

    // The simulator's log of /api/v1 requests to `path`.
    std::size_t requestsTo(const std::string &path) {
        std::string body;
        const std::string url = simulator.baseUrl().substr(0, simulator.baseUrl().rfind("/api/v1")) + "/_sim/requests";
        mb_http_request request{};
        request.struct_size = sizeof request;
        request.method = "GET";
        request.url = url.c_str();
        request.on_body = [](void *user, const char *data, size_t len) {
            static_cast<std::string *>(user)->append(data, len);
            return 0;
        };
        request.user = &body;
        moltbot::test::ErrorBuffer e;
        REQUIRE_MESSAGE(moltbot::http::Transport().request(request, &e.error) == MB_OK, e.message());
        rapidjson::Document doc;
        REQUIRE(json::parse(doc, body));
        std::size_t count = 0;
        for (const auto &logged : doc["data"].GetArray()) count += json::getString(logged, "path") == path ? 1 : 0;
        return count;
    }

    moltbot::test::TempDir dir;  // the catalog cache; no config file
    std::ostringstream log;
    moltbot::config::Config config;
    moltbot::http::CancelToken cancel;  // the process-wide token of runtime::Services: cancels every transfer
    std::shared_ptr<SimServices> services;
    plugin::Registry registry;
    moltbot::sim::Simulator simulator;
    std::unique_ptr<plugin::ProviderInstance> instance;
};

struct Answer {
    plugin::CallResult result;
    std::vector<uint32_t> kinds;
    std::string text;     // stream: the text deltas joined; complete: the response's message content
    std::string problem;  // set when the call's events were not what the ABI promises
};

// One chat call of one user message. `onDelta` runs on the calling thread after each text delta.
Answer chat(const plugin::ProviderInstance &instance, bool stream, const std::string &model, const std::string &message,
            const plugin::CancelCheck &cancelled = {}, const std::function<void()> &onDelta = {}) {
    Answer answer;
    auto sink = [&](uint32_t kind, std::string_view payload) {
        answer.kinds.push_back(kind);
        rapidjson::Document doc;
        if (!json::parse(doc, payload) || !doc.IsObject()) {
            answer.problem = "event " + std::to_string(kind) + " is not a JSON object";
            return false;
        }
        if (kind == MB_EVENT_TEXT_DELTA) {
            answer.text += json::getString(doc, "text");
            if (onDelta) onDelta();
        } else if (kind == MB_EVENT_RESPONSE) {
            const auto &choices = doc["choices"];
            answer.text = json::getString(choices[0]["message"], "content");
        }
        return true;
    };
    const std::string request = R"({"model":)" + json::quote(model) + R"(,"messages":[{"role":"user","content":)" +
                                json::quote(message) + "}]}";
    answer.result = stream ? instance.stream(request, "{}", sink, cancelled) : instance.complete(request, "{}", sink);
    return answer;
}

struct Model {
    std::string id, answerPrefix;  // the simulator answers "[<slug> via <provider>] You said: <message>"
};
const std::vector<Model> kModels = {
    {"anthropic/claude-sonnet-4.5", "[claude-sonnet-4.5 via Anthropic] You said: "},
    {"openai/gpt-4o-mini", "[gpt-4o-mini via OpenAI] You said: "},
    {"meta-llama/llama-3.3-70b-instruct", "[llama-3.3-70b-instruct via DeepInfra] You said: "},
};

// What went wrong with a call that should have answered `expected` in full; empty when nothing did.
std::string checkAnswered(const Answer &answer, bool stream, const std::string &expected) {
    if (!answer.result.ok()) return "status " + std::to_string(answer.result.status) + ": " + answer.result.message;
    if (!answer.problem.empty()) return answer.problem;
    if (answer.text != expected) return "answered '" + answer.text + "', expected '" + expected + "'";
    const uint32_t last = stream ? MB_EVENT_DONE : MB_EVENT_USAGE;
    if (answer.kinds.empty() || answer.kinds.back() != last) return "the last event is not " + std::to_string(last);
    return {};
}

// Waits up to `limit` for `done`; whether it came.
bool waitFor(const std::function<bool()> &done, Clock::duration limit = 30s) {
    const auto end = Clock::now() + limit;
    while (!done()) {
        if (Clock::now() > end) return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

}  // namespace

TEST_CASE("concurrency: one instance serves streams, completes and list_models from several threads at once") {
    Host host;
    constexpr int kThreads = 4, kCalls = 6;
    std::vector<std::vector<std::string>> problems(kThreads + 1);
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            while (!go) std::this_thread::yield();  // all threads race into the first call, and its catalog fetch
            for (int i = 0; i < kCalls; ++i) {
                const Model &model = kModels[static_cast<std::size_t>(t + i) % kModels.size()];
                const bool stream = (t + i) % 2 == 0;
                const std::string message = "thread " + std::to_string(t) + " call " + std::to_string(i);
                std::string problem = checkAnswered(chat(*host.instance, stream, model.id, message), stream,
                                                    model.answerPrefix + message);
                if (!problem.empty()) problems[static_cast<std::size_t>(t)].push_back(message + ": " + problem);
            }
        });
    }
    threads.emplace_back([&] {
        while (!go) std::this_thread::yield();
        for (int i = 0; i < 3; ++i) {
            std::size_t models = 0;
            plugin::CallResult result = host.instance->listModels([&](uint32_t kind, std::string_view) {
                models += kind == MB_EVENT_MODEL ? 1 : 0;
                return true;
            });
            if (!result.ok() || models < 400) {
                problems[kThreads].push_back("list_models: status " + std::to_string(result.status) + ", " +
                                             std::to_string(models) + " models");
            }
        }
    });
    go = true;
    for (auto &thread : threads) thread.join();
    for (const auto &each : problems) {
        for (const auto &problem : each) FAIL_CHECK(problem);
    }
    CHECK(host.requestsTo("/api/v1/chat/completions") == kThreads * kCalls);
    CHECK(host.requestsTo("/api/v1/models") == 1);  // the racing first calls share one catalog fetch
}

TEST_CASE("concurrency: a stream cancelled from another thread stops at once; the calls beside it finish") {
    Host host;
    // Only the gpt-4o-mini stream is endless: a chunk every 20 ms until the client goes.
    host.simulator.addFaults(R"([{"kind":"endless","delay_ms":20,"match":{"model":"openai/gpt-4o-mini"}}])");
    std::atomic<int> deltas{0};
    std::atomic<bool> stop{false};
    Answer endless;
    Clock::time_point stopped, returned;
    std::thread streamer([&] {
        endless = chat(*host.instance, true, "openai/gpt-4o-mini", "go on", [&] { return stop.load(); },
                       [&] { ++deltas; });
        returned = Clock::now();
    });
    std::thread canceller([&] {
        waitFor([&] { return deltas >= 3; });
        stopped = Clock::now();
        stop = true;
    });
    std::vector<std::string> problems;
    for (int i = 0; i < 4; ++i) {
        const Model &model = kModels[i % 2 == 0 ? 0 : 2];
        const std::string message = "beside the endless stream " + std::to_string(i);
        std::string problem = checkAnswered(chat(*host.instance, true, model.id, message), true,
                                            model.answerPrefix + message);
        if (!problem.empty()) problems.push_back(message + ": " + problem);
    }
    canceller.join();
    streamer.join();
    for (const auto &problem : problems) FAIL_CHECK(problem);
    CHECK(endless.result.status == MB_ERR_CANCELLED);
    CHECK(deltas >= 3);
    CHECK(endless.text.rfind("more more more ", 0) == 0);
    CHECK(std::find(endless.kinds.begin(), endless.kinds.end(), MB_EVENT_DONE) == endless.kinds.end());
    CHECK(returned - stopped < 5s);  // the next chunk's poll of the cancel check ends it, not a timeout
}

TEST_CASE("concurrency: the host's cancel token, triggered on another thread, ends every stalled stream") {
    Host host;
    // Three streams stall after their first chunk until the client goes.
    host.simulator.addFaults(R"([{"kind":"stall","after_chunks":1,"times":3}])");
    constexpr int kStreams = 3;
    std::atomic<int> started{0};
    std::vector<Answer> answers(kStreams);
    std::vector<Clock::time_point> returned(kStreams);
    std::vector<std::thread> threads;
    for (int t = 0; t < kStreams; ++t) {
        threads.emplace_back([&, t] {
            bool first = true;
            answers[static_cast<std::size_t>(t)] =
                chat(*host.instance, true, kModels[0].id, "stall " + std::to_string(t), {}, [&] {
                    if (std::exchange(first, false)) ++started;
                });
            returned[static_cast<std::size_t>(t)] = Clock::now();
        });
    }
    const bool allStarted = waitFor([&] { return started == kStreams; });
    const Clock::time_point cancelled = Clock::now();
    host.cancel.cancel();
    for (auto &thread : threads) thread.join();
    REQUIRE(allStarted);
    for (int t = 0; t < kStreams; ++t) {
        const Answer &answer = answers[static_cast<std::size_t>(t)];
        CHECK(answer.result.status == MB_ERR_CANCELLED);
        CHECK(std::find(answer.kinds.begin(), answer.kinds.end(), MB_EVENT_DONE) == answer.kinds.end());
        CHECK(returned[static_cast<std::size_t>(t)] - cancelled < 5s);  // the token wakes the transfer at once
    }
}
