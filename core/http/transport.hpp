// The host's HTTP service (mb_host_api::http_request) on libcurl: one blocking, streaming transfer per call.
#pragma once

#include "core/http/cancel.hpp"

#include <moltbot/plugin.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace moltbot::http {

struct TransportOptions {
    // Time to establish a connection (DNS, TCP, proxy and TLS handshakes).
    std::chrono::milliseconds connectTimeout{std::chrono::seconds(10)};
    // Longest silence once connected: no byte sent or received for this long ends the transfer. 0 = none.
    std::chrono::milliseconds idleTimeout{std::chrono::seconds(120)};
    // Idle connection handles kept for reuse; each keeps its keep-alive connections open.
    std::size_t maxIdleHandles = 8;
};

// Performs mb_http_request transfers. Thread-safe: request() may run on many threads at once. Connections are kept
// alive in a pool of curl multi handles that lives as long as the Transport, so sequential requests to one host
// reuse one connection. The Transport must outlive every request().
//
// Behaviour of one request:
//  - The request's headers ("Name: value\n" lines) are sent as given. The transport adds "User-Agent: moltbot/<v>"
//    unless one is given, sends no Accept-Encoding (bodies reach on_body exactly as sent), never sends
//    "Expect: 100-continue", and drops curl's default form Content-Type for bodies without one.
//  - on_head gets the final response only (1xx blocks are skipped): the status and a block of "\r\n"-terminated
//    lines, the status line first. It runs before any body byte; on_body then gets each piece as it arrives.
//    A non-zero return from either aborts the transfer with MB_ERR_CANCELLED.
//  - Redirects are never followed: a 3xx is a response like any other (API endpoints do not move, and following
//    would resend a POST body and credentials elsewhere).
//  - Only http and https; TLS peers are verified. Loopback hosts (localhost, 127.0.0.0/8, ::1) never go through a
//    proxy; other hosts honour http_proxy/https_proxy/no_proxy as libcurl does.
//  - Limits: the connect and idle timeouts of TransportOptions, request.timeout_ms for the whole transfer, and the
//    cancel token, flag and deadline of `control` (see CallControl). Timeouts and a CancelToken act within
//    milliseconds even while the peer is silent; a polled CallControl::cancelled within 50 ms.
//
// Returns MB_OK once a response arrived completely, whatever its status. Otherwise fills `error` (code, the
// http_status when the head had arrived, and a message naming host:port and the reason) and returns
// MB_ERR_TRANSPORT, MB_ERR_TIMEOUT, MB_ERR_CANCELLED, MB_ERR_INVALID_ARGUMENT (a NULL or non-http(s) URL, a missing
// method) or MB_ERR_INTERNAL.
class Transport {
public:
    explicit Transport(TransportOptions options = {});
    ~Transport();
    Transport(const Transport &) = delete;
    Transport &operator=(const Transport &) = delete;

    int32_t request(const mb_http_request &request, mb_error *error, const CallControl *control = nullptr) noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace moltbot::http
