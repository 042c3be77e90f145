#include "translate.hpp"

#include <moltbot/plugin.h>
#include <moltbot/sdk/json.hpp>

#include <cctype>

namespace moltbot::openrouter {

namespace json = sdk::json;
using rapidjson::Value;

namespace {

std::string_view trimLeft(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    return text;
}

// {"key": "value"} for the members that are non-empty.
std::string objectOf(std::initializer_list<std::pair<const char *, std::string_view>> members) {
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

std::string textEvent(std::string_view text) { return objectOf({{"text", text}}); }

[[noreturn]] void malformed(std::string_view what, std::string_view text) {
    std::string sample(text.substr(0, 120));
    for (char &c : sample) {
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    }
    throw sdk::Failure(MB_ERR_UPSTREAM_PROTOCOL, "OpenRouter sent " + std::string(what) + ": " + sample);
}

// A choice that finished with "error" and no top-level error object.
[[noreturn]] void choiceFailed(const Value &choice, std::string_view where, int64_t nowMs) {
    if (const Value *error = json::getObject(choice, "error")) throw errorObjectFailure(*error, where, nowMs);
    throw sdk::Failure(MB_ERR_UNAVAILABLE, "OpenRouter " + std::string(where) + " error: the upstream model failed");
}

}  // namespace

std::string usageEvent(const Value &usage) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    w.Key("prompt_tokens");
    w.Int64(json::getInt(usage, "prompt_tokens", 0));
    w.Key("completion_tokens");
    w.Int64(json::getInt(usage, "completion_tokens", 0));
    auto optionalCount = [&](const char *detailsKey, const char *key) {
        const Value *details = json::getObject(usage, detailsKey);
        if (details == nullptr || json::member(*details, key) == nullptr) return;
        w.Key(key);
        w.Int64(json::getInt(*details, key, 0));
    };
    optionalCount("prompt_tokens_details", "cached_tokens");
    optionalCount("prompt_tokens_details", "cache_write_tokens");
    optionalCount("completion_tokens_details", "reasoning_tokens");
    if (const Value *cost = json::member(usage, "cost"); cost != nullptr && cost->IsNumber()) {
        w.Key("cost");
        w.Double(cost->GetDouble());
    }
    w.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
}

bool translateResponse(std::string_view body, const EventSink &sink, int64_t nowMs) {
    body = trimLeft(body);  // keep-alive whitespace sent while the model runs
    rapidjson::Document doc;
    if (!json::parse(doc, body) || !doc.IsObject()) malformed("an unreadable response", body);
    if (const Value *error = json::getObject(doc, "error")) throw errorObjectFailure(*error, "response", nowMs);
    const Value *choices = json::getArray(doc, "choices");
    if (choices == nullptr) malformed("a response without choices", body);
    for (const auto &choice : choices->GetArray()) {
        if (json::getString(choice, "finish_reason") == "error") choiceFailed(choice, "response", nowMs);
    }
    std::string meta = objectOf({{"model", json::getString(doc, "model")},
                                 {"provider", json::getString(doc, "provider")},
                                 {"id", json::getString(doc, "id")}});
    if (!sink(MB_EVENT_META, meta) || !sink(MB_EVENT_RESPONSE, json::write(doc))) return false;
    if (const Value *usage = json::getObject(doc, "usage")) return sink(MB_EVENT_USAGE, usageEvent(*usage));
    return true;
}

// Records who serves the stream; emits MB_EVENT_META whenever it learns something new (normally once, first chunk).
bool StreamTranslator::noteIdentity(const Value &chunk) {
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
    return !changed || emit(MB_EVENT_META, objectOf({{"model", model_}, {"provider", provider_}, {"id", id_}}));
}

bool StreamTranslator::translateChoice(const Value &choice) {
    if (const Value *delta = json::getObject(choice, "delta")) {
        std::string_view text = json::getString(*delta, "content");
        if (!text.empty() && !emit(MB_EVENT_TEXT_DELTA, textEvent(text))) return false;
        // Some providers send both `reasoning` and the same text in `reasoning_details`: the former wins.
        std::string_view reasoning = json::getString(*delta, "reasoning");
        if (!reasoning.empty()) {
            if (!emit(MB_EVENT_REASONING_DELTA, textEvent(reasoning))) return false;
        } else if (const Value *details = json::getArray(*delta, "reasoning_details")) {
            for (const auto &detail : details->GetArray()) {
                std::string_view type = json::getString(detail, "type");
                std::string_view piece = type == "reasoning.text"      ? json::getString(detail, "text")
                                         : type == "reasoning.summary" ? json::getString(detail, "summary")
                                                                       : std::string_view();
                if (!piece.empty() && !emit(MB_EVENT_REASONING_DELTA, textEvent(piece))) return false;
            }
        }
        if (const Value *calls = json::getArray(*delta, "tool_calls")) {
            for (const auto &call : calls->GetArray()) {
                const Value *function = json::getObject(call, "function");
                std::string_view id = json::getString(call, "id");
                std::string_view name = function != nullptr ? json::getString(*function, "name") : std::string_view();
                std::string_view arguments =
                    function != nullptr ? json::getString(*function, "arguments") : std::string_view();
                if (id.empty() && name.empty() && arguments.empty()) continue;  // empty fragments happen
                std::string event = "{\"index\":" + std::to_string(json::getInt(call, "index", 0));
                std::string rest = objectOf({{"id", id}, {"name", name}});
                if (rest.size() > 2) event += "," + rest.substr(1, rest.size() - 2);
                event += ",\"arguments\":";
                json::appendString(event, arguments);
                event += '}';
                if (!emit(MB_EVENT_TOOL_CALL_DELTA, event)) return false;
            }
        }
    }
    std::string_view finish = json::getString(choice, "finish_reason");
    if (finish == "error") choiceFailed(choice, "stream", nowMs_);
    if (!finish.empty()) finishReason_ = finish;
    return true;
}

StreamTranslator::Step StreamTranslator::onData(std::string_view data) {
    if (done_) return Step::done;
    data = trimLeft(data);
    if (data == "[DONE]") return finish();
    rapidjson::MemoryPoolAllocator<> pool(parseBuffer_.data(), parseBuffer_.size());
    rapidjson::Document chunk(&pool);
    if (!json::parse(chunk, data) || !chunk.IsObject()) malformed("a malformed stream chunk", data);
    if (!noteIdentity(chunk)) return Step::cancelled;
    if (const Value *error = json::getObject(chunk, "error")) throw errorObjectFailure(*error, "stream", nowMs_);
    if (const Value *choices = json::getArray(chunk, "choices")) {
        for (const auto &choice : choices->GetArray()) {
            // The ABI streams one answer: further choices (n > 1) are not forwarded.
            if (json::getInt(choice, "index", 0) == 0 && !translateChoice(choice)) return Step::cancelled;
        }
    }
    // The usage chunk: after the finish chunk, with "choices":[] (or, in 2025, one empty choice).
    if (const Value *usage = json::getObject(chunk, "usage")) {
        if (!emit(MB_EVENT_USAGE, usageEvent(*usage))) return Step::cancelled;
    }
    return Step::more;
}

StreamTranslator::Step StreamTranslator::finish() {
    done_ = true;
    std::string done = objectOf({{"finish_reason", finishReason_.empty() ? "unknown" : finishReason_},
                                 {"model", model_},
                                 {"provider", provider_},
                                 {"id", id_}});
    return emit(MB_EVENT_DONE, done) ? Step::done : Step::cancelled;
}

StreamTranslator::Step StreamTranslator::onEnd() {
    if (done_) return Step::done;
    if (!finishReason_.empty()) return finish();  // some upstreams close without "[DONE]" after finishing
    throw sdk::Failure(MB_ERR_UPSTREAM_PROTOCOL, "OpenRouter stream ended early (no finish_reason, no [DONE])");
}

}  // namespace moltbot::openrouter
