// A redis-server of the test's own (Debian's, found in PATH or /usr/bin): a free loopback port, a throwaway data
// folder, killed by its PID when the object goes (moltbot::test::Background), whatever happened in the test.
#pragma once

#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"

#include <memory>
#include <string>

namespace moltbot::test {

class RedisServer {
public:
    // Starts it; `persistent` keeps the data across stop() and start() (append-only file), as production should.
    explicit RedisServer(bool persistent = false);
    ~RedisServer();
    RedisServer(const RedisServer &) = delete;
    RedisServer &operator=(const RedisServer &) = delete;

    int port() const { return port_; }
    std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }
    // SIGTERM, then waits for it to exit (SIGKILL after 5 s). Returns whether it ran.
    bool stop();
    // Starts it again on the same port and folder; false when it did not say it was ready in time.
    bool start();
    // redis-cli against it: the reply text ("" and the error output when redis-cli failed).
    std::string cli(const std::vector<std::string> &args) const;
    std::string log() const;

private:
    TempDir dir_;
    int port_ = 0;
    bool persistent_ = false;
    std::unique_ptr<Background> server_;
};

}  // namespace moltbot::test
