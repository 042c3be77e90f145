#include "tests/http/loopback_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace moltbot::test {

namespace {

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return (x | 0x20) == (y | 0x20); });
}

}  // namespace

std::optional<std::string> HttpRequest::header(std::string_view name) const {
    for (const auto &[key, value] : headers)
        if (equalsIgnoreCase(key, name)) return value;
    return std::nullopt;
}

std::optional<HttpRequest> Connection::readRequest() {
    const auto fill = [this] {
        char chunk[16384];
        const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n <= 0) return false;
        buffer_.append(chunk, static_cast<size_t>(n));
        return true;
    };
    size_t headEnd;
    while ((headEnd = buffer_.find("\r\n\r\n")) == std::string::npos)
        if (!fill()) return std::nullopt;
    HttpRequest request;
    std::string_view head(buffer_.data(), headEnd);
    const auto lineEnd = [](std::string_view text) { return std::min(text.find("\r\n"), text.size()); };
    std::string_view requestLine = head.substr(0, lineEnd(head));
    request.method = requestLine.substr(0, requestLine.find(' '));
    requestLine.remove_prefix(std::min(requestLine.size(), request.method.size() + 1));
    request.target = requestLine.substr(0, requestLine.find(' '));
    head.remove_prefix(std::min(head.size(), lineEnd(head) + 2));
    while (!head.empty()) {
        const std::string_view line = head.substr(0, lineEnd(head));
        head.remove_prefix(std::min(head.size(), line.size() + 2));
        const auto colon = line.find(':');
        std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        request.headers.emplace_back(line.substr(0, colon), value);
    }
    const size_t length = std::stoul(request.header("Content-Length").value_or("0"));
    buffer_.erase(0, headEnd + 4);
    while (buffer_.size() < length)
        if (!fill()) return std::nullopt;
    request.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    server_.record(request);
    return request;
}

bool Connection::send(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

LoopbackServer::LoopbackServer(Handler handler) : handler_(std::move(handler)) {
    listenFd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listenFd_ < 0) throw std::runtime_error("socket failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (::bind(listenFd_, reinterpret_cast<sockaddr *>(&address), size) != 0 || ::listen(listenFd_, 64) != 0 ||
        ::getsockname(listenFd_, reinterpret_cast<sockaddr *>(&address), &size) != 0) {
        ::close(listenFd_);
        throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(address.sin_port);
    acceptThread_ = std::thread([this] { acceptLoop(); });
}

LoopbackServer::~LoopbackServer() {
    {
        std::lock_guard lock(mutex_);  // under the lock, so no handler misses the wake-up at the gate
        stopping_ = true;
    }
    ::shutdown(listenFd_, SHUT_RDWR);  // wakes accept()
    acceptThread_.join();
    ::close(listenFd_);
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(mutex_);
        for (int fd : connectionFds_) ::shutdown(fd, SHUT_RDWR);  // wakes recv() in handlers
        threads.swap(connectionThreads_);
    }
    gateChanged_.notify_all();
    for (auto &thread : threads) thread.join();
    for (int fd : connectionFds_) ::close(fd);
}

void LoopbackServer::acceptLoop() {
    for (;;) {
        const int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) return;
        std::lock_guard lock(mutex_);
        if (stopping_) {
            ::close(fd);
            return;
        }
        ++connections_;
        connectionFds_.push_back(fd);
        connectionThreads_.emplace_back([this, fd] {
            Connection connection(*this, fd);
            while (!stopping_) {
                const auto request = connection.readRequest();
                if (!request || !handler_(connection, *request)) break;
            }
            // The fd stays open (shut down) until the server ends, so a stop never shuts down a reused number.
            ::shutdown(fd, SHUT_RDWR);
        });
    }
}

void LoopbackServer::record(HttpRequest request) {
    std::lock_guard lock(mutex_);
    requests_.push_back(std::move(request));
}

std::vector<HttpRequest> LoopbackServer::requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
}

std::string LoopbackServer::url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

void LoopbackServer::openGate() {
    {
        std::lock_guard lock(mutex_);
        gateOpen_ = true;
    }
    gateChanged_.notify_all();
}

bool LoopbackServer::waitAtGate(std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    gateChanged_.wait_for(lock, limit, [this] { return gateOpen_ || stopping_; });
    return gateOpen_;
}

std::string httpResponse(int status, std::string_view body, std::string_view extraHeaders) {
    return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
           std::string(extraHeaders) + "\r\n" + std::string(body);
}

std::string chunkedHead(int status) {
    return "HTTP/1.1 " + std::to_string(status) + " X\r\nTransfer-Encoding: chunked\r\n\r\n";
}

std::string chunk(std::string_view piece) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
    return size + std::string(piece) + "\r\n";
}

}  // namespace moltbot::test
