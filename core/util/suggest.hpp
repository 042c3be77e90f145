// "Did you mean" suggestions: the candidates close enough to a word, by edit distance, to be what the user meant.
// The one implementation behind every suggestion of the host (flags, commands, key names, aliases, model refs).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moltbot::util {

// How far (in edits) a candidate may be from `word` and still pass for a typo of it: a third of its length, at least
// `floor`.
std::size_t typoLimit(std::string_view word, std::size_t floor = 2);

// Candidates already scored by distance: up to `count` of those within `limit`, closest first, ties in the order
// given.
std::vector<std::string> closestFirst(std::vector<std::pair<std::size_t, std::string>> scored, std::size_t limit,
                                      std::size_t count);

// Up to `count` candidates within typoLimit(word) of `word`, closest first.
std::vector<std::string> nearest(std::string_view word, const std::vector<std::string> &candidates, std::size_t count);
// The closest candidate, or "" when none is close enough to suggest.
std::string nearest(std::string_view word, const std::vector<std::string> &candidates);

// "; did you mean 'a', 'b' or 'c'?", or "" without suggestions.
std::string didYouMean(const std::vector<std::string> &suggestions);

}  // namespace moltbot::util
