#include "tests/openai_compat/server.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <rapidjson/document.h>

#include <ostream>

namespace moltbot::test {

namespace {

using Poco::Net::HTTPResponse;

class Handler : public Poco::Net::HTTPRequestHandler {
public:
    explicit Handler(OpenAiServer &server) : server_(server) {}

    void handleRequest(Poco::Net::HTTPServerRequest &request, Poco::Net::HTTPServerResponse &response) override {
        SeenRequest seen{request.getMethod(), request.getURI(), request.get("Authorization", ""),
                         request.get("X-Title", ""), ""};
        Poco::StreamCopier::copyToString(request.stream(), seen.body);
        server_.record(seen);
        rapidjson::Document body;
        body.Parse(seen.body.c_str());
        if (seen.method != "POST" || seen.path != "/v1/chat/completions" || body.HasParseError() || !body.IsObject()) {
            return reply(response, HTTPResponse::HTTP_NOT_FOUND, R"({"error":{"message":"no such route"}})");
        }
        if (seen.authorization != "Bearer " + server_.key()) {
            return reply(response, HTTPResponse::HTTP_UNAUTHORIZED, R"({"error":{"message":"invalid api key"}})");
        }
        std::string model = body.HasMember("model") && body["model"].IsString() ? body["model"].GetString() : "";
        if (model == "broken") {
            response.set("Retry-After", "2");
            return reply(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE, R"({"error":{"message":"model is loading"}})");
        }
        bool stream = body.HasMember("stream") && body["stream"].IsBool() && body["stream"].GetBool();
        if (!stream) {
            return reply(response, HTTPResponse::HTTP_OK,
                         R"({"id":"cmpl-1","object":"chat.completion","model":")" + model +
                             R"(","choices":[{"index":0,"message":{"role":"assistant","content":"Hello from )" +
                             model + R"("},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":3}})");
        }
        response.setContentType("text/event-stream");
        response.setChunkedTransferEncoding(true);
        std::ostream &out = response.send();
        auto chunk = [&](const std::string &delta, const std::string &finish) {
            out << R"(data: {"id":"cmpl-2","model":")" << model << R"(","choices":[{"index":0,"delta":)" << delta
                << R"(,"finish_reason":)" << finish << "}]}\n\n";
            out.flush();
        };
        chunk(R"({"role":"assistant","content":"Hello "})", "null");
        chunk(R"({"content":"from "})", "null");
        chunk(R"({"content":")" + model + R"("})", "null");
        chunk("{}", R"("stop")");
        out << R"(data: {"id":"cmpl-2","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":3}})" << "\n\n";
        out << "data: [DONE]\n\n";
        out.flush();
    }

private:
    static void reply(Poco::Net::HTTPServerResponse &response, HTTPResponse::HTTPStatus status, const std::string &json) {
        response.setStatus(status);
        response.setContentType("application/json");
        response.setContentLength(static_cast<std::streamsize>(json.size()));
        response.send() << json;
    }

    OpenAiServer &server_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit Factory(OpenAiServer &server) : server_(server) {}
    Poco::Net::HTTPRequestHandler *createRequestHandler(const Poco::Net::HTTPServerRequest &) override {
        return new Handler(server_);
    }

private:
    OpenAiServer &server_;
};

}  // namespace

OpenAiServer::OpenAiServer(std::string key) : key_(std::move(key)) {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, new Poco::Net::HTTPServerParams);
    server_->start();
}

OpenAiServer::~OpenAiServer() { server_->stopAll(true); }

std::string OpenAiServer::baseUrl() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/v1";
}

std::vector<SeenRequest> OpenAiServer::requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
}

void OpenAiServer::record(SeenRequest request) {
    std::lock_guard lock(mutex_);
    requests_.push_back(std::move(request));
}

}  // namespace moltbot::test
