// The JSON5 reader: any input parses or throws Json5Error, nothing else. What parses, written back with the
// project's writer (compact and pretty), reads back to the same document; comparing the written text also compares
// number types and keeps NaN equal to itself, which rapidjson's operator== does not.
#include "check.hpp"

#include "core/config/files.hpp"
#include "core/config/json5.hpp"

#include <algorithm>
#include <string>
#include <string_view>

using namespace moltbot::config;

namespace {

std::string reparsed(const std::string &text) {
    rapidjson::Document document;
    parseJson5(text, document, "written");  // throwing here is a bug: the writer's output must read back
    return toCompactJson(document);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char *>(data), size);
    rapidjson::Document document;
    try {
        parseJson5(text, document, "fuzz");
    } catch (const Json5Error &error) {
        // Positions count from 1 and never point past the input.
        FUZZ_CHECK(error.line() >= 1 && error.line() <= size + 1);
        FUZZ_CHECK(error.column() >= 1 && error.column() <= size + 1);
        FUZZ_CHECK(!error.reason().empty());
        return 0;
    }
    std::string compact = toCompactJson(document);
    FUZZ_CHECK(std::count(compact.begin(), compact.end(), '\n') == 0);
    FUZZ_CHECK(reparsed(compact) == compact);
    FUZZ_CHECK(reparsed(toPrettyJson(document)) == compact);
    return 0;
}
