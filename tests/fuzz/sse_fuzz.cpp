// The SDK's SSE reader. Input: one control byte, then (control & 7) bytes of piece lengths, then the stream.
// The stream fed in one piece and fed in the pieces the fuzzer chose (cycling through the lengths; a 0 feeds an
// empty piece) gives the same events, comments and status; the second run reuses the reader after finish(), which
// must forget the first stream. A third run with a small event limit (1 + control >> 3 bytes) may stop with
// tooLarge, but only ever delivers a prefix of the same events, none larger than the limit.
#include "check.hpp"

#include <moltbot/sdk/sse.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

using moltbot::sdk::SseEvent;
using moltbot::sdk::SseReader;
using moltbot::sdk::SseStatus;

namespace {

struct Record {
    std::vector<std::string> items;  // "event <type> <id> <data>" or "comment <text>", in order
    SseStatus status = SseStatus::ok;
    std::size_t largestData = 0;
};

template <class Feed>
Record run(SseReader &reader, Feed &&feedAll) {
    Record record;
    auto onEvent = [&record](const SseEvent &event) {
        record.items.push_back("event " + std::string(event.event) + " " + std::string(event.id) + " " +
                               std::string(event.data));
        record.largestData = std::max(record.largestData, event.data.size());
        return true;
    };
    auto onComment = [&record](std::string_view text) { record.items.push_back("comment " + std::string(text)); };
    SseStatus status = feedAll([&](std::string_view piece) { return reader.feed(piece, onEvent, onComment); });
    // finish() also runs after a failure: it must report that status again and reset the reader.
    SseStatus finished = reader.finish(onEvent, onComment);
    FUZZ_CHECK(status == SseStatus::ok || finished == status);
    record.status = finished;
    return record;
}

bool isPrefix(const std::vector<std::string> &prefix, const std::vector<std::string> &whole) {
    return prefix.size() <= whole.size() && std::equal(prefix.begin(), prefix.end(), whole.begin());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, std::size_t size) {
    if (size == 0) return 0;
    const std::size_t control = data[0];
    const std::size_t lengthCount = std::min<std::size_t>(control & 7, size - 1);
    const uint8_t *lengths = data + 1;
    std::string_view stream(reinterpret_cast<const char *>(data + 1 + lengthCount), size - 1 - lengthCount);

    auto inPieces = [&](auto feed) {
        SseStatus status = SseStatus::ok;
        std::size_t pos = 0;
        for (std::size_t i = 0; pos < stream.size() && status == SseStatus::ok; ++i) {
            std::size_t length = lengthCount == 0 ? stream.size() : lengths[i % lengthCount];
            if (length == 0) {
                status = feed(std::string_view());
                length = 1;
            }
            if (status != SseStatus::ok) break;
            std::size_t take = std::min(length, stream.size() - pos);
            status = feed(stream.substr(pos, take));
            pos += take;
        }
        return status;
    };

    SseReader reader;
    Record whole = run(reader, [&](auto feed) { return feed(stream); });
    Record split = run(reader, inPieces);
    FUZZ_CHECK(whole.status == split.status);
    FUZZ_CHECK(whole.items == split.items);

    const std::size_t limit = 1 + (control >> 3);
    SseReader small(limit);
    Record bounded = run(small, inPieces);
    FUZZ_CHECK(bounded.largestData <= limit);
    if (bounded.status == SseStatus::tooLarge) {
        FUZZ_CHECK(isPrefix(bounded.items, whole.items));
    } else {
        FUZZ_CHECK(bounded.status == whole.status && bounded.items == whole.items);
    }
    return 0;
}
