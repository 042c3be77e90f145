// Events as a test records them, (kind, JSON payload) in order, and the two questions tests ask of them.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace moltbot::sdk::test {

using EventList = std::vector<std::pair<uint32_t, std::string>>;

// The payloads of the events of one kind, in order.
inline std::vector<std::string> payloadsOf(const EventList &events, uint32_t kind) {
    std::vector<std::string> out;
    for (const auto &[k, json] : events) {
        if (k == kind) out.push_back(json);
    }
    return out;
}

inline std::vector<uint32_t> kindsOf(const EventList &events) {
    std::vector<uint32_t> out;
    for (const auto &event : events) out.push_back(event.first);
    return out;
}

}  // namespace moltbot::sdk::test
