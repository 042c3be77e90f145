#include "core/gateway/chat_request.hpp"

#include <moltbot/sdk/text.hpp>

#include <rapidjson/error/en.h>

namespace moltbot::gateway {

namespace {

[[noreturn]] void invalid(std::string code, std::string message, std::string param = {}) {
    ApiError error;
    error.status = 400;
    error.type = "invalid_request_error";
    error.code = std::move(code);
    error.message = std::move(message);
    error.param = std::move(param);
    throw error;
}

// The byte offset at which `text` first nests deeper than `limit`, or npos. Strings are skipped, escapes included.
std::size_t tooDeepAt(std::string_view text, int limit) {
    int depth = 0;
    bool inString = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (inString) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                inString = false;
            }
        } else if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            if (++depth > limit) return i;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return std::string_view::npos;
}

// Whether every string and member name in `value` is valid UTF-8. rapidjson turns a \u escape of a lone surrogate
// ("\udeae") into bytes that are not UTF-8, which the raw-byte check of the parse does not see. Depth is bounded by
// kMaxJsonDepth before the parse, so the recursion is too.
bool allStringsValid(const rapidjson::Value &value) {
    if (value.IsString()) return sdk::isValidUtf8(std::string_view(value.GetString(), value.GetStringLength()));
    if (value.IsArray()) {
        for (const auto &item : value.GetArray()) {
            if (!allStringsValid(item)) return false;
        }
    } else if (value.IsObject()) {
        for (const auto &member : value.GetObject()) {
            if (!allStringsValid(member.name) || !allStringsValid(member.value)) return false;
        }
    }
    return true;
}

}  // namespace

ChatRequest parseChatRequest(std::string_view text) {
    if (std::size_t at = tooDeepAt(text, kMaxJsonDepth); at != std::string_view::npos) {
        invalid("invalid_json", "the body nests JSON deeper than " + std::to_string(kMaxJsonDepth) +
                                    " levels (at byte offset " + std::to_string(at) + ")");
    }
    ChatRequest request;
    rapidjson::Document &body = request.body;
    body.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(text.data(), text.size());
    if (body.HasParseError()) {
        bool encoding = body.GetParseError() == rapidjson::kParseErrorStringInvalidEncoding;
        invalid(encoding ? "invalid_utf8" : "invalid_json",
                std::string(encoding ? "the body is not valid UTF-8" : "the body is not valid JSON") + ": " +
                    rapidjson::GetParseError_En(body.GetParseError()) + " at byte offset " +
                    std::to_string(body.GetErrorOffset()));
    }
    if (!allStringsValid(body)) {
        invalid("invalid_utf8", "the body is not valid UTF-8: a \\u escape names a lone surrogate (a \\uD800-\\uDFFF "
                                "without its pair), which is not a character");
    }
    if (!body.IsObject()) invalid("invalid_request", "the body must be a JSON object (a chat completion request)");
    auto messages = body.FindMember("messages");
    if (messages == body.MemberEnd()) invalid("missing_messages", "'messages' is required", "messages");
    if (!messages->value.IsArray()) invalid("invalid_messages", "'messages' must be an array", "messages");

    // A key given twice counts as its last value, as in JavaScript's JSON.parse; every copy is taken out.
    for (auto member = body.MemberBegin(); member != body.MemberEnd(); ++member) {
        std::string_view key(member->name.GetString(), member->name.GetStringLength());
        const rapidjson::Value &value = member->value;
        if (key == "model") {
            request.model.reset();
            if (value.IsString()) {
                request.model = std::string(value.GetString(), value.GetStringLength());
                if (request.model->empty()) invalid("invalid_model", "'model' must not be empty", "model");
                if (request.model->size() > kMaxModelNameBytes) {
                    invalid("invalid_model", "'model' is longer than " + std::to_string(kMaxModelNameBytes) + " bytes",
                            "model");
                }
            } else if (!value.IsNull()) {
                invalid("invalid_model", "'model' must be a string: a model ref or a configured alias", "model");
            }
        } else if (key == "models") {
            if (!value.IsArray()) invalid("invalid_models", "'models' must be an array of model names", "models");
            if (value.Size() > kMaxFallbackModels) {
                invalid("invalid_models", "'models' names more than " + std::to_string(kMaxFallbackModels) + " models",
                        "models");
            }
            request.models.clear();
            for (const auto &item : value.GetArray()) {
                if (!item.IsString() || item.GetStringLength() == 0 || item.GetStringLength() > kMaxModelNameBytes) {
                    invalid("invalid_models",
                            "'models' must hold model refs or aliases of 1 to " + std::to_string(kMaxModelNameBytes) +
                                " bytes",
                            "models");
                }
                request.models.emplace_back(item.GetString(), item.GetStringLength());
            }
        } else if (key == "stream") {
            if (!value.IsBool() && !value.IsNull()) invalid("invalid_stream", "'stream' must be a boolean", "stream");
            request.stream = value.IsBool() && value.GetBool();
        }
    }
    for (const char *taken : {"model", "models", "stream"}) {
        while (body.RemoveMember(taken)) {
        }
    }
    // The last stream_options counts; the plugin reads the same one.
    const rapidjson::Value *streamOptions = nullptr;
    for (auto member = body.MemberBegin(); member != body.MemberEnd(); ++member) {
        if (std::string_view(member->name.GetString(), member->name.GetStringLength()) == "stream_options") {
            streamOptions = &member->value;
        }
    }
    if (streamOptions != nullptr && !streamOptions->IsNull()) {
        if (!streamOptions->IsObject()) invalid("invalid_stream_options", "'stream_options' must be an object", "stream_options");
        auto usage = streamOptions->FindMember("include_usage");
        if (usage != streamOptions->MemberEnd()) {
            if (!usage->value.IsBool()) {
                invalid("invalid_stream_options", "'stream_options.include_usage' must be a boolean",
                        "stream_options.include_usage");
            }
            request.includeUsage = usage->value.GetBool();
        }
    }
    return request;
}

}  // namespace moltbot::gateway
