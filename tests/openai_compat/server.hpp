// A tiny OpenAI-compatible server on 127.0.0.1 (Poco's HTTPServer, port 0) for end-to-end tests of the
// openai-compatible plugin. POST /v1/chat/completions answers by model id:
//   any id        "Hello from <id>", streamed as SSE chunks (then a usage chunk and [DONE]) or as one JSON response
//   "broken"      503 {"error": {"message": "model is loading"}} with Retry-After: 2
// A request whose Authorization is not "Bearer <key>" gets 401 {"error": {"message": "invalid api key"}}.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace Poco::Net {
class HTTPServer;
}

namespace moltbot::test {

struct SeenRequest {
    std::string method, path, authorization, title, body;
};

class OpenAiServer {
public:
    explicit OpenAiServer(std::string key);
    ~OpenAiServer();

    std::string baseUrl() const;  // http://127.0.0.1:<port>/v1
    std::vector<SeenRequest> requests() const;

    // Called by the request handler.
    void record(SeenRequest request);
    const std::string &key() const { return key_; }

private:
    std::string key_;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
    mutable std::mutex mutex_;
    std::vector<SeenRequest> requests_;
};

}  // namespace moltbot::test
