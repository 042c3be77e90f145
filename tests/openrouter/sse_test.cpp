// The SDK's incremental SSE reader: framing rules, every way of splitting the input, bounds.
#include "samples.hpp"

#include <moltbot/sdk/sse.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using moltbot::sdk::SseEvent;
using moltbot::sdk::SseReader;
using moltbot::sdk::SseStatus;

namespace {

struct Collected {
    std::vector<std::string> events;  // "type|id|data"
    std::vector<std::string> comments;
    SseStatus status = SseStatus::ok;
};

// Feeds `pieces` in order, then finishes the stream.
Collected collect(const std::vector<std::string> &pieces, std::size_t max = SseReader::kDefaultMaxEventBytes) {
    SseReader reader(max);
    Collected out;
    auto onEvent = [&](const SseEvent &e) {
        out.events.push_back(std::string(e.event) + "|" + std::string(e.id) + "|" + std::string(e.data));
        return true;
    };
    auto onComment = [&](std::string_view text) { out.comments.emplace_back(text); };
    for (const auto &piece : pieces) {
        out.status = reader.feed(piece, onEvent, onComment);
        if (out.status != SseStatus::ok) return out;
    }
    out.status = reader.finish(onEvent, onComment);
    return out;
}

std::string replaceAll(std::string text, const std::string &from, const std::string &to) {
    for (std::size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size()) {
        text.replace(at, from.size(), to);
    }
    return text;
}

const std::string kStream =
    ": hello\n"
    "event: greeting\n"
    "id: 7\n"
    "data: first\n"
    "data:second\n"
    "data\n"
    "retry: 1000\n"
    "\n"
    "data: {\"a\":1}\n"
    "\n"
    "\n"
    "id: 8\n"
    "event: only-type\n"
    "\n"
    "data:  two spaces\n"
    "\n";

const std::vector<std::string> kExpected = {"greeting|7|first\nsecond\n", "|7|{\"a\":1}", "|8| two spaces"};

}  // namespace

TEST_CASE("sse: fields, joined data lines, comments, persistent id, per-event type") {
    Collected c = collect({kStream});
    CHECK(c.status == SseStatus::ok);
    CHECK(c.events == kExpected);
    CHECK(c.comments == std::vector<std::string>{" hello"});
}

TEST_CASE("sse: \\n, \\r\\n and \\r line ends give the same events") {
    CHECK(collect({replaceAll(kStream, "\n", "\r\n")}).events == kExpected);
    CHECK(collect({replaceAll(kStream, "\n", "\r")}).events == kExpected);
    // Mixed: a lone CR followed by LF-terminated lines must not swallow an empty line.
    CHECK(collect({"data: a\r\ndata: b\r\rdata: c\n\n"}).events == std::vector<std::string>{"||a\nb", "||c"});
}

TEST_CASE("sse: every split point, and byte by byte, give the same events") {
    for (const std::string &stream : {kStream, replaceAll(kStream, "\n", "\r\n"), replaceAll(kStream, "\n", "\r"),
                                      std::string(moltbot::openrouter::test::kTextStream2025)}) {
        std::vector<std::string> whole = collect({stream}).events;
        REQUIRE(!whole.empty());
        for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
            INFO("cut at " << cut);
            CHECK(collect({stream.substr(0, cut), stream.substr(cut)}).events == whole);
        }
        std::vector<std::string> bytes;
        for (char c : stream) bytes.emplace_back(1, c);
        CHECK(collect(bytes).events == whole);
    }
}

TEST_CASE("sse: a BOM at the start is skipped, even split; elsewhere it is data") {
    const std::string bom = "\xEF\xBB\xBF";
    CHECK(collect({bom + "data: x\n\n"}).events == std::vector<std::string>{"||x"});
    CHECK(collect({"\xEF", "\xBB", "\xBF" "data: x\n\n"}).events == std::vector<std::string>{"||x"});
    CHECK(collect({"data: " + bom + "x\n\n"}).events == std::vector<std::string>{"||" + bom + "x"});
    // A partial BOM is not a BOM: the line's field name is then not "data".
    CHECK(collect({"\xEF\xBB" "data: x\n\n"}).events.empty());
}

TEST_CASE("sse: the end of the stream flushes a last event without its blank line") {
    CHECK(collect({"data: a\n\ndata: b\n"}).events == std::vector<std::string>{"||a", "||b"});
    CHECK(collect({"data: a\n\ndata: b"}).events == std::vector<std::string>{"||a", "||b"});
    CHECK(collect({"data: a\r"}).events == std::vector<std::string>{"||a"});
    CHECK(collect({": only a comment"}).events.empty());
}

TEST_CASE("sse: one event or line larger than the bound fails; smaller ones after big ones pass") {
    CHECK(collect({"data: " + std::string(64, 'x') + "\n\n"}, 64).status == SseStatus::ok);
    CHECK(collect({"data: " + std::string(65, 'x') + "\n\n"}, 64).status == SseStatus::tooLarge);
    // Many data lines add up within one event.
    std::string lines;
    for (int i = 0; i < 10; ++i) lines += "data: " + std::string(10, 'y') + "\n";
    CHECK(collect({lines + "\n"}, 64).status == SseStatus::tooLarge);
    // A line that never ends, fed in pieces, is bounded too.
    std::vector<std::string> endless(20, std::string(10, 'z'));
    CHECK(collect(endless, 64).status == SseStatus::tooLarge);
    // The bound is per event: many events of total size far above it are fine.
    std::string many;
    for (int i = 0; i < 100; ++i) many += "data: " + std::string(50, 'w') + "\n\n";
    Collected c = collect({many}, 64);
    CHECK(c.status == SseStatus::ok);
    CHECK(c.events.size() == 100);
}

TEST_CASE("sse: a callback returning false stops the reader for good") {
    SseReader reader;
    int seen = 0;
    auto stopAtFirst = [&](const SseEvent &) {
        ++seen;
        return false;
    };
    CHECK(reader.feed("data: a\n\ndata: b\n\n", stopAtFirst) == SseStatus::stopped);
    CHECK(reader.feed("data: c\n\n", stopAtFirst) == SseStatus::stopped);
    CHECK(seen == 1);
    reader.reset();
    CHECK(reader.feed("data: d\n\n", [](const SseEvent &e) { return e.data == "d"; }) == SseStatus::ok);
}
