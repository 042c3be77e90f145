// A running `moltbot serve` for a test: an in-process OpenRouter simulator, a throwaway state folder with a config,
// and the real binary started on a free loopback port (killed by its PID when the fixture goes, whatever happened).
#pragma once

#include "tests/gateway/http_client.hpp"
#include "tests/simulator/sim_client.hpp"
#include "tests/support/process.hpp"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace moltbot::gateway::test {

// Primary claude-sonnet-4.5 (alias "sonnet", temperature 0.3, provider order anthropic), fallback openai/gpt-5.2.
extern const std::string kConfig;
inline const std::string kSonnet = "openrouter/anthropic/claude-sonnet-4.5";
inline const std::string kGpt = "openrouter/openai/gpt-5.2";

class ServeFixture {
public:
    explicit ServeFixture(const std::string &config = kConfig, sim::Options simulator = {});
    // Fails the test, showing the server's output, when a sanitizer reported in the server (a sanitized build
    // stops the server at its first report, and the test would otherwise see only a missing answer).
    ~ServeFixture();
    ServeFixture(const ServeFixture &) = delete;
    ServeFixture &operator=(const ServeFixture &) = delete;
    // Starts the server with these extra flags; fails the test when it does not print its listening line in time.
    void start(std::vector<std::string> flags = {});
    // Rewrites the config file (for a reload).
    void writeConfig(const std::string &config) const;

    int port() const { return port_; }
    moltbot::test::Background &server() { return *server_; }
    std::string log() const { return server_->output(); }

    // The simulator's chat requests, in order ({"body", "headers", "model", ...} each).
    rapidjson::Document chatRequests();
    void faults(const std::string &json) { sim.faults(json); }

    sim::test::Fixture sim;
    moltbot::test::TempDir state;
    // Put before the binary on its command line ({"prlimit", "--fsize=65536"}): a limit for the server alone.
    std::vector<std::string> launcher;
    // More environment for the server ({"MOLTBOT_PLUGIN_PATH", ...}).
    std::map<std::string, std::string> env;

private:
    std::unique_ptr<moltbot::test::Background> server_;
    int port_ = 0;
};

// {"model": model, "messages": [{"role": "user", "content": text}]} plus `extra` members; no model when it is "".
std::string chatBody(const std::string &model, const std::string &text, const std::string &extra = "");

}  // namespace moltbot::gateway::test
