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

// Runs `moltbot ARGS...` against the fixture's state folder (its config, its request log).
moltbot::test::RunResult cli(ServeFixture &fixture, std::vector<std::string> args);
// Runs `moltbot keys ...` against the fixture's state folder (and so its config's state backend); fails the test
// unless it exits 0. Returns its standard output.
std::string keys(ServeFixture &fixture, std::vector<std::string> args);
// Creates a key and returns its secret.
std::string createKey(ServeFixture &fixture, std::vector<std::string> flags);
// `moltbot keys show NAME --json`.
rapidjson::Document showKey(ServeFixture &fixture, const std::string &name);
// "Authorization: Bearer <secret>\r\n"
std::string bearer(const std::string &secret);

// `count` chat requests at once, each on its own connection, request i to servers[i % size]; the responses in no
// particular order. Every request must get an answer: the ones that did not are counted, and the servers' output
// is shown with them.
std::vector<Response> burst(const std::vector<ServeFixture *> &servers, const std::string &body,
                            const std::string &headers, int count);
inline std::vector<Response> burst(ServeFixture &fixture, const std::string &body, const std::string &headers,
                                   int count) {
    return burst(std::vector<ServeFixture *>{&fixture}, body, headers, count);
}

// The cost the upstream reported for a streamed answer (its usage chunk); -1 when none.
double streamedCost(const Response &response);

}  // namespace moltbot::gateway::test
