// Config paths as typed by users: parsing either succeeds or throws ConfigError; the canonical spelling parses back
// to the same keys; setting a value at a parsed path (in a config shaped like the user's) makes findPath return it
// and unsetPath remove it; secret masking runs over the result.
#include "check.hpp"

#include "core/config/files.hpp"
#include "core/config/json_path.hpp"

#include <string_view>

using namespace moltbot::config;

namespace {

constexpr std::string_view kConfig = R"({
  "env": {"OPENROUTER_API_KEY": "sk-or-v1-0123456789abcdef"},
  "agents": {"defaults": {
    "model": {"primary": "openrouter/anthropic/claude-sonnet-4-5", "fallbacks": ["openrouter/openai/gpt-5.2", "x/y"]},
    "models": {"openrouter/anthropic/claude-sonnet-4-5": {"alias": "sonnet", "params": {"temperature": 0.7}}}
  }},
  "list": [[1, 2], {"token": "t"}, null, 3]
})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char *>(data), size);
    PathSegments segments;
    try {
        segments = parsePath(text);
    } catch (const ConfigError &) {
        return 0;
    }
    FUZZ_CHECK(!segments.empty());
    std::string canonical = formatPath(segments);
    FUZZ_CHECK(parsePath(canonical) == segments);
    for (const auto &key : segments) isSecretKey(key);

    rapidjson::Document document;
    document.Parse(kConfig.data(), kConfig.size());
    FUZZ_CHECK(!document.HasParseError());
    rapidjson::Value value("fuzzed value");
    try {
        setPath(document, segments, value);
    } catch (const ConfigError &) {
        return 0;  // a step on the way is not an object or array: the document is left as it was
    }
    const rapidjson::Value *found = findPath(document, segments);
    FUZZ_CHECK(found != nullptr && found->IsString() && std::string_view(found->GetString()) == "fuzzed value");
    maskSecrets(document, document.GetAllocator());
    FUZZ_CHECK(unsetPath(document, segments));
    return 0;
}
