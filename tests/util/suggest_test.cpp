// core/util/suggest: the one "did you mean" implementation.
#include "core/util/suggest.hpp"

#include <doctest/doctest.h>

using namespace moltbot::util;

TEST_CASE("nearest: within a third of the word (at least 2 edits), closest first, ties in the candidates' order") {
    std::vector<std::string> names{"status", "set", "sett", "get"};
    CHECK(nearest("sett", names) == "sett");
    CHECK(nearest("stat", names, 2) == std::vector<std::string>{"status", "set"});  // 2 edits each, and "sett"
    CHECK(nearest("gte", names) == "get");
    CHECK(nearest("unrelated", names).empty());
    CHECK(nearest(std::string(300, 'a'), names, 3).empty());
}

TEST_CASE("closestFirst keeps those within the limit, stable on ties, at most count") {
    CHECK(closestFirst({{3, "c"}, {1, "b"}, {1, "a"}, {9, "far"}}, 3, 2) == std::vector<std::string>{"b", "a"});
    CHECK(typoLimit("abcdefghijkl") == 4);
    CHECK(typoLimit("ab", 3) == 3);
}

TEST_CASE("didYouMean lists the suggestions, or nothing") {
    CHECK(didYouMean({}).empty());
    CHECK(didYouMean({"a"}) == "; did you mean 'a'?");
    CHECK(didYouMean({"a", "b", "c"}) == "; did you mean 'a', 'b' or 'c'?");
}
