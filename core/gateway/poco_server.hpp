// The gateway over Poco::Net: Poco's HTTP server session, request and response classes on a TCPServer with a
// connection loop of our own, which adds what Poco lacks: a deadline on the whole request head (a client that sends
// a byte a second cannot hold a thread), errors in OpenAI's shape for heads Poco refuses, and closing idle
// keep-alive connections when draining.
#pragma once

#include "core/gateway/gateway.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace moltbot::gateway {

class PocoServer {
public:
    // Binds settings.host:settings.port (0: a free port). Throws std::runtime_error naming the address on failure.
    PocoServer(Gateway &gateway, const Settings &settings);
    ~PocoServer();
    PocoServer(const PocoServer &) = delete;
    PocoServer &operator=(const PocoServer &) = delete;

    uint16_t port() const;
    void start();
    // Drain: no new connections, and connections waiting for their next request are closed.
    void stopAccepting();
    // The end: every connection is shut down, whatever it is doing.
    void closeAll();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace moltbot::gateway
