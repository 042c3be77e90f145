#include "core/pipeline/fallback_notices.hpp"

#include <moltbot/plugin.h>

namespace moltbot::pipeline {

std::vector<std::string> fallbackNotices(const std::vector<ChainEntry> &chain, const Outcome &outcome) {
    std::vector<std::string> notices;
    if (outcome.status != MB_OK || chain.empty() || outcome.ref == chain.front().ref.full()) return notices;
    for (const auto &entry : chain) {
        std::string ref = entry.ref.full();
        if (ref == outcome.ref) break;
        // A model retried before it failed has one record per attempt: its last one says why it was left.
        const AttemptRecord *last = nullptr;
        for (const auto &record : outcome.attempts) {
            if (record.ref == ref) last = &record;
        }
        if (last == nullptr) continue;
        std::string why;
        if (last->outcome == "skipped") {
            why = " skipped (" + last->message + ")";
        } else {
            why = " failed (" + last->outcome;
            if (last->httpStatus > 0) why += ", HTTP " + std::to_string(last->httpStatus);
            if (!last->message.empty()) why += ": " + last->message;
            why += ")";
        }
        notices.push_back(ref + why + "; answered by " + outcome.ref);
    }
    return notices;
}

}  // namespace moltbot::pipeline
