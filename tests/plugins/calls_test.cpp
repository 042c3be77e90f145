// Calling providers through ProviderInstance: events, errors, cancellation, host services, and plugins that break
// the ABI (exceptions, unknown events, bad JSON, late emits, unterminated messages) without hurting the host.
#include "tests/plugins/cli_support.hpp"
#include "tests/plugins/fixtures.hpp"
#include "tests/support/error_buffer.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <stdexcept>
#include <thread>

using namespace moltbot;
using namespace moltbot::test;

namespace {

// Host services with one config value and one secret.
class TestServices : public CapturingServices {
public:
    std::optional<std::string> configGet(std::string_view, std::string_view path) override {
        if (path == "agents.defaults.model.primary") return R"("echo/echo-1")";
        return std::nullopt;
    }
    std::optional<std::string> secretGet(std::string_view, std::string_view name) override {
        if (name == "cppecho") return "sk-test-0123456789";
        return std::nullopt;
    }
};

struct CppEcho {
    explicit CppEcho(std::shared_ptr<plugin::HostServices> services = std::make_shared<CapturingServices>())
        : registry(loadFolders({fixtureDir("cppecho")}, std::move(services))) {
        plugin::CallResult created;
        instance = plugin::ProviderInstance::create(registry.find("cppecho"), R"({"name":"cppecho","config":{}})",
                                                    created);
        REQUIRE(instance != nullptr);
    }
    Answer stream(const std::string &model) const { return streamMessage(*instance, model); }

    plugin::Registry registry;
    std::unique_ptr<plugin::ProviderInstance> instance;
};

}  // namespace

TEST_CASE("a C++ plugin streams through the host") {
    CppEcho cpp;
    Answer answer = cpp.stream("hello");
    CHECK(answer.result.ok());
    CHECK(answer.text == "hello from C++");
    CHECK(answer.kinds == std::vector<uint32_t>{MB_EVENT_TEXT_DELTA, MB_EVENT_DONE});
}

TEST_CASE("functions a provider lacks answer MB_ERR_UNSUPPORTED") {
    CppEcho cpp;
    auto sink = [](uint32_t, std::string_view) { return true; };
    CHECK(cpp.instance->complete(chatRequest("hello", "hi"), "{}", sink).status == MB_ERR_UNSUPPORTED);
    CHECK(cpp.instance->listModels(sink).status == MB_ERR_UNSUPPORTED);
    CHECK(cpp.instance->extension("moltbot.key-info/1") == nullptr);
}

TEST_CASE("an exception thrown out of a plugin call becomes an internal error naming the plugin") {
    CppEcho cpp;
    Answer answer = cpp.stream("throw");
    CHECK(answer.result.status == MB_ERR_INTERNAL);
    CHECK(contains(answer.result.message, "plugin ai.moltbot.fixture.cppecho"));
    CHECK(contains(answer.result.message, fixturePlugin("cppecho").string()));
    CHECK(contains(answer.result.message, "stream threw an exception: cppecho exploded"));
    CHECK(cpp.stream("hello").result.ok());  // the instance still works
}

TEST_CASE("an unknown event kind or a payload that is not a JSON object fails the call and never reaches the sink") {
    CppEcho cpp;
    Answer badKind = cpp.stream("bad-kind");
    CHECK(badKind.result.status == MB_ERR_INTERNAL);
    CHECK(contains(badKind.result.message, "emitted unknown event kind 99"));
    CHECK(badKind.kinds.empty());
    Answer badJson = cpp.stream("bad-json");
    CHECK(badJson.result.status == MB_ERR_INTERNAL);
    CHECK(contains(badJson.result.message, "emitted event kind 1 whose payload is not a JSON object"));
    CHECK(badJson.kinds.empty());
}

TEST_CASE("emit through a call that already returned is refused") {
    CppEcho cpp;
    Answer started = cpp.stream("late-emit");
    CHECK(started.text == "started");
    Answer result = cpp.stream("late-emit-result");  // waits for the plugin's thread, which emitted 100 ms later
    CHECK(result.text == "late emit returned 1");
    CHECK(started.text == "started");  // "too late" reached neither call
}

TEST_CASE("an error message that fills the buffer without a NUL is cut safely; status, HTTP status, retry-after") {
    CppEcho cpp;
    Answer answer = cpp.stream("long-error");
    CHECK(answer.result.status == MB_ERR_UPSTREAM_PROTOCOL);
    CHECK(answer.result.httpStatus == 502);
    CHECK(answer.result.retryAfterMs == 1500);
    CHECK(answer.result.message == std::string(4095, 'x'));
}

TEST_CASE("config and secret look-ups follow the buffer protocol and reach the host services") {
    CppEcho cpp(std::make_shared<TestServices>());
    CHECK(cpp.stream("config:agents.defaults.model.primary").text == R"(value "echo/echo-1")");
    CHECK(cpp.stream("config:no.such.path").text == "status " + std::to_string(MB_ERR_NOT_FOUND));
    CHECK(cpp.stream("secret:cppecho").text == "value sk-test-0123456789");
    CHECK(cpp.stream("secret:other").text == "status " + std::to_string(MB_ERR_NOT_FOUND));
}

TEST_CASE("the default host services have no config, no secrets and no HTTP transport") {
    CppEcho cpp;
    CHECK(cpp.stream("config:agents.defaults.model.primary").text == "status " + std::to_string(MB_ERR_NOT_FOUND));
    CHECK(cpp.stream("secret:cppecho").text == "status " + std::to_string(MB_ERR_NOT_FOUND));
    CHECK(cpp.stream("http").text == "http status " + std::to_string(MB_ERR_UNSUPPORTED) +
                                         ": this host has no HTTP transport");
}

TEST_CASE("the host fills a plugin's mb_error as plugins fill the host's: retry-after unknown, message cut and ended") {
    CapturingServices services;
    ErrorBuffer e(8);
    e.error.retry_after_ms = 1234;  // left over from an earlier call
    CHECK(services.httpRequest("test", nullptr, mb_http_request{}, e.error) == MB_ERR_UNSUPPORTED);
    CHECK(e.error.code == MB_ERR_UNSUPPORTED);
    CHECK(e.error.http_status == 0);
    CHECK(e.error.retry_after_ms == -1);
    CHECK(e.message() == "this ho");
}

TEST_CASE("copyToBuffer: size query, exact fit, too small, bad arguments") {
    char buffer[8];
    std::size_t length = 0;
    CHECK(plugin::copyToBuffer("abc", nullptr, &length) == MB_ERR_BUFFER_TOO_SMALL);
    CHECK(length == 4);
    length = 3;
    CHECK(plugin::copyToBuffer("abc", buffer, &length) == MB_ERR_BUFFER_TOO_SMALL);
    CHECK(length == 4);
    CHECK(plugin::copyToBuffer("abc", buffer, &length) == MB_OK);
    CHECK(length == 3);
    CHECK(std::string(buffer) == "abc");
    CHECK(plugin::copyToBuffer("abc", buffer, nullptr) == MB_ERR_INVALID_ARGUMENT);
    length = 8;
    CHECK(plugin::copyToBuffer("abc", nullptr, &length) == MB_ERR_INVALID_ARGUMENT);
}

TEST_CASE("a sink returning false cancels: emit says stop and the plugin returns MB_ERR_CANCELLED") {
    CppEcho cpp;
    int seen = 0;
    auto sink = [&](uint32_t, std::string_view) { return ++seen < 3; };
    plugin::CallResult result = cpp.instance->stream(chatRequest("until-cancelled", "hi"), "{}", sink);
    CHECK(result.status == MB_ERR_CANCELLED);
    CHECK(result.message == "stopped after 2");
    CHECK(seen == 3);
}

TEST_CASE("is_cancelled reports the caller's cancel check") {
    CppEcho cpp;
    int polls = 0;
    Answer answer = streamMessage(*cpp.instance, "poll-cancel", "hi", [&] { return ++polls == 5; });
    CHECK(answer.result.status == MB_ERR_CANCELLED);
    CHECK(answer.result.message == "polled 4");
}

TEST_CASE("an exception thrown by the sink stops the call and reaches the caller, never the plugin") {
    CppEcho cpp;
    auto sink = [](uint32_t, std::string_view) -> bool { throw std::runtime_error("terminal closed"); };
    CHECK_THROWS_WITH_AS(cpp.instance->stream(chatRequest("until-cancelled", "hi"), "{}", sink), "terminal closed",
                         std::runtime_error);
    CHECK(cpp.stream("hello").result.ok());
}

TEST_CASE("one instance serves concurrent calls") {
    plugin::Registry registry = loadFolders({fixtureDir("echo")});
    plugin::CallResult created;
    auto instance = plugin::ProviderInstance::create(registry.find("echo"), R"({"name":"echo","config":{}})", created);
    REQUIRE(instance != nullptr);
    std::vector<std::thread> threads;
    std::vector<int> failures(4, 0);
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 50; ++i) {
                std::string message = "thread " + std::to_string(t) + " call " + std::to_string(i);
                Answer answer = streamMessage(*instance, "echo-1", message);
                if (!answer.result.ok() || answer.text != message) ++failures[static_cast<std::size_t>(t)];
            }
        });
    }
    for (auto &thread : threads) thread.join();
    CHECK(failures == std::vector<int>(4, 0));
}
