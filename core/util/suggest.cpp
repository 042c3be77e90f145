#include "core/util/suggest.hpp"

#include <moltbot/sdk/text.hpp>

#include <algorithm>

namespace moltbot::util {

std::size_t typoLimit(std::string_view word, std::size_t floor) { return std::max(floor, word.size() / 3); }

std::vector<std::string> closestFirst(std::vector<std::pair<std::size_t, std::string>> scored, std::size_t limit,
                                      std::size_t count) {
    std::erase_if(scored, [limit](const auto &entry) { return entry.first > limit; });
    std::stable_sort(scored.begin(), scored.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    std::vector<std::string> names;
    for (std::size_t i = 0; i < scored.size() && i < count; ++i) names.push_back(std::move(scored[i].second));
    return names;
}

std::vector<std::string> nearest(std::string_view word, const std::vector<std::string> &candidates, std::size_t count) {
    if (word.size() > 256) return {};  // no typo of a real name is that long, and the distances would cost
    std::vector<std::pair<std::size_t, std::string>> scored;
    for (const auto &candidate : candidates) scored.emplace_back(sdk::editDistance(word, candidate), candidate);
    return closestFirst(std::move(scored), typoLimit(word), count);
}

std::string nearest(std::string_view word, const std::vector<std::string> &candidates) {
    std::vector<std::string> best = nearest(word, candidates, 1);
    return best.empty() ? std::string() : best.front();
}

std::string didYouMean(const std::vector<std::string> &suggestions) {
    if (suggestions.empty()) return {};
    std::string text = "; did you mean ";
    for (std::size_t i = 0; i < suggestions.size(); ++i) {
        if (i > 0) text += i + 1 == suggestions.size() ? " or " : ", ";
        text += "'" + suggestions[i] + "'";
    }
    return text + "?";
}

}  // namespace moltbot::util
