// ABI stability (docs/abi.md §3): a plugin built against the frozen 1.0 header keeps loading and serving in this 1.1
// host, and the struct-growth rule holds both ways with a test-only 1.2 header (one minor version ahead of the real
// one) that grows mb_provider_descriptor.
#include "core/plugin/abi_structs.hpp"
#include "tests/abi/frozen_reader.hpp"
#include "tests/abi/frozen_sizes.hpp"
#include "tests/plugins/fixtures.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>

using namespace moltbot::test;

namespace {

std::filesystem::path versionedDir(const char *version) { return buildPath(std::string("tests/abi/frozen/") + version); }

std::string ask(const char *version, const std::string &model) {
    TempDir home;
    RunOptions options;
    options.env["HOME"] = home.path().string();
    options.env["MOLTBOT_PLUGIN_PATH"] = versionedDir(version).string();
    RunResult result = run({moltbotBinary().string(), "agent", "--model", model, "-m", "hi"}, options);
    INFO(result.err);
    CHECK(result.exitCode == 0);
    return result.out;
}

}  // namespace

TEST_CASE("the frozen 1.0 header is kept: tests/abi/frozen/moltbot/plugin-1.0.h still describes ABI 1.0") {
    std::string frozen = readFile(sourcePath("tests/abi/frozen/moltbot/plugin-1.0.h"));
    CHECK(frozen.find("#define MB_ABI_CURRENT_MAJOR 1\n#define MB_ABI_CURRENT_MINOR 0\n") != std::string::npos);
}

TEST_CASE("the test-only grown header is one minor version ahead of the real header") {
    CHECK(MB_ABI_VERSION_MAJOR(kTestNextVersion) == MB_ABI_CURRENT_MAJOR);
    CHECK(MB_ABI_VERSION_MINOR(kTestNextVersion) == MB_ABI_CURRENT_MINOR + 1);
    CHECK(readFile(sourcePath("tests/abi/frozen/plugin-" + std::to_string(MB_ABI_CURRENT_MAJOR) + "." +
                              std::to_string(MB_ABI_CURRENT_MINOR + 1) + "-test.h"))
              .find("MB_ABI_MAKE_VERSION(1, " + std::to_string(MB_ABI_CURRENT_MINOR + 1) + ")") != std::string::npos);
}

TEST_CASE("the host's 1.0 sizes, the least it accepts where it reads every 1.0 field, are those of the frozen header") {
    namespace abi = moltbot::plugin::abi;
    std::map<std::string, std::size_t> frozen = frozenSizes_1_0();
    CHECK(abi::kErrorSize_1_0 == frozen.at("mb_error"));
    CHECK(abi::kCallSize_1_0 == frozen.at("mb_call"));
    CHECK(abi::kHttpRequestSize_1_0 == frozen.at("mb_http_request"));
    CHECK(abi::kHostApiSize_1_0 == frozen.at("mb_host_api"));
    CHECK(abi::kProviderVtableSize_1_0 == frozen.at("mb_provider_vtable"));
    CHECK(abi::kProviderDescriptorSize_1_0 == frozen.at("mb_provider_descriptor"));
    CHECK(abi::kHostInfoSize_1_0 == frozen.at("mb_host_info"));
    CHECK(abi::kPluginEntrySize_1_0 == frozen.at("mb_plugin_entry"));
    CHECK(frozen.size() == 8);
}

TEST_CASE("a plugin built against the frozen 1.0 header loads and serves in this host") {
    auto registry = loadFolders({versionedDir("v1_0")});
    REQUIRE(registry.plugins().size() == 1);
    CHECK(registry.plugins()[0].abiVersion == MB_ABI_MAKE_VERSION(1, 0));
    CHECK(registry.find("frozen") != nullptr);
    CHECK(ask("v1_0", "frozen/any") == "frozen plugin built for ABI 1.0\n");
}

TEST_CASE("an old plugin in a newer host: the 1.2 field the 1.0 descriptor lacks reads as NULL") {
    DescriptorSeen seen = readWithNewerHost(versionedDir("v1_0") / "frozen.so", kTestNextVersion);
    CHECK(seen.abiVersion == MB_ABI_MAKE_VERSION(1, 0));
    CHECK(seen.structSize == 80);
    CHECK(seen.name == "ABI fixture frozen");
    CHECK_FALSE(seen.docsUrl.has_value());
}

TEST_CASE("a newer plugin: 1.2 with its new field to a 1.2 host, 1.1 to this host, which ignores the bigger tail") {
    DescriptorSeen seen = readWithNewerHost(versionedDir("v1_2") / "grown.so", kTestNextVersion);
    CHECK(seen.abiVersion == kTestNextVersion);
    CHECK(seen.structSize == 88);
    CHECK(seen.docsUrl == std::optional<std::string>("https://example.org/docs"));

    auto registry = loadFolders({versionedDir("v1_2")});
    REQUIRE(registry.plugins().size() == 1);
    CHECK(registry.skipped().empty());
    CHECK(registry.plugins()[0].abiVersion == MB_ABI_CURRENT);
    auto provider = registry.find("grown");
    REQUIRE(provider != nullptr);
    CHECK(provider->info.name == "ABI fixture grown");
    CHECK(ask("v1_2", "grown/any") == "grown plugin built for ABI 1.1\n");

    // A 1.0-only host still gets 1.0 from it.
    DescriptorSeen old = readWithNewerHost(versionedDir("v1_2") / "grown.so", MB_ABI_MAKE_VERSION(1, 0));
    CHECK(old.abiVersion == MB_ABI_MAKE_VERSION(1, 0));
}

TEST_CASE("a 1.1 plugin that sets MB_CAP_NO_API_KEY answers 1.0 to a host that offers only 1.0") {
    // docs/abi-changelog.md, 1.1: it must not rely on the bit there; this host, offered 1.0, would ignore it.
    CHECK(readWithNewerHost(fixturePlugin("nokey"), MB_ABI_MAKE_VERSION(1, 0)).abiVersion == MB_ABI_MAKE_VERSION(1, 0));
    CHECK(readWithNewerHost(fixturePlugin("nokey"), MB_ABI_CURRENT).abiVersion == MB_ABI_MAKE_VERSION(1, 1));
    CHECK(readWithNewerHost(fixturePlugin("nokey"), kTestNextVersion).abiVersion == MB_ABI_MAKE_VERSION(1, 1));
    CHECK(readWithNewerHost(fixturePlugin("nokey10"), MB_ABI_CURRENT).abiVersion == MB_ABI_MAKE_VERSION(1, 0));

    // What this host keeps of the descriptor's bits, by the version the plugin chose.
    namespace abi = moltbot::plugin::abi;
    CHECK(abi::capabilitiesOf(MB_ABI_MAKE_VERSION(1, 0)) == 0x3Fu);
    CHECK(abi::capabilitiesOf(MB_ABI_MAKE_VERSION(1, 1)) == 0x7Fu);
    CHECK((abi::capabilitiesOf(MB_ABI_CURRENT) & MB_CAP_NO_API_KEY) != 0);
}
