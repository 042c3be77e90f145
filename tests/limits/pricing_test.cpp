// Catalog prices, the worst case a budget reserves, and the estimate for an upstream that reports no cost.
#include "core/limits/pricing.hpp"

#include <doctest/doctest.h>

using namespace moltbot::limits;

namespace {
Prices sonnet() {
    rapidjson::Document pricing;
    pricing.Parse(R"({"prompt":"0.000003","completion":"0.000015","input_cache_read":"0.0000003",
                      "input_cache_write":"0.00000375","request":"0"})");
    return parsePrices(pricing);
}
}  // namespace

TEST_CASE("prices parse from OpenRouter's strings and from numbers; a router's -1 is unknown") {
    Prices prices = sonnet();
    CHECK(prices.known());
    CHECK(prices.prompt == doctest::Approx(3e-6));
    CHECK(prices.cacheWrite == doctest::Approx(3.75e-6));
    rapidjson::Document numbers;
    numbers.Parse(R"({"prompt":1e-6,"completion":2e-6})");
    CHECK(parsePrices(numbers).completion == doctest::Approx(2e-6));
    rapidjson::Document router;
    router.Parse(R"({"prompt":"-1","completion":"-1"})");
    CHECK_FALSE(parsePrices(router).known());
    CHECK_FALSE(worstCaseCost(parsePrices(router), 100, 100).has_value());
    rapidjson::Document junk;
    junk.Parse(R"({"prompt":"cheap","completion":"0.1"})");
    CHECK_FALSE(parsePrices(junk).known());
}

TEST_CASE("the worst case counts every body byte at the dearest input price, and the whole answer") {
    // 1,000 bytes at the cache-write price (the dearest input) and 200 answer tokens.
    CHECK(*worstCaseCost(sonnet(), 1000, 200) == doctest::Approx(1000 * 3.75e-6 + 200 * 15e-6));
    CHECK(*worstCaseCost(sonnet(), 0, 0) == 0);
}

TEST_CASE("an estimate prices cached reads and cache writes at their own prices") {
    TokenCounts tokens{1000, 100, 600, 300};  // 100 plain, 600 read, 300 written
    CHECK(*estimateCost(sonnet(), tokens) ==
          doctest::Approx(100 * 3e-6 + 600 * 0.3e-6 + 300 * 3.75e-6 + 100 * 15e-6));
    // Counts that do not add up are clamped, never negative.
    CHECK(*estimateCost(sonnet(), {10, 0, 50, 50}) == doctest::Approx(10 * 0.3e-6));
    // The estimate never exceeds the worst case of the same request.
    CHECK(*estimateCost(sonnet(), {1000, 200, 0, 1000}) <= *worstCaseCost(sonnet(), 1000, 200));
}
