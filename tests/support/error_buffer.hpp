// An mb_error as a host hands it to a plugin or a transport: with a message buffer of its own, retry-after unknown.
#pragma once

#include <moltbot/plugin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace moltbot::test {

struct ErrorBuffer {
    explicit ErrorBuffer(std::size_t capacity = 1024) : text(capacity, '\0') {
        error.struct_size = sizeof error;
        error.message = text.data();
        error.message_capacity = static_cast<uint32_t>(capacity);
        error.retry_after_ms = -1;
    }
    // error.message points into text: a copy would point into the original.
    ErrorBuffer(const ErrorBuffer &) = delete;
    ErrorBuffer &operator=(const ErrorBuffer &) = delete;

    // Up to the NUL, and never past the buffer when a callee left none.
    std::string message() const { return std::string(text.data(), strnlen(text.data(), text.size())); }

    std::vector<char> text;
    mb_error error{};
};

}  // namespace moltbot::test
