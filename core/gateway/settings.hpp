// The gateway's settings: the `gateway` block of the config (docs/configuration.md), under the command line's flags.
#pragma once

#include "core/config/config.hpp"

#include <cstdint>
#include <string>

namespace moltbot::gateway {

struct Settings {
    std::string host = "127.0.0.1";
    int port = 4000;
    int maxConcurrent = 256;                 // chat requests at once; beyond it 503 with Retry-After
    int threads = 0;                         // connection threads; 0: maxConcurrent + 32 (room to answer the 503s)
    int64_t maxBodyBytes = int64_t{32} << 20;
    int drainSeconds = 30;                   // SIGTERM: how long in-flight requests may take to finish
    int headerTimeoutSeconds = 10;           // the whole request head must arrive within this
    int idleTimeoutSeconds = 60;             // a keep-alive connection's silence, and the longest wait on one read/write
    int upstreamConnectTimeoutSeconds = 10;  // to connect to a provider
    int upstreamIdleTimeoutSeconds = 120;    // a provider's longest silence mid-answer
    int requestTimeoutSeconds = 600;         // a chat request's whole life; then 504 (a hung plugin: 2 s later)
    std::string logFormat = "text";          // the access log: "text" or "json"
    bool logContent = false;                 // the request log keeps prompts and answers too (docs/request-log.md)
    int stickySeconds = 300;                 // session stickiness: how long a session keeps its provider; 0: off
    std::string instanceId;                  // names this instance in the request log; empty: "<hostname>:<port>"

    // The `gateway` block of `config` over the defaults (the config is validated: types are right).
    static Settings fromConfig(const config::Config &config);
    // instanceId, or "<hostname>:<port>" when the config names none.
    std::string instanceName() const;
    int connectionThreads() const { return threads > 0 ? threads : maxConcurrent + 32; }
};

}  // namespace moltbot::gateway
