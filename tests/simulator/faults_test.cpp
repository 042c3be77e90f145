// Scripted faults through /_sim/faults: every kind, matching, counting, clearing.
#include "tests/simulator/sim_client.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <doctest/doctest.h>

#include <chrono>
#include <optional>
#include <string>

using namespace moltbot::sim;
using namespace moltbot::sim::test;

namespace {

const std::string kStream = chatBody("openai/gpt-5.2", "one two three four five six seven eight", "\"stream\":true");
const std::string kPlain = chatBody("openai/gpt-5.2", "one two three four five six seven eight");

bool parses(const std::string &text) {
    rapidjson::Document document;
    return !document.Parse(text.c_str(), text.size()).HasParseError();
}

std::int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// A call that may break off: the reply, or nothing when the client saw an error (a reset, a timeout).
std::optional<Reply> tryCall(Fixture &fixture, Call call) {
    try {
        return fixture.call(call);
    } catch (const Poco::Exception &) {
        return std::nullopt;
    }
}

}  // namespace

TEST_CASE("http faults answer with the status and an OpenRouter error body, once") {
    Fixture fixture;
    for (int status : {400, 401, 402, 403, 404, 408, 429, 500, 502, 503}) {
        CAPTURE(status);
        fixture.faults(R"([{"kind":"http","status":)" + std::to_string(status) + "}]");
        Reply reply = fixture.chat(kPlain);
        CHECK(reply.status == status);
        auto json = reply.json();
        CHECK(json["error"]["code"].GetInt() == status);
        CHECK(!str(json["error"]["message"]).empty());
        CHECK(json["error"]["metadata"]["error_type"].IsString());
        CHECK(fixture.chat(kPlain).status == 200);
    }
    fixture.faults(R"([{"kind":"http","status":404}])");
    CHECK(str(fixture.chat(kPlain).json()["error"]["message"]) == "No endpoints found for openai/gpt-5.2.");
    fixture.faults(R"([{"kind":"http","status":500,"message":"boom"}])");
    CHECK(str(fixture.chat(kPlain).json()["error"]["message"]) == "boom");
}

TEST_CASE("a 429 fault carries Retry-After and X-RateLimit-* with the reset in epoch milliseconds") {
    Fixture fixture;
    fixture.faults(R"([{"kind":"http","status":429,"retry_after":7}])");
    std::int64_t before = nowMs();
    Reply reply = fixture.chat(kPlain);
    REQUIRE(reply.status == 429);
    CHECK(reply.header("Retry-After") == "7");
    CHECK(reply.header("X-RateLimit-Remaining") == "0");
    CHECK(!reply.header("X-RateLimit-Limit").empty());
    std::int64_t reset = std::stoll(reply.header("X-RateLimit-Reset"));
    CHECK(reset >= before + 7000);
    CHECK(reset <= nowMs() + 7000);
    auto json = reply.json();
    CHECK(str(json["error"]["metadata"]["headers"]["X-RateLimit-Reset"]) == reply.header("X-RateLimit-Reset"));

    // From a provider, the upstream error is passed through with its name.
    fixture.faults(R"([{"kind":"http","status":429,"match":{"provider":"openai"},"retry_after":3}])");
    Reply upstream = fixture.chat(chatBody("openai/gpt-5.2", "hi", R"("provider":{"allow_fallbacks":false})"));
    CHECK(upstream.status == 429);
    auto body = upstream.json();
    CHECK(str(body["error"]["message"]) == "Provider returned error");
    CHECK(str(body["error"]["metadata"]["provider_name"]) == "OpenAI");
    CHECK(body["error"]["metadata"]["retry_after_seconds"].GetInt() == 3);
    CHECK(upstream.header("Retry-After") == "3");
}

TEST_CASE("faults match by model and fire `times` times") {
    Fixture fixture;
    fixture.faults(R"([{"kind":"http","status":503,"times":2,"match":{"model":"openai/gpt-5.2"}}])");
    CHECK(fixture.chat(chatBody("openai/gpt-4o-mini", "hi")).status == 200);
    CHECK(fixture.chat(kPlain).status == 503);
    CHECK(fixture.get("/_sim/faults", false).json()["data"][0]["times"].GetInt() == 1);
    CHECK(fixture.chat(kPlain).status == 503);
    CHECK(fixture.chat(kPlain).status == 200);

    fixture.faults(R"([{"kind":"http","status":500}])");
    REQUIRE(fixture.call({"DELETE", "/_sim/faults", "", {}, false}).status == 200);
    CHECK(fixture.chat(kPlain).status == 200);
}

TEST_CASE("bad fault lists are rejected with a 400") {
    Fixture fixture;
    CHECK(fixture.post("/_sim/faults", R"([{"kind":"explode"}])", false).status == 400);
    CHECK(fixture.post("/_sim/faults", R"([{"kind":"http"}])", false).status == 400);             // no status
    CHECK(fixture.post("/_sim/faults", R"({"kind":"http","status":500})", false).status == 400);  // not a list
    CHECK(fixture.post("/_sim/faults", R"([{"kind":"stall","times":0}])", false).status == 400);
    CHECK(fixture.post("/_sim/faults", R"({"faults":[{"kind":"stall"}]})", false).status == 200);
    CHECK(fixture.get("/_sim/faults", false).json()["data"].Size() == 1);
}

TEST_CASE("slow_first_byte delays the response") {
    Fixture fixture;
    fixture.faults(R"([{"kind":"slow_first_byte","delay_ms":300}])");
    auto start = std::chrono::steady_clock::now();
    CHECK(fixture.chat(kPlain).status == 200);
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(300));
}

TEST_CASE("stall pauses a stream for delay_ms, then it completes") {
    Fixture fixture;
    fixture.faults(R"([{"kind":"stall","after_chunks":2,"delay_ms":300}])");
    auto start = std::chrono::steady_clock::now();
    Reply reply = fixture.chat(kStream);
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(300));
    CHECK(reply.body.ends_with("data: [DONE]\n\n"));
}

TEST_CASE("an endless stall holds until the client gives up; the server keeps serving and stops cleanly") {
    Fixture fixture;
    fixture.faults(R"([{"kind":"stall","after_chunks":1},{"kind":"stall","match":{"model":"openai/gpt-4o-mini"}}])");
    Call stalled{"POST", "/api/v1/chat/completions", kStream};
    stalled.timeout = std::chrono::milliseconds(400);
    CHECK_FALSE(tryCall(fixture, stalled).has_value());
    CHECK(fixture.chat(kPlain).status == 200);
    // A second stalled response, non-streaming, left hanging while the fixture shuts down.
    Call hanging{"POST", "/api/v1/chat/completions", chatBody("openai/gpt-4o-mini", "hi")};
    hanging.timeout = std::chrono::milliseconds(300);
    CHECK_FALSE(tryCall(fixture, hanging).has_value());
}

TEST_CASE("disconnect closes the connection mid-response") {
    Fixture fixture;
    fixture.faults(
        R"([{"kind":"disconnect","after_chunks":2},{"kind":"disconnect","match":{"model":"openai/gpt-4o-mini"}}])");
    auto stream = tryCall(fixture, {"POST", "/api/v1/chat/completions", kStream});
    CHECK((!stream || stream->body.find("[DONE]") == std::string::npos));
    if (stream) CHECK(parseSse(stream->body).data.size() == 2);

    auto plain = tryCall(fixture, {"POST", "/api/v1/chat/completions", chatBody("openai/gpt-4o-mini", "hi")});
    CHECK((!plain || !parses(plain->body)));
    CHECK(fixture.chat(kPlain).status == 200);
}

TEST_CASE("error_chunk ends a stream with finish_reason error under HTTP 200") {
    Fixture fixture;
    fixture.faults(R"([{"kind":"error_chunk","after_chunks":1},{"kind":"error_chunk","done":true,"status":503}])");
    Reply reply = fixture.chat(kStream);
    CHECK(reply.status == 200);
    SseEvents events = parseSse(reply.body);
    REQUIRE(events.data.size() == 2);
    auto last = parseJson(events.data.back());
    CHECK(last["error"]["code"].GetInt() == 502);
    CHECK(str(last["error"]["message"]) == "Provider disconnected unexpectedly");
    CHECK(str(last["choices"][0]["finish_reason"]) == "error");
    CHECK(reply.body.find("[DONE]") == std::string::npos);

    Reply done = fixture.chat(kStream);
    SseEvents doneEvents = parseSse(done.body);
    CHECK(doneEvents.data.back() == "[DONE]");
    CHECK(parseJson(doneEvents.data[doneEvents.data.size() - 2])["error"]["code"].GetInt() == 503);

    fixture.faults(R"([{"kind":"error_chunk","after_chunks":1}])");
    Reply plain = fixture.chat(kPlain);
    CHECK(plain.status == 200);
    auto json = plain.json();
    CHECK(str(json["choices"][0]["finish_reason"]) == "error");
    CHECK(json["choices"][0]["error"]["code"].GetInt() == 502);
    CHECK(str(json["choices"][0]["message"]["content"]) == "[gpt-5.2 via ");  // the first chunk only
    auto generation = fixture.get("/api/v1/generation?id=" + plain.header("X-Generation-Id")).json();
    CHECK(str(generation["data"]["finish_reason"]) == "error");
}

TEST_CASE("malformed sends invalid JSON: a broken body, or a broken data line in a stream") {
    Fixture fixture;
    fixture.faults(R"([{"kind":"malformed"},{"kind":"malformed","after_chunks":1}])");
    Reply plain = fixture.chat(kPlain);
    CHECK(plain.status == 200);
    CHECK_FALSE(parses(plain.body));
    Reply stream = fixture.chat(kStream);
    SseEvents events = parseSse(stream.body);
    REQUIRE(events.data.size() > 2);
    CHECK(parses(events.data[0]));
    CHECK_FALSE(parses(events.data[1]));
    CHECK(events.data.back() == "[DONE]");
}

TEST_CASE("error_200 puts an error object under HTTP 200") {
    Fixture fixture;
    fixture.faults(R"([{"kind":"error_200","status":503},{"kind":"error_200","after_chunks":1}])");
    Reply plain = fixture.chat(kPlain);
    CHECK(plain.status == 200);
    auto json = plain.json();
    CHECK(json["error"]["code"].GetInt() == 503);
    CHECK_FALSE(json.HasMember("choices"));
    Reply stream = fixture.chat(kStream);
    SseEvents events = parseSse(stream.body);
    REQUIRE(events.data.size() == 2);
    auto bare = parseJson(events.data.back());
    CHECK(bare["error"]["code"].GetInt() == 502);
    CHECK_FALSE(bare.HasMember("choices"));
}

TEST_CASE("leading_whitespace pads one non-streaming body") {
    Fixture fixture;
    fixture.faults(R"([{"kind":"leading_whitespace"}])");
    Reply padded = fixture.chat(kPlain);
    CHECK(padded.body.starts_with("\n"));
    CHECK(parses(padded.body));  // JSON allows leading whitespace
    CHECK(fixture.chat(kPlain).body.starts_with("{"));
}

namespace {

// The answer text of a stream: every content delta joined.
std::string streamedText(const SseEvents &events) {
    std::string text;
    for (const auto &data : events.data) {
        if (data == "[DONE]") continue;
        auto chunk = parseJson(data);
        if (chunk["choices"].Size() > 0 && chunk["choices"][0]["delta"].HasMember("content"))
            text += str(chunk["choices"][0]["delta"]["content"]);
    }
    return text;
}

std::size_t count(const std::string &text, const std::string &part) {
    std::size_t n = 0;
    for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++n;
    return n;
}

}  // namespace

TEST_CASE("long_answer streams `bytes` bytes in 16 KiB chunks, or sends them in one body") {
    Fixture fixture;
    fixture.faults(R"([{"kind":"long_answer","bytes":100000},{"kind":"long_answer","bytes":70000}])");
    SseEvents events = parseSse(fixture.chat(kStream).body);
    CHECK(streamedText(events) == std::string(100000, 'x'));
    CHECK(events.data.size() == 7 + 3);  // 7 content chunks, finish, usage, [DONE]
    CHECK(str(fixture.chat(kPlain).json()["choices"][0]["message"]["content"]) == std::string(70000, 'x'));
    CHECK(fixture.post("/_sim/faults", R"([{"kind":"long_answer","bytes":0}])", false).status == 400);
}

TEST_CASE("long_line sends the answer as one SSE line") {
    Fixture fixture;
    fixture.faults(R"([{"kind":"long_line","bytes":300000}])");
    Reply reply = fixture.chat(kStream);
    SseEvents events = parseSse(reply.body);
    CHECK(streamedText(events) == std::string(300000, 'x'));
    CHECK(events.data.size() == 1 + 3);
    CHECK(reply.body.find(std::string(300000, 'x')) != std::string::npos);
}

TEST_CASE("invalid_utf8 puts bytes that are not UTF-8 into the answer") {
    Fixture fixture;
    fixture.faults(R"([{"kind":"invalid_utf8"},{"kind":"invalid_utf8"}])");
    const std::string bad = "\x80 \xc0\xaf \xe2\x82";
    CHECK(fixture.chat(kStream).body.find(bad) != std::string::npos);
    CHECK(fixture.chat(kPlain).body.find(bad) != std::string::npos);
}

TEST_CASE("endless streams content chunks until the client goes; the server keeps serving") {
    Fixture fixture;
    fixture.faults(R"([{"kind":"endless","delay_ms":5}])");
    // A raw socket: an HTTP client would wait for the end that never comes.
    Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", fixture.simulator.port()));
    std::string request = "POST /api/v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                          std::string(kDefaultKey) + "\r\nContent-Type: application/json\r\nContent-Length: " +
                          std::to_string(kStream.size()) + "\r\n\r\n" + kStream;
    socket.sendBytes(request.data(), static_cast<int>(request.size()));
    socket.setReceiveTimeout(Poco::Timespan(2, 0));
    std::string received;
    char buffer[4096];
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
    while (std::chrono::steady_clock::now() < until) {
        int n = socket.receiveBytes(buffer, sizeof buffer);
        REQUIRE(n > 0);
        received.append(buffer, static_cast<std::size_t>(n));
    }
    socket.close();
    CHECK(count(received, "\"content\":\"more \"") >= 10);
    CHECK(received.find("[DONE]") == std::string::npos);
    CHECK(fixture.chat(kPlain).status == 200);
    CHECK(fixture.post("/_sim/faults", R"([{"kind":"endless","delay_ms":-1}])", false).status == 400);
}

TEST_CASE("comments sends `count` comment lines before the first chunk") {
    Fixture fixture;
    fixture.faults(R"([{"kind":"comments","count":10000}])");
    SseEvents events = parseSse(fixture.chat(kStream).body);
    CHECK(events.comments.size() == 10001);  // OpenRouter's own first one, then the fault's
    CHECK(streamedText(events).ends_with("You said: one two three four five six seven eight"));
}

TEST_CASE("delivery faults scoped to a provider only hit responses it serves") {
    Fixture fixture;
    fixture.faults(R"([{"kind":"error_200","match":{"provider":"azure"}}])");
    CHECK(fixture.chat(kPlain).json().HasMember("choices"));
    auto azure = fixture.chat(chatBody("openai/gpt-5.2", "hi", R"("provider":{"only":["azure"]})")).json();
    CHECK(azure.HasMember("error"));
}
