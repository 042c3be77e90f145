// Error classification: HTTP status to ABI code, messages, retry-after sources.
#include "errors.hpp"

#include <moltbot/plugin.h>
#include <moltbot/sdk/json.hpp>

#include <doctest/doctest.h>

using namespace moltbot::openrouter;

namespace {
constexpr int64_t kNow = 1788220000000;  // ms
}

TEST_CASE("errors: each HTTP status maps to its ABI code") {
    CHECK(statusCode(400) == MB_ERR_INVALID_REQUEST);
    CHECK(statusCode(413) == MB_ERR_INVALID_REQUEST);
    CHECK(statusCode(422) == MB_ERR_INVALID_REQUEST);
    CHECK(statusCode(401) == MB_ERR_AUTH);
    CHECK(statusCode(402) == MB_ERR_PAYMENT);
    CHECK(statusCode(403) == MB_ERR_MODERATION);
    CHECK(statusCode(404) == MB_ERR_NOT_FOUND);
    CHECK(statusCode(408) == MB_ERR_TIMEOUT);
    CHECK(statusCode(429) == MB_ERR_RATE_LIMITED);
    CHECK(statusCode(500) == MB_ERR_UNAVAILABLE);
    CHECK(statusCode(502) == MB_ERR_UNAVAILABLE);
    CHECK(statusCode(503) == MB_ERR_UNAVAILABLE);
    CHECK(statusCode(529) == MB_ERR_UNAVAILABLE);
    CHECK(statusCode(418) == MB_ERR_HTTP);
}

TEST_CASE("errors: OpenRouter's message, the provider and metadata.raw make the message") {
    UpstreamFailure f = httpFailure(
        429, "HTTP/1.1 429 Too Many Requests\r\n",
        R"({"error":{"message":"Provider returned error","code":429,"metadata":{"raw":"qwen/qwen3-coder:free is )"
        R"(temporarily rate-limited upstream.","provider_name":"Venice","is_byok":false,"retry_after_seconds":29}},)"
        R"("user_id":"user_3Dz0"})",
        kNow);
    CHECK(f.code() == MB_ERR_RATE_LIMITED);
    CHECK(f.httpStatus() == 429);
    CHECK(f.retryAfterMs() == 29000);
    CHECK(f.message() ==
          "OpenRouter HTTP 429: Provider returned error (Venice): qwen/qwen3-coder:free is temporarily rate-limited "
          "upstream.");
    CHECK_FALSE(f.invalidModel());

    // raw as an object, and very long raw text, stay bounded and on one line.
    UpstreamFailure big = httpFailure(502, "", R"({"error":{"message":"Provider returned error","code":502,)"
                                               R"("metadata":{"raw":{"detail":")" + std::string(5000, 'x') + "\nz\"}}}}",
                                      kNow);
    CHECK(big.code() == MB_ERR_UNAVAILABLE);
    CHECK(big.message().size() < 1000);
    CHECK(big.message().find('\n') == std::string::npos);
    CHECK(big.message().find("...") != std::string::npos);

    UpstreamFailure moderated = httpFailure(
        403, "", R"({"error":{"code":403,"message":"Input flagged","metadata":{"reasons":["violence","hate"]}}})", kNow);
    CHECK(moderated.code() == MB_ERR_MODERATION);
    CHECK(moderated.message().find("reasons: violence, hate") != std::string::npos);
}

TEST_CASE("errors: an unknown model is NOT_FOUND, other 400s stay invalid requests") {
    UpstreamFailure f =
        httpFailure(400, "", R"({"error":{"message":"acme/fake-1.0 is not a valid model ID","code":400}})", kNow);
    CHECK(f.code() == MB_ERR_NOT_FOUND);
    CHECK(f.httpStatus() == 400);
    CHECK(f.invalidModel());
    CHECK(f.message().find("acme/fake-1.0") != std::string::npos);
    UpstreamFailure other = httpFailure(400, "", R"({"error":{"message":"context too long","code":400}})", kNow);
    CHECK(other.code() == MB_ERR_INVALID_REQUEST);
    CHECK_FALSE(other.invalidModel());
    UpstreamFailure noEndpoints = httpFailure(404, "", R"({"error":{"message":"No endpoints found for x.","code":404}})", kNow);
    CHECK(noEndpoints.code() == MB_ERR_NOT_FOUND);
    CHECK_FALSE(noEndpoints.invalidModel());
}

TEST_CASE("errors: non-JSON bodies") {
    UpstreamFailure text = httpFailure(503, "HTTP/1.1 503 Service Unavailable\r\n", "upstream connect error\r\n", kNow);
    CHECK(text.code() == MB_ERR_UNAVAILABLE);
    CHECK(text.message() == "OpenRouter HTTP 503: upstream connect error");
    UpstreamFailure html = httpFailure(502, "HTTP/1.1 502 Bad Gateway\r\n", "<html><body>cloudflare</body></html>", kNow);
    CHECK(html.message() == "OpenRouter HTTP 502: Bad Gateway");
    UpstreamFailure empty = httpFailure(500, "HTTP/2 500\r\n", "", kNow);
    CHECK(empty.message() == "OpenRouter HTTP 500: no error details");
    UpstreamFailure jsonWithoutError = httpFailure(401, "HTTP/1.1 401 Unauthorized\r\n", R"({"detail":"no"})", kNow);
    CHECK(jsonWithoutError.code() == MB_ERR_AUTH);
    CHECK(jsonWithoutError.message() == "OpenRouter HTTP 401: Unauthorized");
}

TEST_CASE("errors: retry-after from headers, metadata, or the rate-limit reset time") {
    CHECK(retryAfterMs("Retry-After: 7\r\n", nullptr, kNow) == 7000);
    CHECK(retryAfterMs("retry-after:  1.5 \r\n", nullptr, kNow) == 1500);
    CHECK(retryAfterMs("X-RateLimit-Reset: " + std::to_string(kNow + 2500) + "\r\n", nullptr, kNow) == 2500);
    CHECK(retryAfterMs("X-RateLimit-Reset: " + std::to_string(kNow - 10) + "\r\n", nullptr, kNow) == 0);
    CHECK(retryAfterMs("", nullptr, kNow) == -1);
    CHECK(retryAfterMs("Retry-After: soon\r\n", nullptr, kNow) == -1);
    CHECK(retryAfterMs("Retry-After: 1e300\r\nX-RateLimit-Reset: -5\r\n", nullptr, kNow) == -1);

    rapidjson::Document metadata;
    REQUIRE(moltbot::sdk::json::parse(metadata, R"({"headers":{"X-RateLimit-Limit":"50","X-RateLimit-Reset":")" +
                                                    std::to_string(kNow + 60000) + R"("}})"));
    CHECK(retryAfterMs("", &metadata, kNow) == 60000);
    REQUIRE(moltbot::sdk::json::parse(metadata, R"({"retry_after_seconds":1e300,"headers":{"Retry-After":1e300}})"));
    CHECK(retryAfterMs("", &metadata, kNow) == -1);
    REQUIRE(moltbot::sdk::json::parse(metadata, R"({"headers":{"Retry-After":"29"}})"));
    CHECK(retryAfterMs("", &metadata, kNow) == 29000);
    // The response header wins over the metadata.
    CHECK(retryAfterMs("Retry-After: 3\r\n", &metadata, kNow) == 3000);

    UpstreamFailure limited = httpFailure(
        429, "HTTP/1.1 429 x\r\nX-RateLimit-Reset: " + std::to_string(kNow + 4000) + "\r\n",
        R"({"error":{"message":"Rate limit exceeded: free-models-per-min.","code":429}})", kNow);
    CHECK(limited.retryAfterMs() == 4000);
    CHECK(limited.message() == "OpenRouter HTTP 429: Rate limit exceeded: free-models-per-min.");
}

TEST_CASE("errors: Retry-After as delay-seconds or an HTTP-date (all three forms), garbage ignored") {
    using moltbot::sdk::parseRetryAfter;
    constexpr int64_t now = 1792567680000;  // Wed, 21 Oct 2026 07:28:00 GMT
    CHECK(parseRetryAfter("120", now) == 120000);
    CHECK(parseRetryAfter(" 1.5 ", now) == 1500);
    CHECK(parseRetryAfter("Wed, 21 Oct 2026 07:28:20 GMT", now) == 20000);
    CHECK(parseRetryAfter("Wed, 21 Oct 2026 07:28:20 GMT", now + 500) == 19500);
    CHECK(parseRetryAfter("Wednesday, 21-Oct-26 07:29:00 GMT", now) == 60000);  // RFC 850
    CHECK(parseRetryAfter("Wed Oct 21 07:28:05 2026", now) == 5000);            // asctime
    CHECK(parseRetryAfter("Sun Nov  6 08:49:37 1994", now) == 0);               // passed: no wait
    CHECK(parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now) == 0);
    CHECK(parseRetryAfter("Thu, 22 Oct 2026 07:28:00 GMT", now) == 86400000);  // the host decides not to wait that long
    for (const char *garbage :
         {"", "soon", "-5", "1e300", "nan", "12s", "Wed, 21 Oct 2026 07:28:20 PST", "Wed, 21 Oct 2026 07:28:20",
          "Wed, 31 Feb 2026 07:28:20 GMT", "Wed, 21 Oct 2026 24:00:00 GMT", "Wed, 21 Foo 2026 07:28:20 GMT",
          "Wed,21 Oct 2026 07:28:20 GMT", "21 Oct 2026 07:28:20 GMT", "Wed, 21 Oct 2026 07:28:20 GMT junk"}) {
        INFO(garbage);
        CHECK_FALSE(parseRetryAfter(garbage, now).has_value());
    }
    // Through the plugin's sources: the response header, then metadata.headers (a string there may be a date too).
    CHECK(retryAfterMs("Retry-After: Wed, 21 Oct 2026 07:28:10 GMT\r\n", nullptr, now) == 10000);
    CHECK(retryAfterMs("Retry-After: Tue, 20 Oct 2026 07:28:10 GMT\r\n", nullptr, now) == 0);
    rapidjson::Document metadata;
    REQUIRE(moltbot::sdk::json::parse(metadata, R"({"headers":{"retry-after":"Wed, 21 Oct 2026 07:28:03 GMT"}})"));
    CHECK(retryAfterMs("Retry-After: garbage\r\n", &metadata, now) == 3000);
    UpstreamFailure limited = httpFailure(429, "HTTP/1.1 429 x\r\nRetry-After: Wed, 21 Oct 2026 07:28:07 GMT\r\n",
                                          R"({"error":{"message":"Rate limit exceeded","code":429}})", now);
    CHECK(limited.code() == MB_ERR_RATE_LIMITED);
    CHECK(limited.retryAfterMs() == 7000);
}

TEST_CASE("errors: an error object under HTTP 200") {
    using moltbot::sdk::openai::errorFailure;
    rapidjson::Document doc;
    REQUIRE(moltbot::sdk::json::parse(doc, R"({"code":502,"message":"Provider disconnected"})"));
    UpstreamFailure f = errorFailure(dialect(), doc, "stream", kNow);
    CHECK(f.code() == MB_ERR_UNAVAILABLE);
    CHECK(f.message() == "OpenRouter stream error 502: Provider disconnected");
    REQUIRE(moltbot::sdk::json::parse(doc, R"({"code":"server_error","message":"oops"})"));
    CHECK(errorFailure(dialect(), doc, "response", kNow).code() == MB_ERR_UNAVAILABLE);
    REQUIRE(moltbot::sdk::json::parse(doc, R"({"code":402,"message":"Insufficient credits"})"));
    CHECK(errorFailure(dialect(), doc, "response", kNow).code() == MB_ERR_PAYMENT);
}
