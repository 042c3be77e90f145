#include "core/pipeline/model_ref.hpp"

#include <doctest/doctest.h>

using namespace moltbot::pipeline;

TEST_CASE("a ref splits on the first slash only") {
    auto ref = parseModelRef("openrouter/anthropic/claude-sonnet-4-5");
    REQUIRE(ref);
    CHECK(ref->prefix == "openrouter");
    CHECK(ref->id == "anthropic/claude-sonnet-4-5");
    CHECK(ref->full() == "openrouter/anthropic/claude-sonnet-4-5");
}

TEST_CASE("the prefix is trimmed and lower-cased; the id keeps its case and variants") {
    auto ref = parseModelRef("  OpenRouter/meta-llama/Llama-3.3-70b-instruct:free \n");
    REQUIRE(ref);
    CHECK(ref->prefix == "openrouter");
    CHECK(ref->id == "meta-llama/Llama-3.3-70b-instruct:free");
}

TEST_CASE("text that is not a ref says why") {
    std::string why;
    CHECK_FALSE(parseModelRef("claude", &why));
    CHECK(why.find("<provider>/<model>") != std::string::npos);
    CHECK_FALSE(parseModelRef("/x", &why));
    CHECK(why.find("provider") != std::string::npos);
    CHECK_FALSE(parseModelRef("openrouter/", &why));
    CHECK(why.find("model") != std::string::npos);
    CHECK_FALSE(parseModelRef("open router/x", &why));
    CHECK(why.find("open router") != std::string::npos);
}
