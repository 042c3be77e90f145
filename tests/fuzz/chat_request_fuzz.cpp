// The gateway's request parsing: any bytes either give a request whose body is an object with a "messages" array
// and none of the members the gateway takes out, re-encoded as valid JSON, or a 400 whose error body is JSON.
#include "check.hpp"

#include "core/gateway/chat_request.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>

using namespace moltbot::gateway;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char *>(data), size);
    try {
        ChatRequest request = parseChatRequest(text);
        FUZZ_CHECK(request.body.IsObject());
        FUZZ_CHECK(request.body.HasMember("messages") && request.body["messages"].IsArray());
        FUZZ_CHECK(!request.body.HasMember("model") && !request.body.HasMember("models") &&
                   !request.body.HasMember("stream"));
        FUZZ_CHECK(!request.model || !request.model->empty());
        FUZZ_CHECK(!request.includeUsage || request.body.HasMember("stream_options"));
        rapidjson::StringBuffer buffer;
        rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
        FUZZ_CHECK(request.body.Accept(writer));
        rapidjson::Document again;
        again.Parse<rapidjson::kParseValidateEncodingFlag>(buffer.GetString(), buffer.GetSize());
        FUZZ_CHECK(!again.HasParseError());
    } catch (const ApiError &error) {
        FUZZ_CHECK(error.status == 400 && !error.message.empty() && !error.code.empty());
        std::string body = errorBody(error);
        rapidjson::Document parsed;
        parsed.Parse<rapidjson::kParseValidateEncodingFlag>(body.data(), body.size());
        FUZZ_CHECK(!parsed.HasParseError() && parsed.IsObject() && parsed.HasMember("error"));
    }
    return 0;
}
