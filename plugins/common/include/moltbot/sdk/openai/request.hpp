// The body of POST /chat/completions from the host's canonical request (already OpenAI's shape, its "model" the
// provider-local id) and the per-model options of the config ({"params": {...}, ...}). The rules every provider
// shares: a field the request sets wins over the config's params (they are per-model defaults); params are camelCase
// in the config and snake_case on the wire; "stream" is what the call is; a stream asks for the usage chunk.
#pragma once

#include <moltbot/plugin.h>
#include <moltbot/sdk/guard.hpp>
#include <moltbot/sdk/json.hpp>

#include <rapidjson/document.h>

#include <string>
#include <string_view>

namespace moltbot::sdk::openai {

using Allocator = rapidjson::Document::AllocatorType;

// "frequencyPenalty" -> "frequency_penalty".
inline std::string snakeCase(std::string_view name) {
    std::string out;
    out.reserve(name.size() + 4);
    for (char c : name) {
        if (c >= 'A' && c <= 'Z') {
            if (!out.empty()) out += '_';
            out += static_cast<char>(c - 'A' + 'a');
        } else {
            out += c;
        }
    }
    return out;
}

// Sets body[key] = value unless the body has that member already.
inline void fillMissing(rapidjson::Value &body, std::string_view key, const rapidjson::Value &value, Allocator &a) {
    if (body.HasMember(rapidjson::Value(rapidjson::StringRef(key.data(), key.size())))) return;
    body.AddMember(rapidjson::Value(key.data(), static_cast<rapidjson::SizeType>(key.size()), a),
                   rapidjson::Value(value, a), a);
}

// Every param under its snake_case name, unless the request sets it; a null param is a default turned off.
inline void fillParams(rapidjson::Value &body, const rapidjson::Value &params, Allocator &a) {
    for (const auto &m : params.GetObject()) {
        if (!m.value.IsNull()) fillMissing(body, snakeCase(json::view(m.name)), m.value, a);
    }
}

// "stream" set to what the call is. A stream asks for the usage chunk (stream_options.include_usage) unless the
// request chose its own stream_options; a complete() drops them (they are only valid with "stream": true).
inline void setStream(rapidjson::Value &body, bool stream, Allocator &a) {
    body.RemoveMember("stream");
    body.AddMember("stream", stream, a);
    if (!stream) {
        body.RemoveMember("stream_options");
    } else if (!body.HasMember("stream_options")) {
        rapidjson::Value options(rapidjson::kObjectType);
        options.AddMember("include_usage", true, a);
        body.AddMember("stream_options", options, a);
    }
}

// Parses the request and options of a complete() or stream() call: a JSON object, and JSON or nothing (then null).
// Throws Failure(MB_ERR_INVALID_ARGUMENT) when the host's JSON is not what the ABI promises.
inline void parseCall(std::string_view requestJson, std::string_view optionsJson, rapidjson::Document &request,
                      rapidjson::Document &options) {
    if (!json::parse(request, requestJson) || !request.IsObject()) {
        throw Failure(MB_ERR_INVALID_ARGUMENT, "the request is not a JSON object");
    }
    if (!optionsJson.empty() && !json::parse(options, optionsJson)) {
        throw Failure(MB_ERR_INVALID_ARGUMENT, "the model options are not valid JSON");
    }
}

// The body for a server that takes the request as it is: the request, the options' params filled in, setStream.
inline std::string requestBody(std::string_view requestJson, std::string_view optionsJson, bool stream) {
    rapidjson::Document body;
    rapidjson::Document options;
    parseCall(requestJson, optionsJson, body, options);
    if (const rapidjson::Value *params = json::getObject(options, "params")) {
        fillParams(body, *params, body.GetAllocator());
    }
    setStream(body, stream, body.GetAllocator());
    return json::write(body);
}

}  // namespace moltbot::sdk::openai
