// Helpers for tests that load the fixture plugins of tests/fixtures/plugins and call them.
#pragma once

#include "core/plugin/provider_instance.hpp"
#include "core/plugin/registry.hpp"

#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace moltbot::test {

// The build folder of one fixture plugin, e.g. fixtureDir("echo"), and its .so file.
std::filesystem::path fixtureDir(const std::string &name);
std::filesystem::path fixturePlugin(const std::string &name);

struct LogCapture {
    std::ostringstream stream;
};

// DefaultHostServices whose log lines are kept for the test to read.
class CapturingServices : private LogCapture, public plugin::DefaultHostServices {
public:
    explicit CapturingServices(int32_t minLevel = MB_LOG_WARNING) : DefaultHostServices(stream, minLevel) {}
    std::string logged() const { return stream.str(); }
};

// Loads `folders` as if they were the entries of $MOLTBOT_PLUGIN_PATH.
plugin::Registry loadFolders(const std::vector<std::filesystem::path> &folders,
                             std::shared_ptr<plugin::HostServices> services = std::make_shared<CapturingServices>());

// An OpenAI Chat Completions request with one user message.
std::string chatRequest(const std::string &model, const std::string &message);

struct Answer {
    plugin::CallResult result;
    std::string text;                 // the text deltas, joined
    std::vector<uint32_t> kinds;      // every event kind, in order
    std::vector<std::string> events;  // every payload, in order
};

// Creates an instance of the provider serving `prefix` and streams one user message to `model` through it.
Answer streamMessage(const plugin::Registry &registry, const std::string &prefix, const std::string &model,
                     const std::string &message = "hi");
// The same on an existing instance, with an optional cancel check.
Answer streamMessage(const plugin::ProviderInstance &instance, const std::string &model,
                     const std::string &message = "hi", const plugin::CancelCheck &cancelled = {});

}  // namespace moltbot::test
