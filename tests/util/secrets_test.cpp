#include "core/util/secrets.hpp"

#include <doctest/doctest.h>

using moltbot::util::maskSecret;

TEST_CASE("a long key shows its first 8 and last 4 characters only") {
    std::string key = "sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    std::string masked = maskSecret(key);
    CHECK(masked == "sk-or-v1...cdef");
    CHECK(masked.find(key.substr(8, 20)) == std::string::npos);
}

TEST_CASE("a short key never shows most of itself") {
    CHECK(maskSecret("") == "missing");
    CHECK(maskSecret("abc") == "...");
    std::string masked = maskSecret("sk-or-123456");
    CHECK(masked == "sk-...6");
    CHECK(masked.size() - 3 <= 12 / 3);
}
