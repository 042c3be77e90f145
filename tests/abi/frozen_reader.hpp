// A host newer than this one, in miniature: it offers ABI [1.0, abiMax] and reads provider descriptors with the
// test-only 1.2 header (frozen/plugin-1.2-test.h, one minor version ahead of the real header), zero-filling what a
// smaller struct lacks. Kept apart from <moltbot/plugin.h> (a separate file) because both headers declare the same
// names.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace moltbot::test {

struct DescriptorSeen {
    uint32_t abiVersion = 0;                // what the plugin chose
    uint32_t structSize = 0;                // its descriptor's struct_size
    std::string name;                       // a 1.0 field
    std::optional<std::string> docsUrl;     // the 1.2 field: nullopt when NULL (or zero-filled)
};

// The version the test-only header describes (MB_ABI_TEST_1_2): one minor version ahead of the real header.
extern const uint32_t kTestNextVersion;

DescriptorSeen readWithNewerHost(const std::filesystem::path &plugin, uint32_t abiMax);

}  // namespace moltbot::test
