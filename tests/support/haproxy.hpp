// An HAProxy of the test's own (Debian's /usr/sbin/haproxy) in front of servers on loopback ports, running the
// example of docs/deploy.md (docs/examples/deploy/haproxy.cfg): round robin, health checks on GET /ready (every
// 200 ms here), a refused connection retried on another server. Killed by its PID when
// the object goes (moltbot::test::Background), whatever happened in the test.
#pragma once

#include "tests/support/process.hpp"

#include <memory>
#include <string>
#include <vector>

namespace moltbot::test {

class Haproxy {
public:
    // Starts it on a free loopback port; throws when it does not start.
    explicit Haproxy(const std::vector<int> &serverPorts);
    int port() const { return port_; }
    std::string log() const { return server_ ? server_->output() : std::string(); }

private:
    TempDir dir_;
    int port_ = 0;
    std::unique_ptr<Background> server_;
};

}  // namespace moltbot::test
