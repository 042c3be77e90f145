// A raw-socket HTTP/1.1 server on 127.0.0.1 for transport tests: it can stall, trickle, drop connections and count
// them, which a full HTTP server library hides.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace moltbot::test {

struct HttpRequest {
    std::string method;
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    // The value of a header (name case-insensitive), if present.
    std::optional<std::string> header(std::string_view name) const;
};

class LoopbackServer;

// One accepted connection, seen from the handler.
class Connection {
public:
    Connection(LoopbackServer &server, int fd) : server_(server), fd_(fd) {}
    // The next request with its Content-Length body; nullopt once the peer closed or the server stops.
    std::optional<HttpRequest> readRequest();
    // False once the peer is gone.
    bool send(std::string_view bytes);
    LoopbackServer &server() { return server_; }

private:
    LoopbackServer &server_;
    int fd_;
    std::string buffer_;
};

class LoopbackServer {
public:
    // Called for each request on a connection; returning false closes the connection.
    using Handler = std::function<bool(Connection &, const HttpRequest &)>;

    explicit LoopbackServer(Handler handler);
    // Closes the listener and every connection, opens the gate and joins all threads.
    ~LoopbackServer();
    LoopbackServer(const LoopbackServer &) = delete;
    LoopbackServer &operator=(const LoopbackServer &) = delete;

    uint16_t port() const { return port_; }
    std::string url(std::string_view path = "/") const;
    int connections() const { return connections_.load(); }
    std::vector<HttpRequest> requests() const;

    // A gate for handlers that hold a response back until the test says so.
    void openGate();
    // Waits at the gate; true when the test opened it, false after `limit` or when the server stops.
    bool waitAtGate(std::chrono::milliseconds limit);

private:
    friend class Connection;
    void acceptLoop();
    void record(HttpRequest request);

    Handler handler_;
    int listenFd_ = -1;
    uint16_t port_ = 0;
    std::atomic<int> connections_{0};
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    std::condition_variable gateChanged_;
    bool gateOpen_ = false;
    std::vector<int> connectionFds_;
    std::vector<std::thread> connectionThreads_;
    std::vector<HttpRequest> requests_;
    std::thread acceptThread_;
};

// "HTTP/1.1 <status> X\r\nContent-Length: <n>\r\n<extraHeaders>\r\n<body>"; extraHeaders are "\r\n"-terminated.
std::string httpResponse(int status, std::string_view body, std::string_view extraHeaders = {});
// The head of a chunked response, and one chunk of it (an empty piece is the last chunk).
std::string chunkedHead(int status);
std::string chunk(std::string_view piece);

}  // namespace moltbot::test
