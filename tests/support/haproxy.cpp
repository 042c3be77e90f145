#include "tests/support/haproxy.hpp"

#include "tests/support/ports.hpp"

#include <chrono>
#include <stdexcept>
#include <thread>

namespace moltbot::test {

Haproxy::Haproxy(const std::vector<int> &serverPorts) : port_(freeLoopbackPort()) {
    std::string config =
        "global\n"
        "    maxconn 4096\n"
        "defaults\n"
        "    mode http\n"
        "    timeout connect 1s\n"
        "    timeout client 60s\n"
        "    timeout server 60s\n"
        "    retries 2\n"
        "    option redispatch\n"
        "frontend fe\n"
        "    bind 127.0.0.1:" + std::to_string(port_) + "\n"
        "    default_backend gateways\n"
        "backend gateways\n"
        "    balance roundrobin\n"
        "    option httpchk GET /ready\n"
        "    http-check expect status 200\n"
        "    default-server check inter 200ms fall 2 rise 2\n";
    for (std::size_t i = 0; i < serverPorts.size(); ++i) {
        config += "    server g" + std::to_string(i) + " 127.0.0.1:" + std::to_string(serverPorts[i]) + "\n";
    }
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
