// The exception guard of every plugin entry point: no exception may cross the C ABI (plugin.h), so each entry point
// runs its body through guard(), which turns a thrown Failure into its status and anything else into
// MB_ERR_INTERNAL, filling the host's mb_error either way.
#pragma once

#include <moltbot/plugin.h>
#include <moltbot/sdk/structs.hpp>

#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <utility>

namespace moltbot::sdk {

// A failure with an ABI status, thrown inside a plugin and caught by guard().
class Failure : public std::exception {
public:
    Failure(int32_t code, std::string message, int32_t httpStatus = 0, int64_t retryAfterMs = -1)
        : code_(code), httpStatus_(httpStatus), retryAfterMs_(retryAfterMs), message_(std::move(message)) {}
    const char *what() const noexcept override { return message_.c_str(); }
    int32_t code() const { return code_; }
    int32_t httpStatus() const { return httpStatus_; }
    int64_t retryAfterMs() const { return retryAfterMs_; }
    const std::string &message() const { return message_; }

private:
    int32_t code_;
    int32_t httpStatus_;
    int64_t retryAfterMs_;
    std::string message_;
};

// The length of the longest prefix of `text` that fits in `capacity` bytes and does not split a UTF-8 sequence.
inline std::size_t utf8Prefix(std::string_view text, std::size_t capacity) {
    if (text.size() <= capacity) return text.size();
    std::size_t n = capacity;
    // Step back over continuation bytes (10xxxxxx) so the cut falls before a lead byte.
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0u) == 0x80u) --n;
    return n;
}

// Fills the host-owned error (any field the host's struct lacks is skipped) and returns `code`.
inline int32_t setError(mb_error *error, int32_t code, std::string_view message, int32_t httpStatus = 0,
                        int64_t retryAfterMs = -1) noexcept {
    if (error == nullptr) return code;
    if (hasField(error, &mb_error::code)) error->code = code;
    if (hasField(error, &mb_error::http_status)) error->http_status = httpStatus;
    if (hasField(error, &mb_error::retry_after_ms)) error->retry_after_ms = retryAfterMs;
    if (hasField(error, &mb_error::message) && error->message != nullptr && error->message_capacity > 0) {
        std::size_t n = utf8Prefix(message, error->message_capacity - 1);
        std::memcpy(error->message, message.data(), n);
        error->message[n] = '\0';
    }
    return code;
}

inline int32_t setError(mb_error *error, const Failure &failure) noexcept {
    return setError(error, failure.code(), failure.message(), failure.httpStatus(), failure.retryAfterMs());
}

// Runs `body` (returning an int32_t status) and converts every exception into a status plus a filled error.
template <class Body>
int32_t guard(mb_error *error, Body &&body) noexcept {
    try {
        return std::forward<Body>(body)();
    } catch (const Failure &failure) {
        return setError(error, failure);
    } catch (const std::bad_alloc &) {
        return setError(error, MB_ERR_INTERNAL, "out of memory");
    } catch (const std::exception &e) {
        return setError(error, MB_ERR_INTERNAL, std::string("internal error: ") + e.what());
    } catch (...) {
        return setError(error, MB_ERR_INTERNAL, "internal error: unknown exception");
    }
}

}  // namespace moltbot::sdk
