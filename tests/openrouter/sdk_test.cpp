// The SDK's guard, struct-size, JSON, text and host helpers.
#include "fake_host.hpp"

#include <moltbot/sdk/guard.hpp>
#include <moltbot/sdk/host.hpp>
#include <moltbot/sdk/json.hpp>
#include <moltbot/sdk/structs.hpp>
#include <moltbot/sdk/text.hpp>

#include <doctest/doctest.h>

#include <cstddef>
#include <stdexcept>

namespace sdk = moltbot::sdk;
using moltbot::openrouter::test::Canned;
using moltbot::openrouter::test::Events;
using moltbot::openrouter::test::FakeHost;

namespace {

struct ErrorBuffer {
    ErrorBuffer(std::size_t capacity = 64) : text(capacity, '\xff') {
        error.struct_size = sizeof error;
        error.message = text.data();
        error.message_capacity = static_cast<uint32_t>(capacity);
    }
    std::string text;
    mb_error error{};
    std::string message() const { return error.message; }
};

}  // namespace

TEST_CASE("guard: a Failure becomes its status, anything else MB_ERR_INTERNAL, the message truncated safely") {
    ErrorBuffer e;
    CHECK(sdk::guard(&e.error, [] { return MB_OK; }) == MB_OK);
    CHECK(sdk::guard(&e.error, []() -> int32_t { throw sdk::Failure(MB_ERR_RATE_LIMITED, "slow down", 429, 1500); }) ==
          MB_ERR_RATE_LIMITED);
    CHECK(e.error.code == MB_ERR_RATE_LIMITED);
    CHECK(e.error.http_status == 429);
    CHECK(e.error.retry_after_ms == 1500);
    CHECK(e.message() == "slow down");
    CHECK(sdk::guard(&e.error, []() -> int32_t { throw std::runtime_error("boom"); }) == MB_ERR_INTERNAL);
    CHECK(e.message() == "internal error: boom");
    CHECK(sdk::guard(&e.error, []() -> int32_t { throw 42; }) == MB_ERR_INTERNAL);
    CHECK(sdk::guard(nullptr, []() -> int32_t { throw 42; }) == MB_ERR_INTERNAL);  // no error struct: no crash

    // "é" is two bytes: a cut never splits it, and the text always ends with a NUL inside the buffer.
    ErrorBuffer small(5);
    sdk::setError(&small.error, MB_ERR_HTTP, "abc\xC3\xA9z");
    CHECK(small.message() == "abc");
    CHECK(sdk::utf8Prefix("ab\xC3\xA9", 3) == 2);
    CHECK(sdk::utf8Prefix("ab\xC3\xA9", 4) == 4);
}

TEST_CASE("structs: fields beyond an older, smaller struct are absent and read as zero") {
    mb_error older{};
    older.struct_size = offsetof(mb_error, retry_after_ms);  // a host from before retry_after_ms existed
    older.code = 5;
    CHECK(sdk::hasField(&older, &mb_error::message_capacity));
    CHECK_FALSE(sdk::hasField(&older, &mb_error::retry_after_ms));
    CHECK_FALSE(sdk::hasField(&older, &mb_error::message));
    older.retry_after_ms = 99;  // garbage past the declared size must not be read
    mb_error copy = sdk::readStruct(&older);
    CHECK(copy.code == 5);
    CHECK(copy.retry_after_ms == 0);
    CHECK(copy.message == nullptr);
    // setError leaves fields the host's struct lacks untouched.
    sdk::setError(&older, MB_ERR_AUTH, "x", 401, 7);
    CHECK(older.code == MB_ERR_AUTH);
    CHECK(older.retry_after_ms == 99);
    CHECK(sdk::readStruct<mb_error>(nullptr).struct_size == 0);
}

TEST_CASE("json: strings are escaped, typed look-ups fall back on a wrong type") {
    CHECK(sdk::json::quote("a\"b\\c\n\x01\xC3\xA9") == "\"a\\\"b\\\\c\\n\\u0001\xC3\xA9\"");
    rapidjson::Document doc;
    REQUIRE(sdk::json::parse(doc, R"({"s":"x","i":3,"f":2.0,"d":1.5,"b":true,"o":{},"a":[],"huge":1e300})"));
    CHECK(sdk::json::getInt(doc, "huge", -1) == -1);
    CHECK(sdk::json::getString(doc, "s") == "x");
    CHECK(sdk::json::getString(doc, "i", "def") == "def");
    CHECK(sdk::json::getInt(doc, "i") == 3);
    CHECK(sdk::json::getInt(doc, "f") == 2);
    CHECK(sdk::json::getInt(doc, "d", -1) == -1);
    CHECK(sdk::json::getDouble(doc, "d") == 1.5);
    CHECK(sdk::json::getBool(doc, "b"));
    CHECK(sdk::json::getObject(doc, "o") != nullptr);
    CHECK(sdk::json::getObject(doc, "a") == nullptr);
    CHECK(sdk::json::getArray(doc, "a") != nullptr);
    CHECK(sdk::json::getString(doc["a"], "s", "z") == "z");  // not an object
    CHECK_FALSE(sdk::json::parse(doc, "{\"x\":"));
}

TEST_CASE("host: secret look-up grows its buffer; http maps callbacks and rethrows their exceptions") {
    FakeHost fake;
    sdk::Host host(fake.api());
    fake.secrets["long"] = std::string(1000, 'k');
    CHECK(host.secretGet("long") == std::string(1000, 'k'));
    CHECK_FALSE(host.secretGet("missing").has_value());
    CHECK_FALSE(host.configGet("any.path").has_value());

    fake.route("/x", Canned{201, "A: b\r\n", "hello world"});
    sdk::Host::HttpRequest request;
    request.url = "http://h/x";
    request.body = "payload";
    int32_t seenStatus = 0;
    std::string body;
    request.onHead = [&](int32_t status, std::string_view) {
        seenStatus = status;
        return true;
    };
    request.onBody = [&](std::string_view bytes) {
        body += bytes;
        return true;
    };
    Events events;
    CHECK(host.http(&events.call, request).code == MB_OK);
    CHECK(seenStatus == 201);
    CHECK(body == "hello world");
    CHECK(fake.requests.back().body == "payload");

    request.onBody = [](std::string_view) -> bool { throw sdk::Failure(MB_ERR_UPSTREAM_PROTOCOL, "bad"); };
    CHECK_THROWS_AS(host.http(&events.call, request), sdk::Failure);
    request.onBody = [](std::string_view) { return false; };
    CHECK(host.http(&events.call, request).code == MB_ERR_CANCELLED);

    sdk::Host none(nullptr);  // a host without services
    CHECK(none.http(nullptr, request).code == MB_ERR_UNSUPPORTED);
    CHECK_FALSE(none.secretGet("x").has_value());
}

TEST_CASE("call: emit reports a stop request; notice builds its JSON") {
    Events events;
    sdk::Call call(&events.call);
    events.stopAfter = 2;
    CHECK(call.emit(MB_EVENT_TEXT_DELTA, "{}"));
    CHECK_FALSE(call.notice("warning", "say \"hi\""));
    CHECK(events.list.back().second == R"({"level":"warning","message":"say \"hi\""})");
    CHECK_FALSE(call.cancelled());
    events.cancelled = true;
    CHECK(call.cancelled());
}

TEST_CASE("utf-8: well-formed text passes untouched, each ill-formed part becomes one U+FFFD") {
    const std::string fffd = "\xEF\xBF\xBD";
    for (std::string_view good : {"", "plain", "caf\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF",
                                  "\xED\x9F\xBF"}) {
        CAPTURE(good);
        CHECK(sdk::isValidUtf8(good));
        CHECK(sdk::toValidUtf8(good) == good);
    }
    struct Case {
        std::string_view in;
        std::string out;
    };
    for (const Case &bad : std::initializer_list<Case>{
             {"a\x80z", "a" + fffd + "z"},                     // a lone continuation byte
             {"\xC0\xAF", fffd + fffd},                        // an overlong '/': C0 is never valid
             {"\xE0\x80\x80", fffd + fffd + fffd},             // overlong three-byte form
             {"\xED\xA0\x80", fffd + fffd + fffd},             // a surrogate (U+D800)
             {"\xF4\x90\x80\x80", fffd + fffd + fffd + fffd},  // above U+10FFFF
             {"\xF5\x80", fffd + fffd},                        // F5.. never start a sequence
             {"\xE2\x82", fffd},                               // truncated at the end: one maximal subpart
             {"\xE2\x82\"}", fffd + "\"}"},                    // truncated before JSON punctuation, which stays
             {"\xF0\x9F\x98", fffd},                           // truncated four-byte sequence
         }) {
        CAPTURE(bad.in);
        CHECK_FALSE(sdk::isValidUtf8(bad.in));
        CHECK(sdk::toValidUtf8(bad.in) == bad.out);
        CHECK(sdk::isValidUtf8(sdk::toValidUtf8(bad.in)));
    }
}

TEST_CASE("call: an event that is not UTF-8 is delivered repaired") {
    Events events;
    sdk::Call call(&events.call);
    CHECK(call.emit(MB_EVENT_TEXT_DELTA, "{\"text\":\"a\xFF\"}"));
    CHECK(events.list.back().second == "{\"text\":\"a\xEF\xBF\xBD\"}");
}
