#include "tests/simulator/sim_client.hpp"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Exception.h>
#include <Poco/StreamCopier.h>
#include <doctest/doctest.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace moltbot::sim::test {

rapidjson::Document parseJson(const std::string &text) {
    rapidjson::Document document;
    document.Parse(text.c_str(), text.size());
    REQUIRE_MESSAGE(!document.HasParseError(), "not JSON: " << text.substr(0, 300));
    return document;
}

rapidjson::Document Reply::json() const {
    return parseJson(body);
}

Fixture::Fixture(Options options) : simulator(std::move(options)) {
    simulator.start();
}

Reply Fixture::call(const Call &call) {
    Poco::Net::HTTPClientSession session("127.0.0.1", simulator.port());
    session.setTimeout(Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(call.timeout).count()));
    Poco::Net::HTTPRequest request(call.method, call.path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (call.auth) request.set("Authorization", "Bearer " + call.key);
    for (const auto &[name, value] : call.headers) request.set(name, value);
    if (!call.body.empty() || call.method == "POST") {
        request.setContentType("application/json");
        request.setContentLength(static_cast<std::streamsize>(call.body.size()));
    }
    session.sendRequest(request) << call.body;
    Poco::Net::HTTPResponse response;
    std::istream &stream = session.receiveResponse(response);
    Reply reply;
    reply.status = response.getStatus();
    for (const auto &[name, value] : response) reply.headers.add(name, value);
    Poco::StreamCopier::copyToString(stream, reply.body);
    // Poco's streams swallow a read error (a timeout, a reset) into badbit; surface it as the error it was.
    if (stream.bad())
        throw Poco::IOException("the response broke off after " + std::to_string(reply.body.size()) + " bytes");
    return reply;
}

Reply Fixture::get(const std::string &path, bool auth) {
    return call({"GET", path, "", {}, auth});
}

Reply Fixture::post(const std::string &path, const std::string &body, bool auth) {
    return call({"POST", path, body, {}, auth});
}

Reply Fixture::chat(const std::string &body) {
    return post("/api/v1/chat/completions", body);
}

void Fixture::faults(const std::string &json) {
    Reply reply = post("/_sim/faults", json, false);
    REQUIRE_MESSAGE(reply.status == 200, reply.body);
}

SseEvents parseSse(const std::string &body) {
    SseEvents events;
    std::size_t start = 0;
    while (start < body.size()) {
        std::size_t end = body.find("\n\n", start);
        std::string event = body.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (event.starts_with("data: ")) {
            events.data.push_back(event.substr(6));
        } else if (event.starts_with(":")) {
            events.comments.push_back(event);
        }
        if (end == std::string::npos) break;
        start = end + 2;
    }
    return events;
}

std::string chatBody(const std::string &model, const std::string &text, const std::string &extra) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.String(text.c_str(), static_cast<rapidjson::SizeType>(text.size()));
    std::string body =
        "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":" + buffer.GetString() + "}]";
    if (!extra.empty()) body += "," + extra;
    return body + "}";
}

}  // namespace moltbot::sim::test
