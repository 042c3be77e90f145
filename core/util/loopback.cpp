#include "core/util/loopback.hpp"

namespace moltbot::util {

bool isLoopbackHost(std::string_view host) {
    return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

}  // namespace moltbot::util
