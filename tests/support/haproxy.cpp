#include "tests/support/haproxy.hpp"

#include "tests/support/examples.hpp"
#include "tests/support/ports.hpp"

#include <chrono>
#include <stdexcept>
#include <thread>

namespace moltbot::test {

Haproxy::Haproxy(const std::vector<int> &serverPorts) : port_(freeLoopbackPort()) {
    // The example of docs/deploy.md as written, with the test's loopback addresses and checks every 200 ms.
    std::string servers;
    for (std::size_t i = 0; i < serverPorts.size(); ++i) {
        servers += "    server g" + std::to_string(i) + " 127.0.0.1:" + std::to_string(serverPorts[i]) + "\n";
    }
    std::string config = exampleWith(
        "docs/examples/deploy/haproxy.cfg",
        {{"bind :4000", "bind 127.0.0.1:" + std::to_string(port_)},
         {"check inter 2s", "check inter 200ms"},
         {"    server a 10.0.0.11:4000\n    server b 10.0.0.12:4000\n    server c 10.0.0.13:4000\n", servers}});
    std::filesystem::path file = dir_.write("haproxy.cfg", config);
    RunOptions options;
    options.env["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    server_ = std::make_unique<Background>(std::vector<std::string>{"haproxy", "-db", "-f", file.string()}, options);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!loopbackAccepts(port_)) {
        if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("haproxy did not start: " + log());
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    // The servers start as up (no "init-state"), so requests flow at once; the checks take a dead one out.
}

}  // namespace moltbot::test
