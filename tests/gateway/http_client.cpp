#include "tests/gateway/http_client.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace moltbot::gateway::test {

namespace {

using Clock = std::chrono::steady_clock;

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

}  // namespace

rapidjson::Document Response::json() const {
    rapidjson::Document document;
    document.Parse(body.data(), body.size());
    REQUIRE_MESSAGE(!document.HasParseError(), "not JSON: " << body.substr(0, 300));
    return document;
}

namespace {

// A connected loopback socket, or -1 with errno set.
int connectTo(int port, int receiveBuffer) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (receiveBuffer > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof receiveBuffer);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
        int error = errno;
        ::close(fd);
        errno = error;
        return -1;
    }
    return fd;
}

}  // namespace

Connection::Connection(int port, int receiveBuffer) : fd_(connectTo(port, receiveBuffer)) {
    REQUIRE_MESSAGE(fd_ >= 0, "cannot connect to 127.0.0.1:" << port << ": " << std::strerror(errno));
}

Connection::Connection(int port, std::nothrow_t) : fd_(connectTo(port, 0)) {}

Connection::~Connection() { close(); }

void Connection::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

bool Connection::send(std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

bool Connection::fill(Clock::time_point deadline) {
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return false;
        pollfd wait{fd_, POLLIN, 0};
        int ready = ::poll(&wait, 1, static_cast<int>(left));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return false;
        char chunk[65536];
        ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        buffer_.append(chunk, static_cast<std::size_t>(n));
        return true;
    }
}

std::optional<Response> Connection::read(std::chrono::milliseconds timeout) {
    Clock::time_point deadline = Clock::now() + timeout;
    std::size_t headEnd;
    while ((headEnd = buffer_.find("\r\n\r\n")) == std::string::npos) {
        if (!fill(deadline)) return std::nullopt;
    }
    Response response;
    std::string head = buffer_.substr(0, headEnd);
    buffer_.erase(0, headEnd + 4);
    std::size_t lineEnd = head.find("\r\n");
    std::string statusLine = head.substr(0, lineEnd);
    if (statusLine.size() < 12) return std::nullopt;
    response.status = std::stoi(statusLine.substr(9, 3));
    std::size_t at = lineEnd == std::string::npos ? head.size() : lineEnd + 2;
    while (at < head.size()) {
        std::size_t end = head.find("\r\n", at);
        if (end == std::string::npos) end = head.size();
        std::string line = head.substr(at, end - at);
        std::size_t colon = line.find(':');
        if (colon != std::string::npos) {
            std::string value = line.substr(colon + 1);
            value.erase(0, value.find_first_not_of(' '));
            response.headers[lower(line.substr(0, colon))] = value;
        }
        at = end + 2;
    }
    if (lower(response.header("transfer-encoding")) == "chunked") {
        for (;;) {
            std::size_t sizeEnd;
            while ((sizeEnd = buffer_.find("\r\n")) == std::string::npos) {
                if (!fill(deadline)) return std::nullopt;
            }
            std::size_t size = std::stoul(buffer_.substr(0, sizeEnd), nullptr, 16);
            while (buffer_.size() < sizeEnd + 2 + size + 2) {
                if (!fill(deadline)) return std::nullopt;
            }
            response.body += buffer_.substr(sizeEnd + 2, size);
            buffer_.erase(0, sizeEnd + 2 + size + 2);
            if (size == 0) return response;
        }
    }
    if (!response.header("content-length").empty()) {
        std::size_t length = std::stoul(response.header("content-length"));
        while (buffer_.size() < length) {
            if (!fill(deadline)) return std::nullopt;
        }
        response.body = buffer_.substr(0, length);
        buffer_.erase(0, length);
        return response;
    }
    while (fill(deadline)) {
    }
    response.body = std::move(buffer_);
    buffer_.clear();
    return response;
}

std::optional<Response> Connection::readSome(std::chrono::milliseconds timeout) {
    Clock::time_point deadline = Clock::now() + timeout;
    while (buffer_.find("\r\n\r\n") == std::string::npos) {
        if (!fill(deadline)) return std::nullopt;
    }
    while (fill(deadline)) {
    }
    Response response;
    response.status = std::stoi(buffer_.substr(9, 3));
    response.body = buffer_.substr(buffer_.find("\r\n\r\n") + 4);
    return response;
}

bool Connection::closedWithin(std::chrono::milliseconds timeout) {
    Clock::time_point deadline = Clock::now() + timeout;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return false;
        pollfd wait{fd_, POLLIN, 0};
        if (::poll(&wait, 1, static_cast<int>(left)) <= 0) continue;
        char chunk[65536];
        ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) return true;
    }
}

std::string postRequest(const std::string &path, std::string_view body, const std::string &extraHeaders) {
    return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" + extraHeaders +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

Response post(int port, const std::string &path, std::string_view body, const std::string &extraHeaders) {
    Connection connection(port);
    REQUIRE(connection.send(postRequest(path, body, extraHeaders)));
    auto response = connection.read();
    REQUIRE_MESSAGE(response.has_value(), "no response to POST " << path);
    return *response;
}

std::optional<Response> tryPost(int port, const std::string &path, std::string_view body,
                                const std::string &extraHeaders) {
    Connection connection(port, std::nothrow);
    if (!connection.connected() || !connection.send(postRequest(path, body, extraHeaders))) return std::nullopt;
    return connection.read();
}

Response get(int port, const std::string &path) {
    Connection connection(port);
    REQUIRE(connection.send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    auto response = connection.read();
    REQUIRE_MESSAGE(response.has_value(), "no response to GET " << path);
    return *response;
}

}  // namespace moltbot::gateway::test
