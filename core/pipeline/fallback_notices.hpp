// The lines that tell the user an answer came from another model than the first of the chain, and why: a model
// skipped for its cooldown, or one that failed. Shown without --verbose, since an answer from a model the user did
// not ask for must never pass for the one asked.
#pragma once

#include "core/pipeline/runner.hpp"

#include <string>
#include <vector>

namespace moltbot::pipeline {

// One line per model of `chain` before the one that answered `outcome` ("openrouter/a skipped (cooling down until
// 14:02:11 after rate_limited); answered by openrouter/b"); empty when the first model answered or none did.
std::vector<std::string> fallbackNotices(const std::vector<ChainEntry> &chain, const Outcome &outcome);

}  // namespace moltbot::pipeline
