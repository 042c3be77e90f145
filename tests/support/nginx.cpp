#include "tests/support/nginx.hpp"

#include "tests/support/ports.hpp"

#include <chrono>
#include <stdexcept>
#include <thread>

namespace moltbot::test {

Nginx::Nginx(const std::string &httpSnippet, int port) : port_(port) {
    std::string root = dir_.path().string();
    std::filesystem::create_directories(dir_.path() / "tmp");
    dir_.write("moltbot.conf", httpSnippet);
    // Everything nginx writes stays in the test's folder; the snippet comes in unchanged through `include`.
    std::string config = "daemon off;\n"
                         "master_process off;\n"
                         "worker_processes 1;\n"
                         "pid " + root + "/nginx.pid;\n"
                         "error_log " + root + "/error.log info;\n"
                         "events { worker_connections 1024; }\n"
                         "http {\n"
                         "    access_log off;\n"
                         "    client_body_temp_path " + root + "/tmp/body;\n"
                         "    proxy_temp_path " + root + "/tmp/proxy;\n"
                         "    fastcgi_temp_path " + root + "/tmp/fastcgi;\n"
                         "    uwsgi_temp_path " + root + "/tmp/uwsgi;\n"
                         "    scgi_temp_path " + root + "/tmp/scgi;\n"
                         "    include " + root + "/moltbot.conf;\n"
                         "}\n";
    std::filesystem::path file = dir_.write("nginx.conf", config);
    RunOptions options;
    options.env["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    server_ = std::make_unique<Background>(
        std::vector<std::string>{"nginx", "-p", root, "-e", root + "/error.log", "-c", file.string()}, options);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!loopbackAccepts(port_)) {
        if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("nginx did not start: " + log());
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

std::string Nginx::log() const {
    std::string text;
    try {
        text = readFile(dir_.path() / "error.log");
    } catch (const std::exception &) {  // nginx has not written it yet
    }
    return text + (server_ ? server_->output() : std::string());
}

}  // namespace moltbot::test
