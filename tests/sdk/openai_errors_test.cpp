// sdk/openai/errors.hpp: HTTP error answers and error objects into ABI codes, messages and waits.
#include <moltbot/plugin.h>
#include <moltbot/sdk/json.hpp>
#include <moltbot/sdk/openai/errors.hpp>

#include <doctest/doctest.h>

#include <string>

namespace openai = moltbot::sdk::openai;
using openai::UpstreamFailure;

namespace {

constexpr int64_t kNow = 1792567680000;  // Wed, 21 Oct 2026 07:28:00 GMT
const openai::Dialect kUpstream("upstream");

UpstreamFailure http(int32_t status, const std::string &body, const std::string &headers = "") {
    return openai::httpFailure(kUpstream, status, "HTTP/1.1 " + std::to_string(status) + " Reason Phrase\r\n" + headers,
                               body, kNow);
}

}  // namespace

TEST_CASE("HTTP errors: the status picks the code, the error object the message") {
    UpstreamFailure auth = http(401, R"({"error":{"message":"Incorrect API key provided: sk-...abcd.",)"
                                     R"("type":"invalid_request_error","param":null,"code":"invalid_api_key"}})");
    CHECK(auth.code() == MB_ERR_AUTH);
    CHECK(auth.httpStatus() == 401);
    CHECK(auth.retryAfterMs() == -1);
    CHECK(auth.message() == "upstream HTTP 401: Incorrect API key provided: sk-...abcd.");
    CHECK_FALSE(auth.invalidModel());

    CHECK(http(402, R"({"error":{"message":"Insufficient credits"}})").code() == MB_ERR_PAYMENT);
    CHECK(http(408, R"({"error":{"message":"Request timed out"}})").code() == MB_ERR_TIMEOUT);
    CHECK(http(400, R"({"error":{"message":"context too long"}})").code() == MB_ERR_INVALID_REQUEST);
    CHECK(http(403, R"({"error":{"message":"flagged"}})").code() == MB_ERR_MODERATION);
    CHECK(http(418, R"({"error":{"message":"teapot"}})").code() == MB_ERR_HTTP);

    UpstreamFailure missing = http(404, R"({"error":{"message":"The model `gpt-9` does not exist",)"
                                        R"("type":"invalid_request_error","code":"model_not_found"}})");
    CHECK(missing.code() == MB_ERR_NOT_FOUND);
    CHECK(missing.invalidModel());
    UpstreamFailure route = http(404, "404 page not found\n");
    CHECK(route.code() == MB_ERR_NOT_FOUND);
    CHECK_FALSE(route.invalidModel());
    CHECK(route.message() == "upstream HTTP 404: 404 page not found");
}

TEST_CASE("HTTP 429: Retry-After in seconds or as an HTTP-date gives the wait") {
    UpstreamFailure seconds = http(429, R"({"error":{"message":"Rate limit reached","code":"rate_limit_exceeded"}})",
                                   "Retry-After: 20\r\n");
    CHECK(seconds.code() == MB_ERR_RATE_LIMITED);
    CHECK(seconds.retryAfterMs() == 20000);
    CHECK(seconds.message() == "upstream HTTP 429: Rate limit reached");
    CHECK(http(429, "", "retry-after: Wed, 21 Oct 2026 07:28:07 GMT\r\n").retryAfterMs() == 7000);
    CHECK(http(429, "", "Retry-After: soon\r\n").retryAfterMs() == -1);
    CHECK(http(503, R"({"error":{"message":"loading"}})", "Retry-After: 2\r\n").retryAfterMs() == 2000);
}

TEST_CASE("HTTP 5xx: unavailable, whatever the body looks like") {
    UpstreamFailure json = http(500, R"({"error":{"message":"The server had an error"}})");
    CHECK(json.code() == MB_ERR_UNAVAILABLE);
    CHECK(json.message() == "upstream HTTP 500: The server had an error");
    UpstreamFailure ollama = http(503, R"({"error":"model is loading"})");  // the error as a bare string
    CHECK(ollama.code() == MB_ERR_UNAVAILABLE);
    CHECK(ollama.message() == "upstream HTTP 503: model is loading");
    UpstreamFailure html = openai::httpFailure(kUpstream, 502, "HTTP/1.1 502 Bad Gateway\r\n",
                                               "<html><body>nginx</body></html>", kNow);
    CHECK(html.code() == MB_ERR_UNAVAILABLE);
    CHECK(html.message() == "upstream HTTP 502: Bad Gateway");
    CHECK(openai::httpFailure(kUpstream, 504, "HTTP/2 504\r\n", "", kNow).message() ==
          "upstream HTTP 504: no error details");
    CHECK(http(599, "x").code() == MB_ERR_UNAVAILABLE);
}

TEST_CASE("messages stay on one line and bounded") {
    UpstreamFailure big = http(500, R"({"error":{"message":")" + std::string(5000, 'x') + R"(\nmore"}})");
    CHECK(big.message().size() < openai::kMaxMessageChars + 40);
    CHECK(big.message().find('\n') == std::string::npos);
    CHECK(big.message().substr(big.message().size() - 3) == "...");
    CHECK(openai::excerpt("  a\tb\r\n", 10) == "a b");
    CHECK(openai::excerpt("\xC3\xA9\xC3\xA9", 3) == "\xC3\xA9...");  // never half a character
}

TEST_CASE("error objects: the status inside (code or status, a number or digits), else unavailable") {
    auto object = [](const char *text) {
        rapidjson::Document doc;
        REQUIRE(moltbot::sdk::json::parse(doc, text));
        return openai::errorFailure(kUpstream, doc, "stream", kNow);
    };
    CHECK(openai::errorStatus(rapidjson::Document().Parse(R"({"code":"429"})")) == 429);
    CHECK(openai::errorStatus(rapidjson::Document().Parse(R"({"code":"rate_limit","status":502})")) == 502);
    CHECK(openai::errorStatus(rapidjson::Document().Parse(R"({"code":12})")) == 0);
    CHECK(object(R"({"code":402,"message":"Insufficient credits"})").code() == MB_ERR_PAYMENT);
    CHECK(object(R"({"code":"429","message":"slow"})").code() == MB_ERR_RATE_LIMITED);
    UpstreamFailure plain = object(R"({"message":"oops"})");
    CHECK(plain.code() == MB_ERR_UNAVAILABLE);
    CHECK(plain.httpStatus() == 200);
    CHECK(plain.message() == "upstream stream error: oops");
    CHECK(object(R"({"code":502})").message() == "upstream stream error 502: unknown error");
}

TEST_CASE("a dialect adds to the message, the wait and the unknown-model rule") {
    struct Acme : openai::Dialect {
        Acme() : Dialect("Acme") {}
        std::string describe(const rapidjson::Value &error) const override {
            return Dialect::describe(error) + " [" + std::string(moltbot::sdk::json::getString(error, "hint")) + "]";
        }
        int64_t retryAfterMs(std::string_view, const rapidjson::Value *error, int64_t) const override {
            return error != nullptr ? moltbot::sdk::json::getInt(*error, "wait_ms", -1) : -1;
        }
        bool invalidModel(int32_t status, const rapidjson::Value &error) const override {
            return status == 400 && moltbot::sdk::json::getString(error, "type") == "unknown_model";
        }
    } acme;
    UpstreamFailure f = openai::httpFailure(acme, 400, "", R"({"error":{"message":"no such model","hint":"try b",)"
                                                           R"("type":"unknown_model","wait_ms":5}})", kNow);
    CHECK(f.code() == MB_ERR_NOT_FOUND);
    CHECK(f.invalidModel());
    CHECK(f.retryAfterMs() == 5);
    CHECK(f.message() == "Acme HTTP 400: no such model [try b]");
}
