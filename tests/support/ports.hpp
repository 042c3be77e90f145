// Loopback ports for the servers a test starts (redis-server, HAProxy, nginx): one that is free, and whether one
// accepts connections yet.
#pragma once

#include <chrono>

namespace moltbot::test {

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then closed).
int freeLoopbackPort();

// Whether something accepts a TCP connection on 127.0.0.1:port right now.
bool loopbackAccepts(int port);

}  // namespace moltbot::test
