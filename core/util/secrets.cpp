#include "core/util/secrets.hpp"

#include <algorithm>

namespace moltbot::util {

std::string maskSecret(std::string_view secret) {
    if (secret.empty()) return "missing";
    // Short keys keep proportionally less, so that the shown part never reveals most of the key.
    std::size_t head = std::min<std::size_t>(8, secret.size() / 4);
    std::size_t tail = std::min<std::size_t>(4, secret.size() / 8);
    return std::string(secret.substr(0, head)) + "..." + std::string(secret.substr(secret.size() - tail));
}

}  // namespace moltbot::util
