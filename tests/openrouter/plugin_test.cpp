// The built openrouter.so as the host sees it: its export list, negotiation, descriptor, and a create/stream/destroy
// round trip through the C vtable against the fake host.
#include "fake_host.hpp"
#include "loaded_plugin.hpp"
#include "samples.hpp"

#include "tests/support/error_buffer.hpp"

#include <moltbot/ext/key_info.h>
#include <moltbot/plugin.h>
#include <tests/support/process.hpp>

#include <doctest/doctest.h>

#include <sstream>
#include <string>

using moltbot::openrouter::test::Canned;
using moltbot::openrouter::test::Events;
using moltbot::openrouter::test::FakeHost;

using moltbot::openrouter::test::hostInfo;
using moltbot::openrouter::test::LoadedPlugin;
using moltbot::openrouter::test::pluginPath;
using moltbot::test::ErrorBuffer;

TEST_CASE("openrouter.so exports only the entry symbol") {
    moltbot::test::RunResult nm = moltbot::test::run({"nm", "-D", "--defined-only", pluginPath()});
    REQUIRE(nm.exitCode == 0);
    std::istringstream lines(nm.out);
    std::vector<std::string> symbols;
    for (std::string line; std::getline(lines, line);) {
        if (!line.empty()) symbols.push_back(line.substr(line.rfind(' ') + 1));
    }
    CHECK(symbols == std::vector<std::string>{MB_ENTRY_SYMBOL});
}

TEST_CASE("openrouter.so negotiates, describes itself, and streams through its vtable") {
    LoadedPlugin library;
    REQUIRE(library.loaded());
    mb_negotiate_fn negotiate = library.negotiate;

    const mb_plugin_entry *entry = nullptr;
    mb_host_info future = hostInfo(MB_ABI_MAKE_VERSION(2, 0), MB_ABI_MAKE_VERSION(2, 3));
    CHECK(negotiate(&future, &entry) == MB_ERR_INCOMPATIBLE);
    mb_host_info host = hostInfo(MB_ABI_MAKE_VERSION(1, 0), MB_ABI_MAKE_VERSION(1, 7));
    REQUIRE(negotiate(&host, &entry) == MB_OK);
    REQUIRE(entry != nullptr);
    CHECK(entry->struct_size >= sizeof(mb_plugin_entry));
    CHECK(entry->abi_version == MB_ABI_CURRENT);
    REQUIRE(entry->provider_count == 1);

    const mb_provider_descriptor *descriptor = entry->providers[0];
    CHECK(std::string(descriptor->id) == "ai.moltbot.openrouter");
    REQUIRE(descriptor->prefixes != nullptr);
    CHECK(std::string(descriptor->prefixes[0]) == "openrouter");
    CHECK(descriptor->prefixes[1] == nullptr);
    CHECK((descriptor->capabilities & MB_CAP_STREAM) != 0);
    CHECK((descriptor->capabilities & MB_CAP_LIST_MODELS) != 0);
    const mb_provider_vtable *vtable = descriptor->vtable;
    REQUIRE(vtable != nullptr);
    CHECK(vtable->struct_size >= sizeof(mb_provider_vtable));

    FakeHost fake;
    fake.secrets["openrouter"] = "sk-or-v1-test";
    fake.route("/models", Canned{200, moltbot::openrouter::test::kJsonHeaders, moltbot::openrouter::test::kModels});
    fake.route("/chat/completions",
               Canned{200, moltbot::openrouter::test::kSseHeaders, moltbot::openrouter::test::kToolCallStream});
    fake.route("/key", Canned{200, moltbot::openrouter::test::kJsonHeaders, R"({"data":{"label":"sk-or-v1-t...est"}})"});
    ErrorBuffer e;
    REQUIRE(entry->init(fake.api(), &e.error) == MB_OK);

    // A bad config is refused with a message naming the key.
    mb_instance *instance = nullptr;
    const std::string bad = R"({"name":"openrouter","config":{"baseUrl":"nowhere"}})";
    CHECK(vtable->create(fake.api(), bad.data(), bad.size(), &instance, &e.error) == MB_ERR_INVALID_ARGUMENT);
    CHECK(e.message().find("baseUrl") != std::string::npos);

    const std::string config = R"({"name":"openrouter","config":{"baseUrl":"http://127.0.0.1:9/api/v1"}})";
    REQUIRE(vtable->create(fake.api(), config.data(), config.size(), &instance, &e.error) == MB_OK);
    REQUIRE(instance != nullptr);

    Events events;
    const std::string request = R"({"model":"openai/gpt-5.2","messages":[{"role":"user","content":"weather?"}]})";
    const std::string options = R"({"ref":"openrouter/openai/gpt-5.2","params":{"maxTokens":64}})";
    REQUIRE(vtable->stream(instance, request.data(), request.size(), options.data(), options.size(), &events.call,
                           &e.error) == MB_OK);
    CHECK(events.kinds() == std::vector<uint32_t>{MB_EVENT_META, MB_EVENT_TOOL_CALL_DELTA, MB_EVENT_TOOL_CALL_DELTA,
                                                  MB_EVENT_USAGE, MB_EVENT_DONE});
    CHECK(fake.requestsTo("/chat/completions").at(0).body.find("\"max_tokens\":64") != std::string::npos);

    // Bad input comes back as a status with a message, never as an exception.
    Events none;
    CHECK(vtable->complete(instance, "{", 1, nullptr, 0, &none.call, &e.error) == MB_ERR_INVALID_ARGUMENT);
    CHECK(e.error.code == MB_ERR_INVALID_ARGUMENT);
    CHECK(vtable->stream(instance, nullptr, 0, nullptr, 0, &none.call, &e.error) == MB_ERR_INVALID_ARGUMENT);

    Events models;
    REQUIRE(vtable->list_models(instance, &models.call, &e.error) == MB_OK);
    CHECK(models.of(MB_EVENT_MODEL).size() == 5);

    CHECK(vtable->get_extension(instance, "moltbot.unknown/1") == nullptr);
    auto keyInfo = static_cast<const mb_ext_key_info *>(vtable->get_extension(instance, MB_EXT_KEY_INFO));
    REQUIRE(keyInfo != nullptr);
    CHECK(keyInfo->struct_size >= sizeof(mb_ext_key_info));
    Events key;
    REQUIRE(keyInfo->key_info(instance, &key.call, &e.error) == MB_OK);
    CHECK(key.of(MB_EVENT_RESPONSE) == std::vector<std::string>{R"({"label":"sk-or-v1-t...est"})"});

    vtable->destroy(instance);
    if (entry->deinit != nullptr) entry->deinit();
}
