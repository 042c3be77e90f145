// Model refs: a parsed ref is well formed, and its full() spelling parses back to the same ref; a rejected text
// always says why.
#include "check.hpp"

#include "core/pipeline/model_ref.hpp"

#include <algorithm>
#include <cctype>
#include <string>

using moltbot::pipeline::parseModelRef;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char *>(data), size);
    std::string why;
    auto ref = parseModelRef(text, &why);
    if (!ref) {
        FUZZ_CHECK(!why.empty());
        return 0;
    }
    FUZZ_CHECK(!ref->prefix.empty() && !ref->id.empty());
    FUZZ_CHECK(std::all_of(ref->prefix.begin(), ref->prefix.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    }));
    auto again = parseModelRef(ref->full());
    FUZZ_CHECK(again && again->prefix == ref->prefix && again->id == ref->id);
    return 0;
}
