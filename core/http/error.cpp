#include "core/http/error.hpp"

#include <cstddef>
#include <cstring>

namespace moltbot::http {

namespace {

// True when the reader of a struct of `size` bytes has the member ending at offsetof + sizeof.
constexpr bool covers(uint32_t size, std::size_t offset, std::size_t memberSize) { return offset + memberSize <= size; }

}  // namespace

void setError(mb_error *error, int32_t code, int32_t httpStatus, std::string_view message) noexcept {
    if (error == nullptr) return;
    const uint32_t size = error->struct_size;
    if (covers(size, offsetof(mb_error, code), sizeof error->code)) error->code = code;
    if (covers(size, offsetof(mb_error, http_status), sizeof error->http_status)) error->http_status = httpStatus;
    if (covers(size, offsetof(mb_error, retry_after_ms), sizeof error->retry_after_ms)) error->retry_after_ms = -1;
    if (!covers(size, offsetof(mb_error, message), sizeof error->message) || error->message == nullptr ||
        error->message_capacity == 0)
        return;
    std::size_t n = message.size() < error->message_capacity ? message.size() : error->message_capacity - 1;
    // Back off continuation bytes so a cut never leaves half a UTF-8 character.
    if (n < message.size())
        while (n > 0 && (static_cast<unsigned char>(message[n]) & 0xC0) == 0x80) --n;
    std::memcpy(error->message, message.data(), n);
    error->message[n] = '\0';
}

}  // namespace moltbot::http
