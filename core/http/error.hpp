// Filling a host-owned mb_error safely.
#pragma once

#include <moltbot/plugin.h>

#include <cstdint>
#include <string_view>

namespace moltbot::http {

// Sets code, http_status and retry_after_ms (-1: unknown) and copies `message` into error->message, truncated to
// message_capacity - 1 bytes (never inside a UTF-8 sequence) and NUL-terminated. Fields beyond error->struct_size
// are left alone; a NULL error, a NULL message buffer or a zero capacity are accepted.
void setError(mb_error *error, int32_t code, int32_t httpStatus, std::string_view message) noexcept;

}  // namespace moltbot::http
