// core/pipeline/fallback_notices: the line per model passed over when another model answered.
#include "core/pipeline/fallback_notices.hpp"

#include <moltbot/plugin.h>

#include <doctest/doctest.h>

using namespace moltbot::pipeline;

namespace {

std::vector<ChainEntry> chainOf(std::initializer_list<const char *> refs) {
    std::vector<ChainEntry> chain;
    for (const char *ref : refs) chain.push_back({*parseModelRef(ref)});
    return chain;
}

}  // namespace

TEST_CASE("the first model answering, or none: no notice") {
    Outcome outcome;
    outcome.status = MB_OK;
    outcome.ref = "p/a";
    outcome.attempts = {{"p/a", 1, "ok", 200, "", 5, -1}};
    CHECK(fallbackNotices(chainOf({"p/a", "p/b"}), outcome).empty());
    outcome.status = MB_ERR_UNAVAILABLE;
    outcome.ref = "p/b";
    CHECK(fallbackNotices(chainOf({"p/a", "p/b"}), outcome).empty());
}

TEST_CASE("a skipped and a failed model before the one that answered: one line each, the last attempt's reason") {
    Outcome outcome;
    outcome.status = MB_OK;
    outcome.ref = "p/c";
    outcome.attempts = {{"p/a", 0, "skipped", 0, "cooling down until 10:00:00 after rate_limited", 0, 1000},
                        {"p/b", 1, "unavailable", 503, "first", 5, -1},
                        {"p/b", 2, "unavailable", 502, "down", 5, -1},
                        {"p/c", 1, "ok", 200, "", 5, -1}};
    CHECK(fallbackNotices(chainOf({"p/a", "p/b", "p/c"}), outcome) ==
          std::vector<std::string>{"p/a skipped (cooling down until 10:00:00 after rate_limited); answered by p/c",
                                   "p/b failed (unavailable, HTTP 502: down); answered by p/c"});
}
