// A raw HTTP/1.1 client over a loopback socket, for driving the gateway exactly as written, malformed requests
// included: bytes out as given, one response in (Content-Length, chunked or until close).
#pragma once

#include <rapidjson/document.h>

#include <chrono>
#include <map>
#include <new>
#include <optional>
#include <string>
#include <string_view>

namespace moltbot::gateway::test {

struct Response {
    int status = 0;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;                            // de-chunked
    std::string header(const std::string &name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
    rapidjson::Document json() const;  // fails the test when the body is not JSON
};

class Connection {
public:
    // Connects to 127.0.0.1:port, with a receive buffer of `receiveBuffer` bytes when > 0 (set before connecting,
    // so that the window the kernel offers stays that small); fails the test when it cannot.
    explicit Connection(int port, int receiveBuffer = 0);
    // Connects without doctest assertions, for threads other than the test's own: connected() says whether it did.
    Connection(int port, std::nothrow_t);
    bool connected() const { return fd_ >= 0; }
    ~Connection();
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;

    // Sends all of `bytes`; false when the peer closed or reset the connection.
    bool send(std::string_view bytes);
    // Reads one whole response; std::nullopt on timeout or when the connection ends before one is complete.
    std::optional<Response> read(std::chrono::milliseconds timeout = std::chrono::seconds(30));
    // Reads the head of a response and whatever body arrives within `timeout` (a stream's beginning).
    std::optional<Response> readSome(std::chrono::milliseconds timeout);
    // Whether the server closed the connection within `timeout` (reads and drops what arrives meanwhile).
    bool closedWithin(std::chrono::milliseconds timeout);
    void close();
    int fd() const { return fd_; }

private:
    bool fill(std::chrono::steady_clock::time_point deadline);  // reads more into buffer_; false at EOF or deadline
    int fd_ = -1;
    std::string buffer_;
};

// "POST <path> HTTP/1.1" with Host, Content-Type application/json and Content-Length.
std::string postRequest(const std::string &path, std::string_view body, const std::string &extraHeaders = "");
// One request on a fresh connection.
Response post(int port, const std::string &path, std::string_view body, const std::string &extraHeaders = "");
Response get(int port, const std::string &path);
// post() without doctest assertions, for threads other than the test's own (doctest's assertions are not
// thread-safe, and a REQUIRE there ends the process): std::nullopt when connecting, sending or reading fails.
std::optional<Response> tryPost(int port, const std::string &path, std::string_view body,
                                const std::string &extraHeaders = "");

}  // namespace moltbot::gateway::test
