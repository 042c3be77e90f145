#include "core/gateway/poco_server.hpp"

#include "core/gateway/api_error.hpp"

#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/ThreadPool.h>
#include <Poco/Timestamp.h>

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <chrono>
#include <condition_variable>
#include <list>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace moltbot::gateway {

namespace {

using Clock = std::chrono::steady_clock;
using Poco::Net::HTTPResponse;

// A body nobody reads (a 404, a 405, a GET with a body) up to this size is read and dropped before the answer, so
// the connection can serve its next request; a longer one closes the connection after the answer.
constexpr std::streamsize kDiscardableBody = 64 * 1024;
// After refusing a body, the connection reads and drops what the client still sends for this long before closing,
// so that the client reads the answer instead of a reset (a "lingering close").
constexpr auto kLinger = std::chrono::seconds(2);

// Every open connection with the deadline of what it is waiting for. A watchdog thread shuts down the socket of a
// connection past its deadline, which ends the blocked read inside Poco.
class ConnectionTable {
public:
    struct Entry {
        int fd = -1;
        Clock::time_point deadline = Clock::time_point::max();
        bool idle = true;  // between requests (keep-alive)
    };
    using Handle = std::list<Entry>::iterator;

    ConnectionTable() : watchdog_([this] { watch(); }) {}
    ~ConnectionTable() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        watchdog_.join();
    }

    Handle add(int fd) {
        std::lock_guard lock(mutex_);
        return entries_.insert(entries_.end(), Entry{fd});
    }
    void remove(Handle handle) {
        std::lock_guard lock(mutex_);
        entries_.erase(handle);
    }
    // Returns false when the server is closing connections: the caller stops.
    bool set(Handle handle, Clock::time_point deadline, bool idle) {
        std::lock_guard lock(mutex_);
        handle->deadline = deadline;
        handle->idle = idle;
        return !closing_;
    }
    void closeIdle() { shutdownWhere([](const Entry &entry) { return entry.idle; }); }
    void closeAll() { shutdownWhere([](const Entry &) { return true; }); }

private:
    template <typename Pred>
    void shutdownWhere(Pred pred) {
        std::lock_guard lock(mutex_);
        closing_ = true;
        for (auto &entry : entries_) {
            if (pred(entry)) ::shutdown(entry.fd, SHUT_RDWR);
        }
    }
    void watch() {
        std::unique_lock lock(mutex_);
        while (!wake_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stopping_; })) {
            Clock::time_point now = Clock::now();
            for (auto &entry : entries_) {
                if (entry.deadline <= now) {
                    ::shutdown(entry.fd, SHUT_RDWR);
                    entry.deadline = Clock::time_point::max();
                }
            }
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    std::list<Entry> entries_;
    bool stopping_ = false;
    bool closing_ = false;
    std::thread watchdog_;
};

class PocoExchange : public Exchange {
public:
    PocoExchange(Poco::Net::HTTPServerRequestImpl &request, Poco::Net::HTTPServerResponseImpl &response, int fd,
                 ConnectionTable &table, ConnectionTable::Handle handle, std::chrono::seconds bodyTimeout)
        : request_(request), response_(response), fd_(fd), table_(table), handle_(handle), bodyTimeout_(bodyTimeout) {
        const std::string &uri = request_.getURI();
        std::string_view target = uri;
        if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0) {  // absolute-form
            std::size_t slash = target.find('/', target.find("//") + 2);
            target = slash == std::string_view::npos ? "/" : target.substr(slash);
        }
        path_ = target.substr(0, target.find('?'));
    }

    std::string_view method() const override { return request_.getMethod(); }
    std::string_view path() const override { return path_; }
    std::optional<std::string> header(std::string_view name) const override {
        std::string key(name);
        if (!request_.has(key)) return std::nullopt;
        return request_.get(key);
    }
    int64_t contentLength() const override {
        return request_.hasContentLength() ? static_cast<int64_t>(request_.getContentLength64()) : -1;
    }

    BodyRead readBody(std::size_t limit, std::string &into) override {
        into.clear();
        // Neither a length nor chunks: no body (RFC 9112 6.3), not "until the connection closes" as Poco reads it.
        if (!hasBody()) {
            bodyRead_ = true;
            return BodyRead::Ok;
        }
        // The client waits for this before sending a large body (curl does so past 1 MiB).
        if (request_.getExpectContinue()) {
            try {
                response_.sendContinue();
            } catch (const Poco::Exception &) {
                return BodyRead::Failed;
            }
        }
        // The body has its own deadline, enforced by the watchdog like the head's.
        table_.set(handle_, Clock::now() + bodyTimeout_, false);
        if (int64_t length = contentLength(); length > 0) into.reserve(static_cast<std::size_t>(length));
        std::istream &in = request_.stream();
        // Read straight into `into` (no buffer on the connection thread's stack, which stays small), a block at a
        // time, so that a chunked body is cut at the limit.
        constexpr std::size_t kBlock = 16 * 1024;
        try {
            while (in) {
                std::size_t had = into.size();
                if (had > limit) {
                    table_.set(handle_, Clock::time_point::max(), false);
                    return BodyRead::TooLarge;
                }
                // A declared length is read into the space reserved for it, with no reallocation.
                int64_t length = contentLength();
                std::size_t block = length >= 0 ? std::clamp<std::size_t>(static_cast<std::size_t>(length) - std::min<std::size_t>(had, static_cast<std::size_t>(length)), 1, kBlock)
                                                 : kBlock;
                into.resize(had + block);
                in.read(into.data() + had, static_cast<std::streamsize>(block));
                into.resize(had + static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
                if (in.gcount() <= 0) break;
            }
        } catch (const Poco::Exception &) {
            return BodyRead::Failed;
        }
        if (into.size() > limit) {
            table_.set(handle_, Clock::time_point::max(), false);
            return BodyRead::TooLarge;
        }
        table_.set(handle_, Clock::time_point::max(), false);
        if (in.bad()) return BodyRead::Failed;
        if (int64_t length = contentLength(); length >= 0 && into.size() != static_cast<std::size_t>(length)) {
            return BodyRead::Failed;  // the client went before its declared length, or the deadline cut it
        }
        bodyRead_ = true;
        return BodyRead::Ok;
    }

    void respond(int status, const Headers &headers, std::string_view contentType, std::string_view body) override {
        prepare(status, headers, contentType);
        response_.setContentLength64(body.size());
        try {
            response_.sendBuffer(body.data(), body.size());
        } catch (const Poco::Exception &) {
            // The client is gone; nothing left to tell it.
        }
    }

    bool beginStream(int status, const Headers &headers, std::string_view contentType) override {
        prepare(status, headers, contentType);
        response_.set("Cache-Control", "no-cache");
        if (http10()) {
            closeAfter();  // HTTP/1.0 has no chunks: the stream ends with the connection
        } else {
            response_.setChunkedTransferEncoding(true);
        }
        try {
            out_ = &response_.send();
            out_->flush();
        } catch (const Poco::Exception &) {
            return false;
        }
        return out_->good();
    }

    bool write(std::string_view data) override {
        if (out_ == nullptr || !out_->good()) return false;
        try {
            out_->write(data.data(), static_cast<std::streamsize>(data.size()));
            out_->flush();
        } catch (const std::exception &) {
            return false;
        }
        return out_->good();
    }

    bool clientGone() override {
        pollfd probe{fd_, POLLIN | POLLRDHUP, 0};
        if (::poll(&probe, 1, 0) <= 0) return false;
        if ((probe.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0) return true;
        char byte;  // readable: data of a pipelined request, or the end of the stream
        return ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
    }

    void closeAfter() override {
        close_ = true;
        response_.setKeepAlive(false);
    }

    void abandon(int status, std::string_view errorJson) override {
        close_ = true;
        if (status >= 0) {
            // Raw bytes on the socket: Poco's response belongs to the stuck thread. Its stream was flushed after every
            // write, so a chunk (or, for HTTP/1.0, plain SSE) written here stays well framed.
            std::string bytes;
            std::string event = "data: " + std::string(errorJson) + "\n\ndata: [DONE]\n\n";
            if (out_ == nullptr) {
                bytes = "HTTP/1.1 " + std::to_string(status) + " " +
                        HTTPResponse::getReasonForStatus(static_cast<HTTPResponse::HTTPStatus>(status)) +
                        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(errorJson.size()) +
                        "\r\nConnection: close\r\n\r\n" + std::string(errorJson);
            } else if (http10()) {
                bytes = event;
            } else {
                char size[16];
                std::snprintf(size, sizeof size, "%zx\r\n", event.size());
                bytes = size + event + "\r\n0\r\n\r\n";
            }
            std::string_view rest = bytes;
            while (!rest.empty()) {
                ssize_t sent = ::send(fd_, rest.data(), rest.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
                if (sent <= 0) break;  // a client that does not read gets the close alone
                rest.remove_prefix(static_cast<std::size_t>(sent));
            }
        }
        ::shutdown(fd_, SHUT_RDWR);
    }

    bool closing() const { return close_; }
    // Whether the client may still be sending a body the server did not read.
    bool bodyLeft() const { return hasBody() && !bodyRead_; }

private:
    bool hasBody() const { return request_.getChunkedTransferEncoding() || contentLength() > 0; }
    bool http10() const { return request_.getVersion() == Poco::Net::HTTPMessage::HTTP_1_0; }

    void prepare(int status, const Headers &headers, std::string_view contentType) {
        if (hasBody() && !bodyRead_) {
            int64_t length = contentLength();
            if (length >= 0 && length <= kDiscardableBody) {
                table_.set(handle_, Clock::now() + bodyTimeout_, false);
                try {
                    std::istream &in = request_.stream();
                    in.ignore(length);
                    bodyRead_ = in.gcount() == length;
                } catch (const std::exception &) {
                }
                table_.set(handle_, Clock::time_point::max(), false);
                if (!bodyRead_) close_ = true;  // what is left would be read as the next request
            } else {
                close_ = true;
            }
        }
        response_.setStatusAndReason(static_cast<HTTPResponse::HTTPStatus>(status));
        response_.setContentType(std::string(contentType));
        for (const auto &[name, value] : headers) response_.set(name, value);
        if (close_) response_.setKeepAlive(false);
    }

    Poco::Net::HTTPServerRequestImpl &request_;
    Poco::Net::HTTPServerResponseImpl &response_;
    int fd_;
    ConnectionTable &table_;
    ConnectionTable::Handle handle_;
    std::chrono::seconds bodyTimeout_;
    std::string path_;
    std::ostream *out_ = nullptr;
    bool close_ = false;
    bool bodyRead_ = false;
};

// Closes our side and reads what the client still sends until it closes or kLinger passed.
void lingeringClose(Poco::Net::StreamSocket &socket) {
    try {
        socket.shutdownSend();
        Clock::time_point until = Clock::now() + kLinger;
        char buffer[4096];
        while (Clock::now() < until) {
            if (!socket.poll(Poco::Timespan(0, 100000), Poco::Net::Socket::SELECT_READ)) continue;
            if (socket.receiveBytes(buffer, sizeof buffer) <= 0) break;
        }
    } catch (const Poco::Exception &) {
    }
}

// A request head Poco refused, answered in OpenAI's shape: 414 for a request line too long, 431 for too many or too
// long header fields, 400 otherwise.
void refuseHead(Poco::Net::HTTPServerSession &session, const std::string &why) {
    int status = 400;
    std::string code = "bad_request";
    if (why.find("URI") != std::string::npos || why.find("method") != std::string::npos) {
        status = 414;
        code = "request_line_too_long";
    } else if (why.find("header") != std::string::npos || why.find("Field") != std::string::npos) {
        status = 431;
        code = "request_header_fields_too_large";
    }
    ApiError error;
    error.status = status;
    error.type = "invalid_request_error";
    error.code = code;
    error.message = "malformed request head: " + why;
    std::string body = errorBody(error);
    try {
        Poco::Net::HTTPServerResponseImpl response(session);
        response.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
        response.setStatusAndReason(static_cast<HTTPResponse::HTTPStatus>(status));
        response.setKeepAlive(false);
        response.setContentType("application/json");
        response.setContentLength64(body.size());
        response.send() << body << std::flush;
    } catch (const Poco::Exception &) {
    }
}

// Poco's session with its own wait for the next request: HTTPServerSession::hasMoreRequests makes an epoll set for
// each wait (four system calls a request); this is one poll(2).
class GatewaySession : public Poco::Net::HTTPServerSession {
public:
    GatewaySession(const Poco::Net::StreamSocket &socket, Poco::Net::HTTPServerParams::Ptr params, int fd)
        : HTTPServerSession(socket, params), fd_(fd), wait_(static_cast<int>(params->getTimeout().totalMilliseconds())) {}

    // Whether a request (the first, or the next of a keep-alive connection) arrived within the idle timeout.
    bool nextRequest() {
        if (!first_ && !getKeepAlive()) return false;
        first_ = false;
        if (buffered() > 0) return true;  // pipelined: already read from the socket
        pollfd ready{fd_, POLLIN, 0};
        int result;
        while ((result = ::poll(&ready, 1, wait_)) < 0 && errno == EINTR) {
        }
        return result > 0;
    }

private:
    int fd_;
    int wait_;
    bool first_ = true;
};

struct Shared {
    Gateway &gateway;
    Poco::Net::HTTPServerParams::Ptr params;
    std::chrono::seconds headerTimeout;
    std::chrono::seconds bodyTimeout;
    ConnectionTable table;
};

class GatewayConnection : public Poco::Net::TCPServerConnection {
public:
    GatewayConnection(const Poco::Net::StreamSocket &socket, Shared &shared)
        : TCPServerConnection(socket), shared_(shared) {}

    void run() override {
        int fd = socket().impl()->sockfd();
        // One read or write may wait this long: a client that stops reading a stream fails the write, which
        // cancels the upstream call, rather than holding the answer in memory.
        socket().setSendTimeout(shared_.params->getTimeout());
        socket().setReceiveTimeout(shared_.params->getTimeout());
        try {
            GatewaySession session(socket(), shared_.params, fd);
            // Declared after the session: the entry leaves the table before the session's destructor closes the
            // fd, so the watchdog never shuts down a number the kernel gave to another socket.
            Registration registration(shared_.table, fd);
            serve(session, registration.handle, fd);
        } catch (const Poco::Exception &) {
            // Timeouts, resets, a shut-down socket: the connection ends, the server goes on.
        } catch (const std::exception &) {
        }
    }

private:
    struct Registration {
        Registration(ConnectionTable &table, int fd) : table(table), handle(table.add(fd)) {}
        ~Registration() { table.remove(handle); }
        Registration(const Registration &) = delete;
        Registration &operator=(const Registration &) = delete;
        ConnectionTable &table;
        ConnectionTable::Handle handle;
    };

    void serve(GatewaySession &session, ConnectionTable::Handle handle, int fd) {
        ConnectionTable &table = shared_.table;
        // Waits for the first byte (or the next request of a keep-alive connection).
        while (session.nextRequest()) {
            if (!table.set(handle, Clock::now() + shared_.headerTimeout, false)) break;
            bool linger = false;
            try {
                Gateway::InFlight inFlight(shared_.gateway);  // outlives the response: its last chunk included
                Poco::Net::HTTPServerResponseImpl response(session);
                Poco::Net::HTTPServerRequestImpl request(response, session, shared_.params);
                table.set(handle, Clock::time_point::max(), false);
                response.setDate(Poco::Timestamp());
                response.setVersion(request.getVersion());
                response.setKeepAlive(shared_.params->getKeepAlive() && request.getKeepAlive());
                response.set("Server", shared_.params->getSoftwareVersion());
                PocoExchange exchange(request, response, fd, table, handle, shared_.bodyTimeout);
                shared_.gateway.handle(exchange);
                linger = exchange.bodyLeft();
                session.setKeepAlive(!linger && !exchange.closing() && response.getKeepAlive() &&
                                     !shared_.gateway.draining());
            } catch (const Poco::Net::NoMessageException &) {
                break;  // the client closed the connection between requests
            } catch (const Poco::Net::MessageException &error) {
                refuseHead(session, error.message());
                break;
            }
            if (linger) {  // after the response object is gone: Poco writes a whole answer when it is destroyed
                lingeringClose(socket());
                break;
            }
            if (!table.set(handle, Clock::time_point::max(), true)) break;
        }
    }

    Shared &shared_;
};

class ConnectionFactory : public Poco::Net::TCPServerConnectionFactory {
public:
    explicit ConnectionFactory(Shared &shared) : shared_(shared) {}
    Poco::Net::TCPServerConnection *createConnection(const Poco::Net::StreamSocket &socket) override {
        return new GatewayConnection(socket, shared_);
    }

private:
    Shared &shared_;
};

}  // namespace

struct PocoServer::Impl {
    Impl(Gateway &gateway, const Settings &settings)
        : shared{gateway, new Poco::Net::HTTPServerParams, std::chrono::seconds(settings.headerTimeoutSeconds),
                 std::chrono::seconds(settings.idleTimeoutSeconds), {}},
          pool(2, settings.connectionThreads(), 60) {}
    Shared shared;
    Poco::ThreadPool pool;
    Poco::Net::ServerSocket socket;
    std::unique_ptr<Poco::Net::TCPServer> server;
};

PocoServer::PocoServer(Gateway &gateway, const Settings &settings) : impl_(std::make_unique<Impl>(gateway, settings)) {
    auto &params = impl_->shared.params;
    params->setSoftwareVersion("moltbot/" MOLTBOT_VERSION);
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(Poco::Timespan(settings.idleTimeoutSeconds, 0));
    params->setMaxKeepAliveRequests(0);  // unlimited (GatewaySession::nextRequest does not count them)
    params->setTimeout(Poco::Timespan(settings.idleTimeoutSeconds, 0));  // one read or write
    params->setMaxThreads(settings.connectionThreads());
    params->setMaxQueued(settings.connectionThreads());
    params->setThreadIdleTime(Poco::Timespan(2, 0));  // after a drain, idle threads leave within this
    try {
        Poco::Net::SocketAddress address(settings.host, static_cast<Poco::UInt16>(settings.port));
        impl_->socket.bind(address, true);
        impl_->socket.listen(1024);
    } catch (const Poco::Exception &error) {
        throw std::runtime_error("cannot listen on " + settings.host + ":" + std::to_string(settings.port) + ": " +
                                 error.displayText());
    }
    impl_->server = std::make_unique<Poco::Net::TCPServer>(new ConnectionFactory(impl_->shared), impl_->pool,
                                                           impl_->socket, params);
}

PocoServer::~PocoServer() {
    if (impl_->server) impl_->server->stop();
    impl_->shared.table.closeAll();
    impl_->pool.joinAll();
}

uint16_t PocoServer::port() const { return impl_->socket.address().port(); }

void PocoServer::start() { impl_->server->start(); }

void PocoServer::stopAccepting() {
    impl_->server->stop();
    // Closed, not just no longer accepted from: a new connection is refused at once (a load balancer moves on)
    // instead of waiting in the backlog until the process ends.
    impl_->socket.close();
    impl_->shared.table.closeIdle();
}

void PocoServer::closeAll() { impl_->shared.table.closeAll(); }

}  // namespace moltbot::gateway
