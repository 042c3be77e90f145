// Runs an SSE body through the SDK's reader and OpenAI translator the way sdk::openai::chat does, recording the
// events, how it ended and the failure: for the SDK's own tests and for a provider's samples with its dialect.
#pragma once

#include "tests/sdk/event_list.hpp"

#include <moltbot/plugin.h>
#include <moltbot/sdk/guard.hpp>
#include <moltbot/sdk/openai/translate.hpp>
#include <moltbot/sdk/sse.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moltbot::sdk::test {

struct Run {
    using Step = openai::StreamTranslator::Step;

    EventList events;
    Step step = Step::more;
    int32_t failure = MB_OK;
    std::string message;
    int32_t httpStatus = 0;

    std::vector<std::string> of(uint32_t kind) const { return payloadsOf(events, kind); }
    std::vector<uint32_t> kinds() const { return kindsOf(events); }
};

// `stopAfter` >= 0: the sink asks to stop once it took that many events.
inline Run translate(std::string_view body, const openai::Dialect &dialect, int stopAfter = -1) {
    using Step = Run::Step;
    Run run;
    openai::StreamTranslator translator(
        [&](uint32_t kind, std::string_view json) {
            run.events.emplace_back(kind, std::string(json));
            return stopAfter < 0 || static_cast<int>(run.events.size()) < stopAfter;
        },
        dialect, 0);
    SseReader reader;
    auto onEvent = [&](const SseEvent &e) {
        run.step = translator.onData(e.data);
        return run.step == Step::more;
    };
    try {
        reader.feed(body, onEvent);
        if (run.step == Step::more) reader.finish(onEvent);
        if (run.step == Step::more) run.step = translator.onEnd();
    } catch (const Failure &f) {
        run.failure = f.code();
        run.message = f.message();
        run.httpStatus = f.httpStatus();
    }
    return run;
}

}  // namespace moltbot::sdk::test
