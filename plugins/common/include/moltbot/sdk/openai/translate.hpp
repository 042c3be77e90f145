// OpenAI Chat Completions answers into ABI events: a whole response (complete) or the data of each SSE event of a
// stream (stream). Pure: events go to a sink, failures are thrown (UpstreamFailure for what the upstream reported,
// Failure(MB_ERR_UPSTREAM_PROTOCOL) for what cannot be read). The same for every provider:
//
//  - delta.content -> MB_EVENT_TEXT_DELTA {"text"}.
//  - reasoning -> MB_EVENT_REASONING_DELTA {"text"}, before the text of the same chunk: delta.reasoning (OpenRouter,
//    Ollama) or delta.reasoning_content (DeepSeek, vLLM, llama.cpp), whichever is non-empty; without either, the
//    texts and summaries of delta.reasoning_details (some providers send both forms of the same text).
//  - each delta.tool_calls[] fragment -> MB_EVENT_TOOL_CALL_DELTA {"index", "id"?, "name"?, "arguments"}; empty
//    fragments are skipped.
//  - Only choice 0 is forwarded: the ABI streams one answer.
//  - Every usage object -> MB_EVENT_USAGE as it arrives (usageEvent).
//  - model, provider and id -> MB_EVENT_META whenever one is first seen or changes (normally once).
//  - An {"error": {...}} chunk, or a choice that finished with "error", fails the call: errorFailure, the same
//    classification as an HTTP error.
//  - "[DONE]" -> MB_EVENT_DONE {"finish_reason", "model"?, "provider"?, "id"?}. A stream that named no finish_reason
//    gets "stop": it ended normally, and "stop" is OpenAI's word for that (a client accepts no other). Nothing is
//    emitted after it: onData says Step::done, and the caller drains the rest of the body.
//  - The body ending without "[DONE]" (onEnd): done as above when a finish_reason was seen, else
//    MB_ERR_UPSTREAM_PROTOCOL.
#pragma once

#include <moltbot/plugin.h>
#include <moltbot/sdk/guard.hpp>
#include <moltbot/sdk/json.hpp>
#include <moltbot/sdk/openai/errors.hpp>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moltbot::sdk::openai {

// Receives one event; returns false when the host asked to stop.
using EventSink = std::function<bool(uint32_t kind, std::string_view json)>;

namespace detail {

// {"key": "value"} of the members that are non-empty.
inline std::string objectOf(std::initializer_list<std::pair<const char *, std::string_view>> members) {
    std::string out = "{";
    for (const auto &[key, value] : members) {
        if (value.empty()) continue;
        if (out.size() > 1) out += ',';
        json::appendString(out, key);
        out += ':';
        json::appendString(out, value);
    }
    return out + "}";
}

inline std::string textEvent(std::string_view text) { return objectOf({{"text", text}}); }

[[noreturn]] inline void malformed(const Dialect &dialect, std::string_view what, std::string_view text) {
    throw Failure(MB_ERR_UPSTREAM_PROTOCOL, dialect.name() + " sent " + std::string(what) + ": " + excerpt(text, 120));
}

// A choice that finished with "error": its own error object when it has one.
[[noreturn]] inline void choiceFailed(const Dialect &dialect, const rapidjson::Value &choice, std::string_view where,
                                      int64_t nowMs) {
    if (const rapidjson::Value *error = json::getObject(choice, "error")) {
        throw errorFailure(dialect, *error, where, nowMs);
    }
    throw Failure(MB_ERR_UNAVAILABLE, dialect.name() + " " + std::string(where) + " error: the upstream model failed");
}

inline std::string_view trimLeft(std::string_view text) {
    while (!text.empty() && isAsciiSpace(text.front())) text.remove_prefix(1);
    return text;
}

}  // namespace detail

// The MB_EVENT_USAGE payload of a usage object: prompt_tokens and completion_tokens, and when reported cached_tokens
// and cache_write_tokens (prompt_tokens_details), reasoning_tokens (completion_tokens_details) and cost (USD).
inline std::string usageEvent(const rapidjson::Value &usage) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    w.Key("prompt_tokens");
    w.Int64(json::getInt(usage, "prompt_tokens", 0));
    w.Key("completion_tokens");
    w.Int64(json::getInt(usage, "completion_tokens", 0));
    auto optionalCount = [&](const char *detailsKey, const char *key) {
        const rapidjson::Value *details = json::getObject(usage, detailsKey);
        if (details == nullptr || json::member(*details, key) == nullptr) return;
        w.Key(key);
        w.Int64(json::getInt(*details, key, 0));
    };
    optionalCount("prompt_tokens_details", "cached_tokens");
    optionalCount("prompt_tokens_details", "cache_write_tokens");
    optionalCount("completion_tokens_details", "reasoning_tokens");
    if (const rapidjson::Value *cost = json::member(usage, "cost"); cost != nullptr && cost->IsNumber()) {
        w.Key("cost");
        w.Double(cost->GetDouble());
    }
    w.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
}

// The MB_EVENT_TOOL_CALL_DELTA payload of one tool_calls[] fragment, or "" for an empty fragment.
inline std::string toolCallEvent(const rapidjson::Value &call) {
    const rapidjson::Value *function = json::getObject(call, "function");
    std::string_view id = json::getString(call, "id");
    std::string_view name = function != nullptr ? json::getString(*function, "name") : std::string_view();
    std::string_view arguments = function != nullptr ? json::getString(*function, "arguments") : std::string_view();
    if (id.empty() && name.empty() && arguments.empty()) return {};
    std::string event = "{\"index\":" + std::to_string(json::getInt(call, "index", 0));
    std::string named = detail::objectOf({{"id", id}, {"name", name}});
    if (named.size() > 2) event += "," + named.substr(1, named.size() - 2);
    event += ",\"arguments\":";
    json::appendString(event, arguments);
    return event + "}";
}

// A complete() answer: skips keep-alive whitespace, fails on an error object or a choice that finished with
// "error", else emits MB_EVENT_META, MB_EVENT_RESPONSE (the response, compact) and MB_EVENT_USAGE (when reported).
// Returns false when the sink asked to stop.
inline bool translateResponse(std::string_view body, const EventSink &sink, const Dialect &dialect, int64_t nowMs) {
    body = detail::trimLeft(body);  // keep-alive whitespace sent while the model runs
    rapidjson::Document doc;
    if (!json::parse(doc, body) || !doc.IsObject()) detail::malformed(dialect, "an unreadable response", body);
    if (const rapidjson::Value *error = json::getObject(doc, "error")) {
        throw errorFailure(dialect, *error, "response", nowMs);
    }
    const rapidjson::Value *choices = json::getArray(doc, "choices");
    if (choices == nullptr) detail::malformed(dialect, "a response without choices", body);
    for (const auto &choice : choices->GetArray()) {
        if (json::getString(choice, "finish_reason") == "error") {
            detail::choiceFailed(dialect, choice, "response", nowMs);
        }
    }
    std::string meta = detail::objectOf({{"model", json::getString(doc, "model")},
                                         {"provider", json::getString(doc, "provider")},
                                         {"id", json::getString(doc, "id")}});
    if (!sink(MB_EVENT_META, meta) || !sink(MB_EVENT_RESPONSE, json::write(doc))) return false;
    if (const rapidjson::Value *usage = json::getObject(doc, "usage")) return sink(MB_EVENT_USAGE, usageEvent(*usage));
    return true;
}

// Turns the data of each SSE event into events. Feed every event's data to onData(); call onEnd() when the body
// ended while onData still said Step::more.
class StreamTranslator {
public:
    enum class Step { more, done, cancelled };

    // `dialect` must outlive the translator.
    StreamTranslator(EventSink sink, const Dialect &dialect, int64_t nowMs)
        : sink_(std::move(sink)), dialect_(dialect), nowMs_(nowMs) {}

    Step onData(std::string_view data) {
        if (done_) return Step::done;
        data = detail::trimLeft(data);
        if (data == "[DONE]") return finish();
        rapidjson::MemoryPoolAllocator<> pool(parseBuffer_.data(), parseBuffer_.size());
        rapidjson::Document chunk(&pool);
        if (!json::parse(chunk, data) || !chunk.IsObject()) {
            detail::malformed(dialect_, "a malformed stream chunk", data);
        }
        if (!noteIdentity(chunk)) return Step::cancelled;
        if (const rapidjson::Value *error = json::getObject(chunk, "error")) {
            throw errorFailure(dialect_, *error, "stream", nowMs_);
        }
        if (const rapidjson::Value *choices = json::getArray(chunk, "choices")) {
            for (const auto &choice : choices->GetArray()) {
                if (json::getInt(choice, "index", 0) == 0 && !translateChoice(choice)) return Step::cancelled;
            }
        }
        // The usage chunk: after the finish chunk, with "choices":[] (or one empty choice).
        if (const rapidjson::Value *usage = json::getObject(chunk, "usage")) {
            if (!sink_(MB_EVENT_USAGE, usageEvent(*usage))) return Step::cancelled;
        }
        return Step::more;
    }

    Step onEnd() {
        if (done_) return Step::done;
        if (!finishReason_.empty()) return finish();  // some upstreams close without "[DONE]" after finishing
        throw Failure(MB_ERR_UPSTREAM_PROTOCOL, dialect_.name() + " stream ended early (no finish_reason, no [DONE])");
    }

private:
    // Emits MB_EVENT_META when the chunk names a model, provider or id not seen before.
    bool noteIdentity(const rapidjson::Value &chunk) {
        bool changed = false;
        auto note = [&](std::string &field, const char *key) {
            std::string_view value = json::getString(chunk, key);
            if (!value.empty() && value != field) {
                field = value;
                changed = true;
            }
        };
        note(model_, "model");
        note(provider_, "provider");
        note(id_, "id");
        if (!changed) return true;
        return sink_(MB_EVENT_META, detail::objectOf({{"model", model_}, {"provider", provider_}, {"id", id_}}));
    }

    bool translateChoice(const rapidjson::Value &choice) {
        if (const rapidjson::Value *delta = json::getObject(choice, "delta")) {
            if (!translateReasoning(*delta)) return false;
            std::string_view text = json::getString(*delta, "content");
            if (!text.empty() && !sink_(MB_EVENT_TEXT_DELTA, detail::textEvent(text))) return false;
            if (const rapidjson::Value *calls = json::getArray(*delta, "tool_calls")) {
                for (const auto &call : calls->GetArray()) {
                    std::string event = toolCallEvent(call);
                    if (!event.empty() && !sink_(MB_EVENT_TOOL_CALL_DELTA, event)) return false;
                }
            }
        }
        std::string_view finish = json::getString(choice, "finish_reason");
        if (finish == "error") detail::choiceFailed(dialect_, choice, "stream", nowMs_);
        if (!finish.empty()) finishReason_ = finish;
        return true;
    }

    bool translateReasoning(const rapidjson::Value &delta) {
        for (const char *key : {"reasoning", "reasoning_content"}) {
            std::string_view text = json::getString(delta, key);
            if (!text.empty()) return sink_(MB_EVENT_REASONING_DELTA, detail::textEvent(text));
        }
        const rapidjson::Value *details = json::getArray(delta, "reasoning_details");
        if (details == nullptr) return true;
        for (const auto &part : details->GetArray()) {
            std::string_view type = json::getString(part, "type");
            std::string_view piece = type == "reasoning.text"      ? json::getString(part, "text")
                                     : type == "reasoning.summary" ? json::getString(part, "summary")
                                                                   : std::string_view();
            if (!piece.empty() && !sink_(MB_EVENT_REASONING_DELTA, detail::textEvent(piece))) return false;
        }
        return true;
    }

    Step finish() {
        done_ = true;
        std::string done = detail::objectOf({{"finish_reason", finishReason_.empty() ? "stop" : finishReason_},
                                             {"model", model_},
                                             {"provider", provider_},
                                             {"id", id_}});
        return sink_(MB_EVENT_DONE, done) ? Step::done : Step::cancelled;
    }

    EventSink sink_;
    const Dialect &dialect_;
    int64_t nowMs_;
    // Every chunk is parsed into this buffer first: no allocation per chunk (rapidjson's pool would take 64 KiB).
    std::vector<char> parseBuffer_ = std::vector<char>(std::size_t{16} << 10);
    std::string model_, provider_, id_;
    std::string finishReason_;
    bool done_ = false;
};

}  // namespace moltbot::sdk::openai
