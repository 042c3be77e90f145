#include "core/http/transport.hpp"

#include "tests/http/loopback_server.hpp"
#include "tests/support/error_buffer.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using moltbot::http::CallControl;
using moltbot::http::CancelToken;
using moltbot::http::Transport;
using moltbot::http::TransportOptions;
using moltbot::test::chunk;
using moltbot::test::chunkedHead;
using moltbot::test::Connection;
using moltbot::test::HttpRequest;
using moltbot::test::httpResponse;
using moltbot::test::LoopbackServer;
using Clock = std::chrono::steady_clock;

namespace {

struct Spec {
    std::string method = "GET";
    std::string url{};
    std::string headers{};
    std::optional<std::string> body{};
    uint32_t timeoutMs = 0;
    int32_t headReturn = 0;
    std::function<int32_t(std::string_view)> onBody{};  // per piece; accepts everything when empty
};

struct Result {
    int32_t code = 0;
    int heads = 0;
    int32_t status = 0;
    std::string head;
    std::vector<std::string> pieces;
    std::string body;
    int32_t errorStatus = 0;  // mb_error.http_status
    std::string message;
    Clock::duration elapsed{};
};

Result perform(Transport &transport, const Spec &spec, const CallControl *control = nullptr) {
    struct Context {
        const Spec &spec;
        Result &result;
    };
    Result result;
    Context context{spec, result};
    mb_http_request request{};
    request.struct_size = sizeof request;
    request.timeout_ms = spec.timeoutMs;
    request.method = spec.method.c_str();
    request.url = spec.url.c_str();
    request.headers = spec.headers.data();
    request.headers_len = spec.headers.size();
    request.body = spec.body ? spec.body->data() : nullptr;
    request.body_len = spec.body ? spec.body->size() : 0;
    request.user = &context;
    request.on_head = [](void *user, int32_t status, const char *headers, size_t len) -> int32_t {
        auto &c = *static_cast<Context *>(user);
        ++c.result.heads;
        c.result.status = status;
        c.result.head.assign(headers, len);
        return c.spec.headReturn;
    };
    request.on_body = [](void *user, const char *data, size_t len) -> int32_t {
        auto &c = *static_cast<Context *>(user);
        c.result.pieces.emplace_back(data, len);
        c.result.body.append(data, len);
        return c.spec.onBody ? c.spec.onBody(std::string_view(data, len)) : 0;
    };
    moltbot::test::ErrorBuffer e;
    const auto start = Clock::now();
    result.code = transport.request(request, &e.error, control);
    result.elapsed = Clock::now() - start;
    if (result.code != MB_OK) {
        CHECK(e.error.code == result.code);
        result.errorStatus = e.error.http_status;
        result.message = e.message();
    }
    return result;
}

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

// Answers every request with 200 and the request target as body.
LoopbackServer::Handler echoTarget() {
    return [](Connection &c, const HttpRequest &r) { return c.send(httpResponse(200, r.target)); };
}

// Sends a chunked head and `first`, then holds the rest until the gate opens (or the server stops).
LoopbackServer::Handler stallAfter(std::string first) {
    return [first](Connection &c, const HttpRequest &) {
        c.send(chunkedHead(200) + (first.empty() ? "" : chunk(first)));
        c.server().waitAtGate(30s);
        return false;
    };
}

// A loopback port nothing listens on.
uint16_t closedPort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    ::bind(fd, reinterpret_cast<sockaddr *>(&address), size);
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &size);
    ::close(fd);
    return ntohs(address.sin_port);
}

// A loopback listener whose accept queue is full: Linux then drops new SYNs, so a connect hangs until it times out.
struct FullBacklog {
    FullBacklog() {
        listenFd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t size = sizeof address;
        ::bind(listenFd, reinterpret_cast<sockaddr *>(&address), size);
        ::listen(listenFd, 0);
        ::getsockname(listenFd, reinterpret_cast<sockaddr *>(&address), &size);
        port = ntohs(address.sin_port);
        for (int i = 0; i < 16 && !full; ++i) {
            const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            fillers.push_back(fd);
            ::connect(fd, reinterpret_cast<sockaddr *>(&address), size);
            pollfd p{fd, POLLOUT, 0};
            full = ::poll(&p, 1, 300) == 0;
        }
    }
    ~FullBacklog() {
        for (int fd : fillers) ::close(fd);
        ::close(listenFd);
    }
    int listenFd = -1;
    uint16_t port = 0;
    bool full = false;
    std::vector<int> fillers;
};

// Sets an environment variable (or removes it) for one test.
class ScopedEnv {
public:
    ScopedEnv(const char *name, const char *value) : name_(name) {
        if (const char *old = std::getenv(name)) old_ = old;
        if (value != nullptr)
            ::setenv(name, value, 1);
        else
            ::unsetenv(name);
    }
    ~ScopedEnv() {
        if (old_)
            ::setenv(name_, old_->c_str(), 1);
        else
            ::unsetenv(name_);
    }
    ScopedEnv(const ScopedEnv &) = delete;
    ScopedEnv &operator=(const ScopedEnv &) = delete;

private:
    const char *name_;
    std::optional<std::string> old_;
};

CancelToken *signalToken = nullptr;
void cancelOnSignal(int) { signalToken->cancel(); }

}  // namespace

TEST_CASE("GET: the server sees the request's headers and on_head sees the response's") {
    LoopbackServer server([](Connection &c, const HttpRequest &) {
        return c.send(httpResponse(200, "hello", "X-Reply: yes\r\n"));
    });
    Transport transport;

    SUBCASE("default User-Agent, no Accept-Encoding, no Expect") {
        const Result r =
            perform(transport, {.url = server.url("/models?x=1"), .headers = "X-Test: 1\nAccept: text/plain\n"});
        REQUIRE(r.code == MB_OK);
        CHECK(r.heads == 1);
        CHECK(r.status == 200);
        CHECK(r.head.starts_with("HTTP/1.1 200 X\r\n"));
        CHECK(contains(r.head, "\r\nX-Reply: yes\r\n"));
        CHECK(r.head.ends_with("\r\n"));
        CHECK_FALSE(contains(r.head, "\r\n\r\n"));
        CHECK(r.body == "hello");
        const auto requests = server.requests();
        REQUIRE(requests.size() == 1);
        CHECK(requests[0].method == "GET");
        CHECK(requests[0].target == "/models?x=1");
        CHECK(requests[0].header("X-Test") == "1");
        CHECK(requests[0].header("Accept") == "text/plain");
        CHECK(requests[0].header("User-Agent") == "moltbot/" MOLTBOT_VERSION);
        CHECK_FALSE(requests[0].header("Accept-Encoding"));
        CHECK_FALSE(requests[0].header("Expect"));
    }
    SUBCASE("a User-Agent given by the request replaces the default; CRLF lines are accepted") {
        const Result r = perform(transport, {.url = server.url(), .headers = "User-Agent: plugin/2\r\nX-A: b"});
        REQUIRE(r.code == MB_OK);
        const auto requests = server.requests();
        REQUIRE(requests.size() == 1);
        CHECK(requests[0].header("User-Agent") == "plugin/2");
        CHECK(requests[0].header("X-A") == "b");
        int userAgents = 0;
        for (const auto &header : requests[0].headers) userAgents += header.first == "User-Agent";
        CHECK(userAgents == 1);
    }
}

TEST_CASE("POST and other methods send the body exactly") {
    LoopbackServer server([](Connection &c, const HttpRequest &) { return c.send(httpResponse(201, "made")); });
    Transport transport;

    SUBCASE("a large binary POST body arrives byte for byte, without 100-continue") {
        std::string body(1500000, '\0');  // curl asks for 100-continue above 1 MiB
        for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 7 % 256);
        const Result r = perform(transport, {.method = "POST", .url = server.url("/chat"),
                                             .headers = "Content-Type: application/json\n", .body = body});
        REQUIRE(r.code == MB_OK);
        CHECK(r.status == 201);
        CHECK(r.body == "made");
        const auto requests = server.requests();
        REQUIRE(requests.size() == 1);
        CHECK(requests[0].method == "POST");
        CHECK(requests[0].body == body);
        CHECK(requests[0].header("Content-Type") == "application/json");
        CHECK_FALSE(requests[0].header("Expect"));
    }
    SUBCASE("a POST without Content-Type gets none rather than curl's form type") {
        REQUIRE(perform(transport, {.method = "POST", .url = server.url(), .body = "{}"}).code == MB_OK);
        CHECK_FALSE(server.requests().at(0).header("Content-Type"));
        CHECK(server.requests().at(0).body == "{}");
    }
    SUBCASE("PUT with a body and DELETE without one keep their method") {
        REQUIRE(perform(transport, {.method = "PUT", .url = server.url(), .body = "v"}).code == MB_OK);
        REQUIRE(perform(transport, {.method = "DELETE", .url = server.url()}).code == MB_OK);
        const auto requests = server.requests();
        REQUIRE(requests.size() == 2);
        CHECK(requests[0].method == "PUT");
        CHECK(requests[0].body == "v");
        CHECK(requests[1].method == "DELETE");
        CHECK(requests[1].body.empty());
    }
}

TEST_CASE("any status is a response: interim 100 is skipped, errors and redirects are returned as they are") {
    LoopbackServer server([](Connection &c, const HttpRequest &r) {
        if (r.target == "/continue") return c.send("HTTP/1.1 100 Continue\r\n\r\n" + httpResponse(200, "final"));
        if (r.target == "/moved") return c.send(httpResponse(302, "", "Location: /elsewhere\r\n"));
        return c.send(httpResponse(404, "no such model"));
    });
    Transport transport;

    const Result interim = perform(transport, {.url = server.url("/continue")});
    REQUIRE(interim.code == MB_OK);
    CHECK(interim.heads == 1);
    CHECK(interim.status == 200);
    CHECK_FALSE(contains(interim.head, "100"));
    CHECK(interim.body == "final");

    const Result missing = perform(transport, {.url = server.url("/missing")});
    REQUIRE(missing.code == MB_OK);
    CHECK(missing.status == 404);
    CHECK(missing.body == "no such model");

    const Result moved = perform(transport, {.url = server.url("/moved")});
    REQUIRE(moved.code == MB_OK);
    CHECK(moved.status == 302);
    CHECK(contains(moved.head, "Location: /elsewhere\r\n"));
    CHECK(server.requests().size() == 3);  // /elsewhere was never asked for
}

TEST_CASE("a chunked body is streamed: the first piece arrives while the server still holds the rest") {
    std::atomic<bool> heldUntilClientSawFirst{false};
    LoopbackServer server([&](Connection &c, const HttpRequest &) {
        c.send(chunkedHead(200) + chunk("first"));
        heldUntilClientSawFirst = c.server().waitAtGate(10s);
        return c.send(chunk("second") + chunk(""));
    });
    Transport transport;
    const Result r = perform(transport, {.url = server.url(), .onBody = [&](std::string_view piece) {
                                             if (piece == "first") server.openGate();
                                             return 0;
                                         }});
    REQUIRE(r.code == MB_OK);
    REQUIRE(r.pieces.size() >= 2);
    CHECK(r.pieces[0] == "first");
    CHECK(r.body == "firstsecond");
    CHECK(heldUntilClientSawFirst);
}

TEST_CASE("a non-zero return from a callback aborts the transfer with MB_ERR_CANCELLED") {
    LoopbackServer server([](Connection &c, const HttpRequest &r) {
        if (r.target == "/ok") return c.send(httpResponse(200, "fine"));
        c.send(chunkedHead(200) + chunk("piece"));
        c.server().waitAtGate(30s);  // the rest never comes: only the abort can end the transfer
        return false;
    });
    Transport transport;

    SUBCASE("from on_body") {
        const Result r =
            perform(transport, {.url = server.url("/stream"), .onBody = [](std::string_view) { return 1; }});
        CHECK(r.code == MB_ERR_CANCELLED);
        CHECK(r.errorStatus == 200);
        CHECK(contains(r.message, "body callback"));
        CHECK(r.pieces.size() == 1);
    }
    SUBCASE("from on_head, before any body byte") {
        const Result r = perform(transport, {.url = server.url("/stream"), .headReturn = 1});
        CHECK(r.code == MB_ERR_CANCELLED);
        CHECK(contains(r.message, "head callback"));
        CHECK(r.pieces.empty());
    }
    // The aborted connection is not reused: the next request gets a fresh one and succeeds.
    const Result next = perform(transport, {.url = server.url("/ok")});
    CHECK(next.code == MB_OK);
    CHECK(next.body == "fine");
    CHECK(server.connections() == 2);
}

TEST_CASE("connection failures are MB_ERR_TRANSPORT naming the address") {
    Transport transport;

    SUBCASE("refused") {
        const uint16_t port = closedPort();
        const Result r = perform(transport, {.url = "http://127.0.0.1:" + std::to_string(port) + "/"});
        CHECK(r.code == MB_ERR_TRANSPORT);
        CHECK(r.message == "cannot connect to 127.0.0.1:" + std::to_string(port) + ": Connection refused");
    }
    SUBCASE("closed without a response") {
        LoopbackServer server([](Connection &, const HttpRequest &) { return false; });
        const Result r = perform(transport, {.url = server.url()});
        CHECK(r.code == MB_ERR_TRANSPORT);
        CHECK(contains(r.message, "127.0.0.1:" + std::to_string(server.port())));
        CHECK(contains(r.message, "without a response"));
    }
    SUBCASE("closed in the middle of the body: the status is kept") {
        LoopbackServer server([](Connection &c, const HttpRequest &) {
            c.send("HTTP/1.1 200 X\r\nContent-Length: 10\r\n\r\nhalf");
            return false;
        });
        const Result r = perform(transport, {.url = server.url()});
        CHECK(r.code == MB_ERR_TRANSPORT);
        CHECK(r.errorStatus == 200);
        CHECK(r.body == "half");
        CHECK(contains(r.message, "127.0.0.1:" + std::to_string(server.port())));
    }
}

TEST_CASE("the error message is truncated safely into a tiny buffer") {
    Transport transport;
    const std::string url = "http://127.0.0.1:" + std::to_string(closedPort()) + "/";
    mb_http_request request{};
    request.struct_size = sizeof request;
    request.method = "GET";
    request.url = url.c_str();
    char buffer[16];
    std::memset(buffer, '#', sizeof buffer);
    mb_error error{};
    error.struct_size = sizeof error;
    error.message = buffer;
    error.message_capacity = 12;
    CHECK(transport.request(request, &error) == MB_ERR_TRANSPORT);
    CHECK(std::string(buffer) == "cannot conn");
    CHECK(std::string_view(buffer + 12, 4) == "####");
    CHECK(transport.request(request, nullptr) == MB_ERR_TRANSPORT);  // no error struct at all is fine too
}

TEST_CASE("invalid requests are MB_ERR_INVALID_ARGUMENT") {
    Transport transport;
    CHECK(perform(transport, {.url = "ftp://127.0.0.1/file"}).code == MB_ERR_INVALID_ARGUMENT);
    CHECK(perform(transport, {.url = "not a url"}).code == MB_ERR_INVALID_ARGUMENT);
    CHECK(perform(transport, {.method = "GET /x HTTP/1.1\r\n", .url = "http://127.0.0.1:1/"}).code ==
          MB_ERR_INVALID_ARGUMENT);
    mb_http_request request{};
    request.struct_size = sizeof request;
    request.method = "GET";
    CHECK(transport.request(request, nullptr) == MB_ERR_INVALID_ARGUMENT);
}

TEST_CASE("connect timeout") {
    FullBacklog backlog;
    if (!backlog.full) {
        MESSAGE("the accept queue never filled up here; the connect timeout cannot be provoked on loopback");
        return;
    }
    Transport transport({.connectTimeout = 300ms});
    const Result r = perform(transport, {.url = "http://127.0.0.1:" + std::to_string(backlog.port) + "/"});
    CHECK(r.code == MB_ERR_TIMEOUT);
    CHECK(r.message ==
          "connect timeout: no connection to 127.0.0.1:" + std::to_string(backlog.port) + " within 300 ms");
    CHECK(r.elapsed >= 250ms);  // curl's own timer, on its millisecond clock
    CHECK(r.elapsed < 5s);
}

TEST_CASE("idle-read timeout: a server that stalls mid-body") {
    LoopbackServer server(stallAfter("partial"));
    Transport transport({.idleTimeout = 300ms});
    const Result r = perform(transport, {.url = server.url()});
    CHECK(r.code == MB_ERR_TIMEOUT);
    CHECK(r.message == "idle-read timeout: no data from 127.0.0.1:" + std::to_string(server.port()) + " for 300 ms");
    CHECK(r.errorStatus == 200);
    CHECK(r.body == "partial");
    CHECK(r.elapsed >= 300ms);
    CHECK(r.elapsed < 5s);
}

TEST_CASE("total timeout: a server that trickles forever") {
    LoopbackServer server([](Connection &c, const HttpRequest &) {
        c.send(chunkedHead(200));
        while (!c.server().waitAtGate(50ms) && c.send(chunk("."))) {
        }
        return false;
    });
    Transport transport({.idleTimeout = 250ms});  // every 50 ms a byte keeps the idle timeout away

    SUBCASE("the request's timeout_ms") {
        const Result r = perform(transport, {.url = server.url(), .timeoutMs = 600});
        CHECK(r.code == MB_ERR_TIMEOUT);
        CHECK(contains(r.message, "total timeout"));
        CHECK(contains(r.message, "within 600 ms"));
        CHECK(r.pieces.size() > 2);
        CHECK(r.elapsed >= 600ms);
        CHECK(r.elapsed < 5s);
    }
    SUBCASE("the call's deadline, when it comes first") {
        const CallControl control{.deadline = Clock::now() + 600ms};
        const Result r = perform(transport, {.url = server.url(), .timeoutMs = 60000}, &control);
        CHECK(r.code == MB_ERR_TIMEOUT);
        CHECK(contains(r.message, "deadline"));
        CHECK(r.elapsed >= 500ms);
        CHECK(r.elapsed < 5s);
    }
}

TEST_CASE("cancelling a stalled transfer returns promptly") {
    std::atomic<bool> requestArrived{false};
    LoopbackServer server([&](Connection &c, const HttpRequest &) {
        c.send(chunkedHead(200));
        requestArrived = true;
        c.server().waitAtGate(30s);
        return false;
    });
    Transport transport;  // default timeouts: only the cancellation can end this transfer soon
    CancelToken token;
    CallControl control{.cancel = &token};
    std::function<void()> trigger;

    SUBCASE("from another thread") { trigger = [&] { token.cancel(); }; }
    SUBCASE("through a polled flag instead of a token") {
        static std::atomic<bool> flag{false};
        control = {.cancelled = [] { return flag.load(); }};
        trigger = [] { flag = true; };
    }
    SUBCASE("from a signal handler") {
        signalToken = &token;
        struct sigaction action {};
        action.sa_handler = cancelOnSignal;
        REQUIRE(::sigaction(SIGUSR2, &action, nullptr) == 0);
        trigger = [] { ::kill(::getpid(), SIGUSR2); };  // delivered to whichever thread the kernel picks
    }

    std::atomic<Clock::rep> triggeredAt{0};
    std::thread canceller([&] {
        while (!requestArrived) std::this_thread::sleep_for(5ms);
        std::this_thread::sleep_for(100ms);  // let the client settle into waiting
        triggeredAt = Clock::now().time_since_epoch().count();
        trigger();
    });
    const Result r = perform(transport, {.url = server.url()}, &control);
    const auto returnedAt = Clock::now();
    canceller.join();
    ::signal(SIGUSR2, SIG_DFL);
    CHECK(r.code == MB_ERR_CANCELLED);
    CHECK(r.errorStatus == 200);
    CHECK(contains(r.message, "cancelled"));
    CHECK(returnedAt - Clock::time_point(Clock::duration(triggeredAt.load())) < 1s);
}

TEST_CASE("a token cancelled beforehand stops the request before it connects") {
    LoopbackServer server(echoTarget());
    Transport transport;
    CancelToken token;
    token.cancel();
    const CallControl control{.cancel = &token};
    const Result r = perform(transport, {.url = server.url()}, &control);
    CHECK(r.code == MB_ERR_CANCELLED);
    CHECK(server.connections() == 0);
}

TEST_CASE("sequential requests reuse one keep-alive connection") {
    LoopbackServer server(echoTarget());
    Transport transport;
    CHECK(perform(transport, {.url = server.url("/one")}).body == "/one");
    CHECK(perform(transport, {.method = "POST", .url = server.url("/two"), .body = "x"}).body == "/two");
    CHECK(perform(transport, {.url = server.url("/three")}).body == "/three");
    CHECK(server.requests().size() == 3);
    CHECK(server.connections() == 1);
}

TEST_CASE("a kept-alive connection that the server closed is replaced transparently") {
    // The server closes after each response without saying so, as servers do when their keep-alive timer expires.
    LoopbackServer server([](Connection &c, const HttpRequest &r) {
        c.send(httpResponse(200, r.target));
        return false;
    });
    Transport transport;
    for (const char *path : {"/one", "/two", "/three"}) {
        CAPTURE(path);
        const Result r = perform(transport, {.method = "POST", .url = server.url(path), .body = "x"});
        CHECK(r.code == MB_OK);
        CHECK(r.body == path);
    }
    CHECK(server.connections() == 3);
}

TEST_CASE("loopback bypasses a configured proxy; other hosts use it") {
    LoopbackServer proxy(
        [](Connection &c, const HttpRequest &r) { return c.send(httpResponse(200, "via proxy " + r.target)); });
    LoopbackServer target(echoTarget());
    const ScopedEnv httpProxy("http_proxy", proxy.url().c_str());
    const ScopedEnv noProxy("no_proxy", nullptr);
    const ScopedEnv noProxyUpper("NO_PROXY", nullptr);
    Transport transport;

    for (const std::string host : {"127.0.0.1", "localhost"}) {
        CAPTURE(host);
        const std::string url = "http://" + host + ":" + std::to_string(target.port()) + "/direct";
        const Result r = perform(transport, {.url = url});
        CHECK(r.code == MB_OK);
        CHECK(r.body == "/direct");
    }
    CHECK(proxy.connections() == 0);

    // A name that resolves nowhere still works through the proxy: proof that the proxy setting is honoured.
    const Result proxied = perform(transport, {.url = "http://moltbot-test.invalid/models"});
    CHECK(proxied.code == MB_OK);
    CHECK(proxied.body == "via proxy http://moltbot-test.invalid/models");
}

TEST_CASE("https through a proxy: the proxy's CONNECT answer is not the response") {
    // The proxy accepts the tunnel, then speaks plain HTTP where the TLS handshake is expected.
    LoopbackServer proxy([](Connection &c, const HttpRequest &) {
        c.send("HTTP/1.1 200 Connection established\r\n\r\nHTTP/1.1 200 OK\r\n\r\n");
        return false;
    });
    const ScopedEnv httpsProxy("https_proxy", proxy.url().c_str());
    const ScopedEnv httpsProxyUpper("HTTPS_PROXY", nullptr);
    Transport transport;
    const Result r = perform(transport, {.url = "https://moltbot-test.invalid/models"});
    CHECK(r.code == MB_ERR_TRANSPORT);
    CHECK(r.heads == 0);
    CHECK(r.message.starts_with("TLS error with moltbot-test.invalid:443: "));
    REQUIRE(proxy.requests().size() == 1);
    CHECK(proxy.requests()[0].method == "CONNECT");
}

TEST_CASE("concurrent requests from several threads") {
    LoopbackServer server(echoTarget());
    Transport transport;
    constexpr int kThreads = 8;
    constexpr int kRequests = 10;
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&, i] {
            for (int j = 0; j < kRequests; ++j) {
                const std::string path = "/" + std::to_string(i) + "/" + std::to_string(j);
                const Result r = perform(transport, {.url = server.url(path)});
                good += r.code == MB_OK && r.status == 200 && r.body == path;
            }
        });
    }
    for (auto &thread : threads) thread.join();
    CHECK(good == kThreads * kRequests);
    CHECK(server.connections() <= kThreads);  // every pooled handle keeps its connection
}
