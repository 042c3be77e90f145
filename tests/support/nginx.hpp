// An nginx of the test's own (Debian's /usr/sbin/nginx, one process: `master_process off`) on a free loopback port,
// running an http-context snippet such as docs/examples/deploy/nginx.conf. Killed by its PID when the object goes
// (moltbot::test::Background), whatever happened in the test.
#pragma once

#include "tests/support/process.hpp"

#include <memory>
#include <string>

namespace moltbot::test {

class Nginx {
public:
    // Starts nginx with `httpSnippet` inside its http block; throws when it does not start.
    explicit Nginx(const std::string &httpSnippet, int port);
    int port() const { return port_; }
    // nginx's error log (its access log is off).
    std::string log() const;

private:
    TempDir dir_;
    int port_ = 0;
    std::unique_ptr<Background> server_;
};

}  // namespace moltbot::test
