// The nginx example of docs/deploy.md (docs/examples/deploy/nginx.conf), run as written by a real nginx in front of
// three real `moltbot serve` instances: only the addresses are replaced by the test's loopback ports. It must spread
// requests, pass streams through unbuffered, and move on from an instance that drains or dies without failing a
// request.
#include "tests/gateway/serve_fixture.hpp"
#include "tests/support/examples.hpp"
#include "tests/support/nginx.hpp"
#include "tests/support/ports.hpp"

#include <doctest/doctest.h>

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace moltbot::gateway::test;
using moltbot::test::Nginx;

namespace {

const std::string kChat = "/v1/chat/completions";

// Three instances, each with its own simulator, and nginx in front of them with the docs' example.
struct Balanced {
    explicit Balanced(const moltbot::sim::Options &simulator = {}) {
        for (int i = 0; i < 3; ++i) instances.push_back(std::make_unique<ServeFixture>(kConfig, simulator));
        for (auto &instance : instances) instance->start();
        int port = moltbot::test::freeLoopbackPort();
        std::vector<std::pair<std::string, std::string>> changes = {
            {"listen 4000;", "listen 127.0.0.1:" + std::to_string(port) + ";"}};
        for (int i = 0; i < 3; ++i) {
            changes.push_back({"10.0.0.1" + std::to_string(i + 1) + ":4000",
                               "127.0.0.1:" + std::to_string(instances[i]->port())});
        }
        std::string example = moltbot::test::exampleWith("docs/examples/deploy/nginx.conf", changes);
        nginx = std::make_unique<Nginx>(example, port);
    }
    // How many chat requests each instance's simulator got.
    std::vector<int> served() {
        std::vector<int> counts;
        for (auto &instance : instances) counts.push_back(static_cast<int>(instance->chatRequests().Size()));
        return counts;
    }

    std::vector<std::unique_ptr<ServeFixture>> instances;
    std::unique_ptr<Nginx> nginx;  // declared last: stopped first
};

}  // namespace

TEST_CASE("the docs' nginx example in front of three instances: requests spread over all of them") {
    Balanced cluster;
    std::string body = chatBody("sonnet", "hello there");
    for (int i = 0; i < 9; ++i) {
        Response response = post(cluster.nginx->port(), kChat, body);
        REQUIRE_MESSAGE(response.status == 200, response.body << cluster.nginx->log());
        CHECK(response.json()["object"].GetString() == std::string("chat.completion"));
    }
    std::vector<int> counts = cluster.served();
    CHECK(counts[0] + counts[1] + counts[2] == 9);
    for (int count : counts) CHECK(count >= 1);
}

TEST_CASE("the docs' nginx example passes a stream through unbuffered: the first event comes long before the end") {
    moltbot::sim::Options slow;
    slow.chunkDelayMs = 150;  // each word of the answer comes a while after the one before
    Balanced cluster(slow);
    using Clock = std::chrono::steady_clock;
    Connection connection(cluster.nginx->port());
    REQUIRE(connection.send(
        postRequest(kChat, chatBody("sonnet", "one two three four five six seven eight", R"("stream":true)"))));
    std::string received;
    std::optional<Clock::time_point> firstEvent, done;
    Clock::time_point deadline = Clock::now() + std::chrono::seconds(20);
    while (!done && Clock::now() < deadline) {
        pollfd readable{connection.fd(), POLLIN, 0};
        if (::poll(&readable, 1, 100) <= 0) continue;
        char chunk[4096];
        ssize_t n = ::recv(connection.fd(), chunk, sizeof chunk, 0);
        if (n <= 0) break;
        received.append(chunk, static_cast<std::size_t>(n));
        if (!firstEvent && received.find("data: ") != std::string::npos) firstEvent = Clock::now();
        if (received.find("data: [DONE]") != std::string::npos) done = Clock::now();
    }
    REQUIRE_MESSAGE(firstEvent, received << cluster.nginx->log());
    REQUIRE_MESSAGE(done, received << cluster.nginx->log());
    // Eight words 150 ms apart: a buffering proxy would hand them over together at the end.
    CHECK(*done - *firstEvent > std::chrono::milliseconds(600));
}

TEST_CASE("the docs' nginx example moves on from an instance that drains (SIGTERM) or dies (SIGKILL): no request "
          "fails") {
    Balanced cluster;
    std::string body = chatBody("sonnet", "hello there");
    auto ask = [&](int times) {
        for (int i = 0; i < times; ++i) {
            Response response = post(cluster.nginx->port(), kChat, body);
            REQUIRE_MESSAGE(response.status == 200, "request " << i << ": " << response.status << " " << response.body
                                                               << cluster.nginx->log());
        }
    };
    ask(6);  // every instance has served and nginx keeps connections to each open
    std::vector<int> before = cluster.served();

    // SIGTERM: the instance closes its listener and its idle connections, then exits 0.
    cluster.instances[1]->server().signal(SIGTERM);
    REQUIRE(cluster.instances[1]->server().wait(std::chrono::seconds(20)) == 0);
    ask(9);
    std::vector<int> afterDrain = cluster.served();
    CHECK(afterDrain[1] == before[1]);
    CHECK(afterDrain[0] + afterDrain[2] == before[0] + before[2] + 9);

    // SIGKILL: no goodbye at all; nginx finds the connection refused and goes on to the last instance.
    cluster.instances[2]->server().signal(SIGKILL);
    REQUIRE(cluster.instances[2]->server().wait(std::chrono::seconds(20)));
    ask(6);
    std::vector<int> afterKill = cluster.served();
    CHECK(afterKill[0] == afterDrain[0] + 6);
}
