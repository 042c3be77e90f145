// Whether a host name is this machine's loopback: what never leaves the machine (a local model server, a gateway
// nobody else can reach).
#pragma once

#include <string_view>

namespace moltbot::util {

// localhost, 127.0.0.0/8 and ::1 (bracketed or not).
bool isLoopbackHost(std::string_view host);

}  // namespace moltbot::util
