// plugin_helpers.h: the helpers as C code (plugin_helpers_c11.c, strict C11) and as C++20 (included here).
#include "tests/openrouter/fake_host.hpp"
#include "tests/sdk/plugin_helpers_c11.h"
#include "tests/support/error_buffer.hpp"

#include <moltbot/plugin.h>
#include <moltbot/plugin_helpers.h>
#include <moltbot/sdk/json.hpp>
#include <moltbot/sdk/text.hpp>

#include <doctest/doctest.h>

#include <climits>
#include <set>
#include <string>
#include <utility>
#include <vector>

using moltbot::openrouter::test::Events;
namespace json = moltbot::sdk::json;

namespace {

mb_host_info hostInfo(uint32_t min, uint32_t max) {
    mb_host_info host{};
    host.struct_size = sizeof host;
    host.abi_min = min;
    host.abi_max = max;
    return host;
}

// The text of a stream of {"text"} events, each checked to be a JSON object of valid UTF-8 that fits the buffer.
std::string joined(const std::vector<std::string> &events) {
    std::string text;
    for (const auto &event : events) {
        INFO(event);
        CHECK(event.size() <= MB_EMIT_TEXT_BYTES);
        CHECK(moltbot::sdk::isValidUtf8(event));
        rapidjson::Document doc;
        REQUIRE(json::parse(doc, event));
        REQUIRE(doc.IsObject());
        text += json::getString(doc, "text");
    }
    return text;
}

}  // namespace

TEST_CASE("mb_status_name names every status, in C and in C++, as moltbot shows it") {
    const std::vector<std::pair<int32_t, std::string>> names = {
        {MB_OK, "ok"},
        {MB_ERR_INVALID_ARGUMENT, "invalid_argument"},
        {MB_ERR_UNSUPPORTED, "unsupported"},
        {MB_ERR_INCOMPATIBLE, "incompatible"},
        {MB_ERR_CANCELLED, "cancelled"},
        {MB_ERR_TIMEOUT, "timeout"},
        {MB_ERR_TRANSPORT, "transport"},
        {MB_ERR_HTTP, "http"},
        {MB_ERR_AUTH, "auth"},
        {MB_ERR_PAYMENT, "payment"},
        {MB_ERR_RATE_LIMITED, "rate_limited"},
        {MB_ERR_NOT_FOUND, "not_found"},
        {MB_ERR_UPSTREAM_PROTOCOL, "upstream_protocol"},
        {MB_ERR_INTERNAL, "internal"},
        {MB_ERR_BUFFER_TOO_SMALL, "buffer_too_small"},
        {MB_ERR_INVALID_REQUEST, "invalid_request"},
        {MB_ERR_MODERATION, "moderation"},
        {MB_ERR_UNAVAILABLE, "unavailable"},
    };
    REQUIRE(names.size() == 18);  // 0 to -17: every status of plugin.h
    for (std::size_t i = 0; i < names.size(); ++i) {
        const auto &[status, name] = names[i];
        INFO(status);
        CHECK(status == -static_cast<int32_t>(i));
        CHECK(mb_c11_status_name(status) == name);
        CHECK(mb_status_name(status) == name);
    }
    for (int32_t other : {1, -18, INT32_MIN, INT32_MAX}) {
        CHECK(std::string(mb_c11_status_name(other)) == "unknown");
    }
}

TEST_CASE("negotiation picks the highest entry within the host's range") {
    const mb_plugin_entry *entry = nullptr;
    mb_host_info exact = hostInfo(MB_ABI_MAKE_VERSION(1, 0), MB_ABI_MAKE_VERSION(1, 0));
    REQUIRE(moltbot_plugin_negotiate(&exact, &entry) == MB_OK);  // MB_PLUGIN_NEGOTIATE in the C file
    CHECK(entry == mb_c11_entry_1_0);
    mb_host_info wide = hostInfo(MB_ABI_MAKE_VERSION(1, 0), MB_ABI_MAKE_VERSION(1, 7));
    REQUIRE(moltbot_plugin_negotiate(&wide, &entry) == MB_OK);
    CHECK(entry == mb_c11_entry_1_2);
    mb_host_info future = hostInfo(MB_ABI_MAKE_VERSION(2, 0), MB_ABI_MAKE_VERSION(2, 3));
    CHECK(moltbot_plugin_negotiate(&future, &entry) == MB_ERR_INCOMPATIBLE);
    CHECK(entry == mb_c11_entry_1_2);  // untouched on failure

    mb_host_info tiny = wide;
    tiny.struct_size = 8;  // too small to hold abi_max
    CHECK(moltbot_plugin_negotiate(&tiny, &entry) == MB_ERR_INVALID_ARGUMENT);
    CHECK(moltbot_plugin_negotiate(nullptr, &entry) == MB_ERR_INVALID_ARGUMENT);
    CHECK(moltbot_plugin_negotiate(&wide, nullptr) == MB_ERR_INVALID_ARGUMENT);
    CHECK(mb_negotiate_entries(&wide, &entry, nullptr, 0) == MB_ERR_INCOMPATIBLE);
}

TEST_CASE("mb_set_error fills what the host's struct holds and cuts the message between characters") {
    moltbot::test::ErrorBuffer e;
    CHECK(mb_c11_set_error(&e.error, MB_ERR_AUTH, "no key") == MB_ERR_AUTH);
    CHECK(e.error.code == MB_ERR_AUTH);
    CHECK(std::string(e.error.message) == "no key");

    char small[4];
    mb_error cut{};
    cut.struct_size = sizeof cut;
    cut.message = small;
    cut.message_capacity = sizeof small;
    mb_c11_set_error(&cut, MB_ERR_INTERNAL, "ab\xC3\xA9z");  // 3 bytes fit: the cut would split the e-acute
    CHECK(std::string(small) == "ab");

    mb_error old{};
    old.struct_size = 4;  // only struct_size: nothing else may be written
    CHECK(mb_c11_set_error(&old, MB_ERR_INTERNAL, "x") == MB_ERR_INTERNAL);
    CHECK(old.code == 0);
    CHECK(mb_c11_set_error(nullptr, MB_ERR_INTERNAL, "x") == MB_ERR_INTERNAL);
}

TEST_CASE("text deltas are JSON-escaped, long ones split between characters, empty ones not sent") {
    Events events;
    const std::string tricky = "say \"hi\"\\ \n\t\r\x01\x1f caf\xC3\xA9 \xF0\x9F\x98\x80";
    REQUIRE(mb_c11_emit_text_delta(&events.call, tricky.data(), tricky.size()) == MB_OK);
    REQUIRE(events.list.size() == 1);
    CHECK(events.list[0].first == MB_EVENT_TEXT_DELTA);
    CHECK(events.list[0].second ==
          "{\"text\":\"say \\\"hi\\\"\\\\ \\n\\t\\r\\u0001\\u001f caf\xC3\xA9 \xF0\x9F\x98\x80\"}");
    CHECK(joined(events.of(MB_EVENT_TEXT_DELTA)) == tricky);

    std::string longText;
    for (int i = 0; i < 700; ++i) longText += i % 3 == 0 ? "\xE2\x82\xAC" : i % 3 == 1 ? "\"" : "\x02";
    Events many;
    REQUIRE(mb_c11_emit_reasoning_delta(&many.call, longText.data(), longText.size()) == MB_OK);
    CHECK(many.list.size() > 2);
    CHECK(many.kinds() == std::vector<uint32_t>(many.list.size(), MB_EVENT_REASONING_DELTA));
    CHECK(joined(many.of(MB_EVENT_REASONING_DELTA)) == longText);

    Events none;
    CHECK(mb_c11_emit_text_delta(&none.call, "", 0) == MB_OK);
    CHECK(none.list.empty());
    CHECK(mb_c11_emit_text_delta(nullptr, "x", 1) == MB_ERR_INVALID_ARGUMENT);

    Events stopping;
    stopping.stopAfter = 1;
    CHECK(mb_c11_emit_text_delta(&stopping.call, longText.data(), longText.size()) == MB_ERR_CANCELLED);
    CHECK(stopping.list.size() == 1);  // nothing after the host said stop
}

TEST_CASE("usage and done payloads, in C and in C++") {
    Events events;
    REQUIRE(mb_c11_emit_usage(&events.call, 12, 34) == MB_OK);
    REQUIRE(mb_emit_usage(&events.call, INT64_MIN, INT64_MAX) == MB_OK);
    REQUIRE(mb_c11_emit_done(&events.call, nullptr) == MB_OK);
    REQUIRE(mb_emit_done(&events.call, "len\"gth") == MB_OK);
    CHECK(events.list == std::vector<std::pair<uint32_t, std::string>>{
                             {MB_EVENT_USAGE, R"({"prompt_tokens":12,"completion_tokens":34})"},
                             {MB_EVENT_USAGE,
                              R"({"prompt_tokens":-9223372036854775808,"completion_tokens":9223372036854775807})"},
                             {MB_EVENT_DONE, R"({"finish_reason":"stop"})"},
                             {MB_EVENT_DONE, R"({"finish_reason":"len\"gth"})"},
                         });
    Events stopping;
    stopping.stopAfter = 1;
    CHECK(mb_c11_emit_done(&stopping.call, "stop") == MB_ERR_CANCELLED);
}
