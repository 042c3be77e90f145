#include "tests/support/redis_server.hpp"

#include <signal.h>
#include <unistd.h>

#include <stdexcept>

namespace moltbot::test {

RedisServer::RedisServer(bool persistent) : port_(freeLoopbackPort()), persistent_(persistent) {
    if (!start()) throw std::runtime_error("redis-server did not start: " + log());
}

RedisServer::~RedisServer() { server_.reset(); }

bool RedisServer::start() {
    server_.reset();
    std::vector<std::string> argv = {"redis-server", "--bind", "127.0.0.1", "--port", std::to_string(port_),
                                     "--dir", dir_.path().string(), "--daemonize", "no", "--logfile", "",
                                     "--save", "", "--protected-mode", "yes"};
    if (persistent_) {
        argv.insert(argv.end(), {"--appendonly", "yes", "--appendfsync", "always"});
    } else {
        argv.insert(argv.end(), {"--appendonly", "no"});
    }
    RunOptions options;
    // Debian puts redis-server in /usr/bin; keep /usr/sbin too in case of a local build.
    options.env["PATH"] = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
    server_ = std::make_unique<Background>(argv, options);
    return server_->waitFor("Ready to accept connections", std::chrono::seconds(20));
}

bool RedisServer::stop() {
    if (!server_) return false;
    server_->signal(SIGTERM);
    if (!server_->wait(std::chrono::seconds(5))) {
        server_->signal(SIGKILL);
        server_->wait(std::chrono::seconds(5));
    }
    return true;
}

std::string RedisServer::cli(const std::vector<std::string> &args) const {
    std::vector<std::string> argv = {"redis-cli", "-h", "127.0.0.1", "-p", std::to_string(port_)};
    argv.insert(argv.end(), args.begin(), args.end());
    RunResult result = run(argv);
    return result.exitCode == 0 ? result.out : "" + result.err;
}

std::string RedisServer::log() const { return server_ ? server_->output() : std::string(); }

}  // namespace moltbot::test
