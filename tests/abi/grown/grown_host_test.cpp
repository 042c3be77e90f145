// The next minor version, ahead of time: the real plugin loader built against <moltbot/plugin.h> grown by one minor
// version (grow_header.py; the real header is 1.1, so this one is 1.2) loads a plugin built against the frozen 1.0
// header, plugins built against today's 1.1 header and one built against the test-only 1.2 header, side by side. A
// host that required the *current* struct sizes would refuse every 1.0 plugin after the first growth (docs/abi.md §3).
#include "core/plugin/abi_structs.hpp"
#include "tests/plugins/fixtures.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>

using namespace moltbot;
using namespace moltbot::test;

namespace {

std::filesystem::path versionedDir(const char *version) { return buildPath(std::string("tests/abi/frozen/") + version); }

}  // namespace

TEST_CASE("this build's header is grown: every struct the host reads is bigger than in 1.0") {
    CHECK(MB_ABI_VERSION_MINOR(MB_ABI_CURRENT) >= 2);  // one ahead of the real 1.1 header
    CHECK(sizeof(mb_error) > plugin::abi::kErrorSize_1_0);
    CHECK(sizeof(mb_http_request) > plugin::abi::kHttpRequestSize_1_0);
    CHECK(sizeof(mb_provider_vtable) > plugin::abi::kProviderVtableSize_1_0);
    CHECK(sizeof(mb_provider_descriptor) > plugin::abi::kProviderDescriptorSize_1_0);
    CHECK(sizeof(mb_plugin_entry) > plugin::abi::kPluginEntrySize_1_0);
}

TEST_CASE("a grown host loads 1.0, 1.1 and 1.2 plugins side by side, and each serves") {
    plugin::Registry registry = loadFolders({versionedDir("v1_0"), versionedDir("v1_2"), fixtureDir("echo"),
                                             fixtureDir("cppecho"), fixtureDir("nokey"), fixtureDir("nokey10")});
    for (const auto &skipped : registry.skipped()) FAIL_CHECK(skipped.path.string() << ": " << skipped.reason);
    REQUIRE(registry.plugins().size() == 6);
    const uint32_t real = MB_ABI_MAKE_VERSION(MB_ABI_CURRENT_MAJOR, MB_ABI_CURRENT_MINOR - 1);  // today's header, 1.1
    CHECK(registry.find("frozen")->abiVersion == MB_ABI_MAKE_VERSION(1, 0));
    CHECK(registry.find("grown")->abiVersion == MB_ABI_CURRENT);  // the newest both speak
    CHECK(registry.find("echo")->abiVersion == real);
    CHECK(streamMessage(registry, "frozen", "any").text == "frozen plugin built for ABI 1.0");
    CHECK(streamMessage(registry, "grown", "any").text ==
          "grown plugin built for ABI 1." + std::to_string(MB_ABI_CURRENT_MINOR));
    // The 1.1 capability bit keeps its meaning in a later host, and is still ignored from a plugin that chose 1.0.
    CHECK(registry.find("nokey")->abiVersion == real);
    CHECK((registry.find("nokey")->info.capabilities & MB_CAP_NO_API_KEY) != 0);
    CHECK(registry.find("nokey10")->abiVersion == MB_ABI_MAKE_VERSION(1, 0));
    CHECK((registry.find("nokey10")->info.capabilities & MB_CAP_NO_API_KEY) == 0);
    CHECK(streamMessage(registry, "echo", "echo-1", "still here").text == "still here");
    // A host service reached with a plugin's smaller mb_http_request and mb_error: accepted and answered.
    CHECK(streamMessage(registry, "cppecho", "http").text ==
          "http status " + std::to_string(MB_ERR_UNSUPPORTED) + ": this host has no HTTP transport");
}
