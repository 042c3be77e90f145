// The SDK's OpenAI translator with OpenRouter's dialect. Input: one control byte, then an SSE stream (as the plugin
// reads it) whose event data go through StreamTranslator; the same bytes also go through translateResponse as a
// complete() body. Failures may
// only be sdk::Failure with an ABI error code and a message. Every emitted payload is a JSON object, nothing follows
// MB_EVENT_DONE, and a sink that says stop (at the event number the control byte picks, when below 16) stops the
// translation at once.
#include "check.hpp"

#include "plugins/openrouter/errors.hpp"

#include <moltbot/plugin.h>
#include <moltbot/sdk/json.hpp>
#include <moltbot/sdk/openai/translate.hpp>
#include <moltbot/sdk/sse.hpp>

#include <string_view>

using namespace moltbot;
using Step = sdk::openai::StreamTranslator::Step;

namespace {

constexpr int64_t kNowMs = 1'773'323'536'000;

struct Sink {
    unsigned stopAt;  // the 1-based event at which the sink asks to stop; 0: never
    unsigned count = 0;
    bool done = false;
    bool stopped = false;

    bool operator()(uint32_t kind, std::string_view json) {
        FUZZ_CHECK(!done && !stopped);
        FUZZ_CHECK(kind >= MB_EVENT_TEXT_DELTA && kind <= MB_EVENT_META && kind != MB_EVENT_MODEL);
        rapidjson::Document payload;
        FUZZ_CHECK(sdk::json::parse(payload, json) && payload.IsObject());
        if (kind == MB_EVENT_DONE) {
            FUZZ_CHECK(!sdk::json::getString(payload, "finish_reason").empty());
            done = true;
        }
        stopped = ++count == stopAt;
        return !stopped;
    }
};

void checkFailure(const sdk::Failure &failure) {
    FUZZ_CHECK(failure.code() < 0 && failure.code() != MB_ERR_INTERNAL);
    FUZZ_CHECK(!failure.message().empty());
    FUZZ_CHECK(failure.retryAfterMs() >= -1);
}

void translateStream(std::string_view body, unsigned stopAt) {
    Sink sink{stopAt};
    sdk::openai::StreamTranslator translator(
        [&sink](uint32_t kind, std::string_view json) { return sink(kind, json); }, openrouter::dialect(), kNowMs);
    Step step = Step::more;
    try {
        sdk::SseReader reader;
        auto onEvent = [&](const sdk::SseEvent &event) {
            step = translator.onData(event.data);
            return step == Step::more;
        };
        if (reader.feed(body, onEvent) == sdk::SseStatus::ok) reader.finish(onEvent);
        if (step == Step::more) step = translator.onEnd();
    } catch (const sdk::Failure &failure) {
        checkFailure(failure);
        FUZZ_CHECK(!sink.done && !sink.stopped);
        return;
    }
    FUZZ_CHECK((step == Step::cancelled) == sink.stopped);
    FUZZ_CHECK((step == Step::done) == (sink.done && !sink.stopped));  // a stop at MB_EVENT_DONE still cancels
    if (step == Step::done) FUZZ_CHECK(translator.onData("{}") == Step::done);  // nothing is read after the end
}

void translateComplete(std::string_view body, unsigned stopAt) {
    Sink sink{stopAt};
    try {
        bool completed = sdk::openai::translateResponse(
            body, [&sink](uint32_t kind, std::string_view json) { return sink(kind, json); }, openrouter::dialect(),
            kNowMs);
        FUZZ_CHECK(completed != sink.stopped);
    } catch (const sdk::Failure &failure) {
        checkFailure(failure);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, std::size_t size) {
    if (size == 0) return 0;
    unsigned stopAt = data[0] < 16 ? data[0] : 0;
    std::string_view body(reinterpret_cast<const char *>(data + 1), size - 1);
    translateStream(body, stopAt);
    translateComplete(body, stopAt);
    return 0;
}
