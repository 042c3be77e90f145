// sdk/openai/request.hpp: the Chat Completions body from the host's request and the per-model options.
#include <moltbot/plugin.h>
#include <moltbot/sdk/guard.hpp>
#include <moltbot/sdk/json.hpp>
#include <moltbot/sdk/openai/request.hpp>

#include <doctest/doctest.h>

#include <string>

namespace json = moltbot::sdk::json;
namespace openai = moltbot::sdk::openai;

namespace {

rapidjson::Document body(const std::string &request, const std::string &options, bool stream) {
    rapidjson::Document doc;
    REQUIRE(json::parse(doc, openai::requestBody(request, options, stream)));
    return doc;
}

}  // namespace

TEST_CASE("params fill in under their snake_case names; the request's own fields win; null turns one off") {
    rapidjson::Document b = body(R"({"model":"llama3","messages":[],"temperature":0.9})",
                                 R"({"params":{"temperature":0.2,"maxTokens":100,"topP":null,"frequencyPenalty":1}})",
                                 false);
    CHECK(json::getString(b, "model") == "llama3");
    CHECK(b["temperature"].GetDouble() == 0.9);
    CHECK(b["max_tokens"].GetInt() == 100);
    CHECK(b["frequency_penalty"].GetInt() == 1);
    CHECK_FALSE(b.HasMember("top_p"));
    CHECK(openai::snakeCase("repetitionPenalty") == "repetition_penalty");
    CHECK(openai::snakeCase("Seed") == "seed");
}

TEST_CASE("stream is what the call is; a stream asks for the usage chunk unless the request chose its own options") {
    rapidjson::Document streamed = body(R"({"model":"m","messages":[],"stream":false})", "", true);
    CHECK(streamed["stream"].IsTrue());
    CHECK(streamed["stream_options"]["include_usage"].IsTrue());
    rapidjson::Document own =
        body(R"({"model":"m","messages":[],"stream_options":{"include_usage":false}})", "{}", true);
    CHECK(own["stream_options"]["include_usage"].IsFalse());
    rapidjson::Document whole = body(R"({"model":"m","messages":[],"stream":true,"stream_options":{}})", "{}", false);
    CHECK(whole["stream"].IsFalse());
    CHECK_FALSE(whole.HasMember("stream_options"));
}

TEST_CASE("JSON that breaks the ABI's promise is an invalid argument") {
    CHECK_THROWS_WITH(openai::requestBody("[]", "", true), "the request is not a JSON object");
    CHECK_THROWS_WITH(openai::requestBody(R"({"model":"m"})", "{", true), "the model options are not valid JSON");
}
