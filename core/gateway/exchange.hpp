// One HTTP request and its response as the gateway sees them, whatever server library carries them: the request
// path (read, pipeline, write) is written against this, and core/gateway/poco_server.cpp adapts Poco::Net to it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moltbot::gateway {

using Headers = std::vector<std::pair<std::string, std::string>>;

enum class BodyRead {
    Ok,        // the whole body is in the buffer
    TooLarge,  // longer than the limit: nothing more was read
    Failed,    // the client went away, or was too slow
};

class Exchange {
public:
    virtual ~Exchange() = default;

    virtual std::string_view method() const = 0;
    // The request target without its query string: "/v1/chat/completions".
    virtual std::string_view path() const = 0;
    // A request header (case-insensitive name), or std::nullopt.
    virtual std::optional<std::string> header(std::string_view name) const = 0;
    // The declared Content-Length, or -1 when the body is chunked or absent.
    virtual int64_t contentLength() const = 0;
    // Reads the whole body into `into`, refusing more than `limit` bytes.
    virtual BodyRead readBody(std::size_t limit, std::string &into) = 0;

    // A whole response with its body. `headers` come on top of the Content-Type and Content-Length.
    virtual void respond(int status, const Headers &headers, std::string_view contentType, std::string_view body) = 0;
    // Starts a streamed response (chunked); false when the client is already gone.
    virtual bool beginStream(int status, const Headers &headers, std::string_view contentType) = 0;
    // Sends `data` of a started stream at once (no buffering of the answer); false when the client is gone or too
    // slow to read it.
    virtual bool write(std::string_view data) = 0;
    // Whether the client closed its connection (polled while the upstream works, so a client that left cancels
    // the upstream call). Cheap, callable often.
    virtual bool clientGone() = 0;
    // Asks the server to close the connection after this response (a drain, a refused body).
    virtual void closeAfter() = 0;
    // Called from another thread while the request's own thread is stuck (a plugin that never returns): ends the
    // exchange with `status` and OpenAI's error object `errorJson` (an SSE error event when a stream began), then
    // closes the connection. With status -1 it only closes the connection. Nothing else is called after it.
    virtual void abandon(int status, std::string_view errorJson) = 0;
};

}  // namespace moltbot::gateway
