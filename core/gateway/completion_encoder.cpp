#include "core/gateway/completion_encoder.hpp"

#include <moltbot/plugin.h>
#include <moltbot/sdk/json.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <random>

namespace moltbot::gateway {

namespace {

namespace json = sdk::json;
using Allocator = rapidjson::Document::AllocatorType;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void writeString(Writer &w, std::string_view text) { w.String(text.data(), static_cast<rapidjson::SizeType>(text.size())); }

// OpenAI's finish reasons; a plugin that could not tell ("unknown" or nothing) finished normally.
std::string_view finishReasonOf(std::string_view reason) { return reason.empty() || reason == "unknown" ? "stop" : reason; }

void setMember(rapidjson::Value &object, const char *name, rapidjson::Value value, Allocator &a) {
    if (auto it = object.FindMember(name); it != object.MemberEnd()) {
        it->value = value;
    } else {
        object.AddMember(rapidjson::Value(name, a), value, a);
    }
}

// The usage object clients expect, over what the upstream sent (its own extra fields are kept).
void fillUsage(rapidjson::Value &usage, const pipeline::Usage &known, Allocator &a) {
    if (!usage.IsObject()) usage.SetObject();
    setMember(usage, "prompt_tokens", rapidjson::Value(known.promptTokens), a);
    setMember(usage, "completion_tokens", rapidjson::Value(known.completionTokens), a);
    setMember(usage, "total_tokens", rapidjson::Value(known.promptTokens + known.completionTokens), a);
    rapidjson::Value details(rapidjson::kObjectType);
    if (auto it = usage.FindMember("prompt_tokens_details"); it != usage.MemberEnd() && it->value.IsObject()) {
        details.CopyFrom(it->value, a);
    }
    setMember(details, "cached_tokens", rapidjson::Value(known.cachedTokens), a);
    if (known.cacheWriteTokens > 0) setMember(details, "cache_write_tokens", rapidjson::Value(known.cacheWriteTokens), a);
    setMember(usage, "prompt_tokens_details", std::move(details), a);
    if (known.cost >= 0) setMember(usage, "cost", rapidjson::Value(known.cost), a);
}

std::string toJson(const rapidjson::Value &value) {
    rapidjson::StringBuffer buffer;
    Writer writer(buffer);
    value.Accept(writer);
    return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

std::string newCompletionId() {
    static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    thread_local std::mt19937_64 random{std::random_device{}()};
    std::string id = "chatcmpl-";
    for (int i = 0; i < 24; ++i) id += kAlphabet[random() % (sizeof kAlphabet - 1)];
    return id;
}

template <typename Fill>
std::string ChunkEncoder::chunk(Fill &&fillChoice, bool withChoice) {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartObject();
    w.Key("id");
    writeString(w, id_);
    w.Key("object");
    w.String("chat.completion.chunk");
    w.Key("created");
    w.Int64(created_);
    w.Key("model");
    writeString(w, model_);
    w.Key("system_fingerprint");
    w.Null();
    w.Key("choices");
    w.StartArray();
    if (withChoice) {
        w.StartObject();
        w.Key("index");
        w.Int(0);
        fillChoice(w);
        w.Key("logprobs");
        w.Null();
        w.EndObject();
    } else {
        fillChoice(w);
    }
    w.EndArray();
    if (includeUsage_ && withChoice) {  // OpenAI sends "usage": null on every chunk but the last with include_usage
        w.Key("usage");
        w.Null();
    }
    w.EndObject();
    std::string out = "data: ";
    out.append(buffer.GetString(), buffer.GetSize());
    out += "\n\n";
    return out;
}

std::string ChunkEncoder::encode(uint32_t kind, const rapidjson::Value &event) {
    if (kind != MB_EVENT_TEXT_DELTA && kind != MB_EVENT_REASONING_DELTA && kind != MB_EVENT_TOOL_CALL_DELTA &&
        kind != MB_EVENT_DONE) {
        return {};
    }
    if (kind == MB_EVENT_DONE && finished_) return {};
    bool first = !started_;
    started_ = true;
    return chunk([&](Writer &w) {
        w.Key("delta");
        w.StartObject();
        if (first) {
            w.Key("role");
            w.String("assistant");
        }
        switch (kind) {
        case MB_EVENT_TEXT_DELTA:
            w.Key("content");
            writeString(w, json::getString(event, "text"));
            break;
        case MB_EVENT_REASONING_DELTA:
            w.Key("reasoning");
            writeString(w, json::getString(event, "text"));
            break;
        case MB_EVENT_TOOL_CALL_DELTA: {
            w.Key("tool_calls");
            w.StartArray();
            w.StartObject();
            w.Key("index");
            w.Int64(json::getInt(event, "index", 0));
            if (std::string_view id = json::getString(event, "id"); !id.empty()) {
                w.Key("id");
                writeString(w, id);
                w.Key("type");
                w.String("function");
            }
            w.Key("function");
            w.StartObject();
            if (std::string_view name = json::getString(event, "name"); !name.empty()) {
                w.Key("name");
                writeString(w, name);
            }
            w.Key("arguments");
            writeString(w, json::getString(event, "arguments"));
            w.EndObject();
            w.EndObject();
            w.EndArray();
            break;
        }
        default:
            break;
        }
        w.EndObject();
        w.Key("finish_reason");
        if (kind == MB_EVENT_DONE) {
            finished_ = true;
            writeString(w, finishReasonOf(json::getString(event, "finish_reason")));
        } else {
            w.Null();
        }
    });
}

std::string ChunkEncoder::finish(const pipeline::Outcome &outcome) {
    std::string out;
    if (!finished_) {  // a plugin that ended without MB_EVENT_DONE: the client still gets a finish_reason
        rapidjson::Document done(rapidjson::kObjectType);
        done.AddMember("finish_reason", rapidjson::Value(outcome.finishReason.c_str(), done.GetAllocator()),
                       done.GetAllocator());
        out += encode(MB_EVENT_DONE, done);
    }
    if (includeUsage_) {
        rapidjson::Document usage;
        fillUsage(usage, outcome.usage, usage.GetAllocator());
        std::string usageJson = toJson(usage);
        out += chunk([](Writer &) {}, false);
        // The usage chunk: empty choices and the usage object in place of null.
        out.erase(out.size() - 3);  // "}\n\n"
        out += ",\"usage\":" + usageJson + "}\n\n";
    }
    return out + "data: [DONE]\n\n";
}

std::string ChunkEncoder::errorEvent(const ApiError &error) { return "data: " + errorBody(error) + "\n\ndata: [DONE]\n\n"; }

void ResponseBuilder::add(uint32_t kind, const rapidjson::Value &event) {
    switch (kind) {
    case MB_EVENT_RESPONSE:
        response_.CopyFrom(event, response_.GetAllocator());
        break;
    case MB_EVENT_REASONING_DELTA:
        reasoning_ += json::getString(event, "text");
        break;
    case MB_EVENT_META:
    case MB_EVENT_DONE:
        if (std::string_view id = json::getString(event, "id"); !id.empty()) upstreamId_ = id;
        break;
    case MB_EVENT_TOOL_CALL_DELTA: {
        ToolCall &call = toolCalls_[json::getInt(event, "index", 0)];
        if (std::string_view id = json::getString(event, "id"); !id.empty()) call.id = id;
        if (std::string_view name = json::getString(event, "name"); !name.empty()) call.name = name;
        call.arguments += json::getString(event, "arguments");
        break;
    }
    default:
        break;
    }
}

std::string ResponseBuilder::build(const pipeline::Outcome &outcome, const std::string &model, int64_t created) {
    rapidjson::Document &doc = response_;
    Allocator &a = doc.GetAllocator();
    if (!doc.IsObject()) {
        // Assembled from a stream: one choice with the text, reasoning and tool calls received.
        doc.SetObject();
        rapidjson::Value message(rapidjson::kObjectType);
        message.AddMember("role", "assistant", a);
        if (outcome.text.empty() && !toolCalls_.empty()) {
            message.AddMember("content", rapidjson::Value(), a);
        } else {
            message.AddMember("content", rapidjson::Value(outcome.text.c_str(), static_cast<rapidjson::SizeType>(outcome.text.size()), a), a);
        }
        if (!reasoning_.empty()) message.AddMember("reasoning", rapidjson::Value(reasoning_.c_str(), a), a);
        if (!toolCalls_.empty()) {
            rapidjson::Value calls(rapidjson::kArrayType);
            for (const auto &[index, call] : toolCalls_) {
                rapidjson::Value item(rapidjson::kObjectType), function(rapidjson::kObjectType);
                item.AddMember("id", rapidjson::Value(call.id.c_str(), a), a);
                item.AddMember("type", "function", a);
                function.AddMember("name", rapidjson::Value(call.name.c_str(), a), a);
                function.AddMember("arguments", rapidjson::Value(call.arguments.c_str(), a), a);
                item.AddMember("function", function, a);
                calls.PushBack(item, a);
            }
            message.AddMember("tool_calls", calls, a);
        }
        rapidjson::Value choice(rapidjson::kObjectType);
        choice.AddMember("index", 0, a);
        choice.AddMember("message", message, a);
        std::string reason(finishReasonOf(outcome.finishReason));
        choice.AddMember("finish_reason", rapidjson::Value(reason.c_str(), a), a);
        rapidjson::Value choices(rapidjson::kArrayType);
        choices.PushBack(choice, a);
        doc.AddMember("choices", choices, a);
    }
    if (!doc.HasMember("id") || !doc["id"].IsString()) {
        setMember(doc, "id", rapidjson::Value(upstreamId_.empty() ? newCompletionId().c_str() : upstreamId_.c_str(), a), a);
    }
    setMember(doc, "object", rapidjson::Value("chat.completion"), a);
    if (!doc.HasMember("created") || !doc["created"].IsInt64()) setMember(doc, "created", rapidjson::Value(created), a);
    setMember(doc, "model", rapidjson::Value(model.c_str(), a), a);
    if (!doc.HasMember("system_fingerprint")) doc.AddMember("system_fingerprint", rapidjson::Value(), a);
    if (auto choices = doc.FindMember("choices"); choices != doc.MemberEnd() && choices->value.IsArray()) {
        for (auto &choice : choices->value.GetArray()) {
            if (!choice.IsObject()) continue;
            if (!choice.HasMember("logprobs")) choice.AddMember("logprobs", rapidjson::Value(), a);
            auto reason = choice.FindMember("finish_reason");
            if (reason == choice.MemberEnd() || !reason->value.IsString()) {
                setMember(choice, "finish_reason", rapidjson::Value("stop"), a);
            }
        }
    }
    rapidjson::Value usage;
    if (auto it = doc.FindMember("usage"); it != doc.MemberEnd()) usage.CopyFrom(it->value, a);
    fillUsage(usage, outcome.usage, a);
    setMember(doc, "usage", std::move(usage), a);
    return toJson(doc);
}

}  // namespace moltbot::gateway
