// Showing secrets safely: an API key is never printed in full.
#pragma once

#include <string>
#include <string_view>

namespace moltbot::util {

// "sk-or-v1...cdef": at most the first 8 and the last 4 characters, and never more than three eighths of the key.
// Empty input gives "missing".
std::string maskSecret(std::string_view secret);

}  // namespace moltbot::util
