// openrouter-sim: the OpenRouter simulator as a program, for the demo and for tests that run it as a process.
// Prints "listening on http://127.0.0.1:PORT" once it serves; stops on SIGINT/SIGTERM (or stdin EOF when asked).
#include "tests/simulator/server.hpp"

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <unistd.h>

namespace {

constexpr const char *kUsage =
    "usage: openrouter-sim [--port N] [--key KEY]... [--management-key KEY]... [--cache-min-tokens N]\n"
    "                      [--chunk-delay-ms N] [--leading-whitespace] [--free-rpm N] [--faults FILE]\n"
    "                      [--exit-on-stdin-eof] [--balance cheapest|round-robin]\n"
    "  --balance round-robin  requests without provider.order go to a model's endpoints in turn (OpenRouter's\n"
    "                         load balancing); the default, cheapest, always starts at the cheapest endpoint\n";

int toInt(const std::string &flag, const std::string &value) {
    std::size_t used = 0;
    int number = std::stoi(value, &used);
    if (used != value.size() || number < 0) throw std::invalid_argument(flag + " needs a non-negative integer");
    return number;
}

}  // namespace

int main(int argc, char **argv) {
    moltbot::sim::Options options;
    std::string faultsFile;
    bool exitOnStdinEof = false;
    try {
        for (int i = 1; i < argc; ++i) {
            std::string flag = argv[i];
            auto value = [&]() -> std::string {
                if (i + 1 >= argc) throw std::invalid_argument(flag + " needs a value");
                return argv[++i];
            };
            if (flag == "--help") {
                std::cout << kUsage;
                return 0;
            } else if (flag == "--port") {
                int port = toInt(flag, value());
                if (port > 65535) throw std::invalid_argument("--port must be at most 65535");
                options.port = static_cast<std::uint16_t>(port);
            } else if (flag == "--key") {
                options.keys.push_back(value());
            } else if (flag == "--management-key") {
                options.managementKeys.push_back(value());
            } else if (flag == "--cache-min-tokens") {
                options.cacheMinTokens = toInt(flag, value());
            } else if (flag == "--chunk-delay-ms") {
                options.chunkDelayMs = toInt(flag, value());
            } else if (flag == "--free-rpm") {
                options.freeRequestsPerMinute = toInt(flag, value());
            } else if (flag == "--leading-whitespace") {
                options.leadingWhitespace = true;
            } else if (flag == "--faults") {
                faultsFile = value();
            } else if (flag == "--balance") {
                options.balance = value();
                if (options.balance != "cheapest" && options.balance != "round-robin")
                    throw std::invalid_argument("--balance must be cheapest or round-robin, got '" + options.balance + "'");
            } else if (flag == "--exit-on-stdin-eof") {
                exitOnStdinEof = true;
            } else {
                throw std::invalid_argument("unknown flag '" + flag + "'");
            }
        }
    } catch (const std::exception &error) {  // std::stoi's errors included
        std::cerr << "openrouter-sim: " << error.what() << "\n" << kUsage;
        return 2;
    }

    // Block the stop signals before any thread starts, so that only sigwait below receives them.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGINT);
    sigaddset(&stopSignals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

    moltbot::sim::Simulator simulator(options);
    try {
        if (!faultsFile.empty()) {
            std::ifstream file(faultsFile);
            if (!file) throw std::runtime_error("cannot read " + faultsFile);
            std::stringstream text;
            text << file.rdbuf();
            simulator.addFaults(text.str());
        }
        simulator.start();
    } catch (const std::exception &error) {
        std::cerr << "openrouter-sim: " << error.what() << "\n";
        return 1;
    }
    std::cout << "listening on http://127.0.0.1:" << simulator.port() << std::endl;

    if (exitOnStdinEof) {
        std::thread([] {
            char buffer[256];
            while (read(STDIN_FILENO, buffer, sizeof buffer) > 0) {
            }
            kill(getpid(), SIGTERM);
        }).detach();
    }
    int received = 0;
    sigwait(&stopSignals, &received);
    simulator.stop();
    return 0;
}
