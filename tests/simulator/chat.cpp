// POST /chat/completions: model and provider routing with scripted failures, the deterministic answer, usage and
// prompt-cache accounting, and delivery (JSON or SSE) with the scripted delivery faults.
#include "tests/simulator/routing.hpp"
#include "tests/simulator/state.hpp"

#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/StreamSocket.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <random>
#include <thread>

namespace moltbot::sim {

namespace {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

// Echoes of long user messages are cut to this many bytes, so answers stay a few chunks long.
constexpr std::size_t kEchoLimit = 200;
constexpr const char *kKeepAliveWhitespace = "\n         \n\n         \n";

ProviderPreferences parsePreferences(const rapidjson::Document &body) {
    ProviderPreferences preferences;
    if (!body.HasMember("provider") || !body["provider"].IsObject()) return preferences;
    const auto &provider = body["provider"];
    auto list = [&](const char *name, std::vector<std::string> &out) {
        if (!provider.HasMember(name) || !provider[name].IsArray()) return;
        for (const auto &entry : provider[name].GetArray()) {
            if (entry.IsString()) out.push_back(entry.GetString());
        }
    };
    list("order", preferences.order);
    list("only", preferences.only);
    list("ignore", preferences.ignore);
    if (provider.HasMember("allow_fallbacks") && provider["allow_fallbacks"].IsBool())
        preferences.allowFallbacks = provider["allow_fallbacks"].GetBool();
    return preferences;
}

std::string stringMember(const rapidjson::Value &object, const char *name) {
    return object.HasMember(name) && object[name].IsString() ? object[name].GetString() : "";
}

// The image parts of the messages, checked as OpenRouter takes them: {"type":"image_url","image_url":{"url":U}} where
// U is an http(s) URL or a base64 data URL of an image ("data:image/png;base64,iVBOR..."). Returns the number of
// images, or sets `problem` to a 400's message for a malformed one.
int countImageParts(const rapidjson::Value &messages, std::string &problem) {
    int images = 0;
    for (const auto &message : messages.GetArray()) {
        if (!message.IsObject() || !message.HasMember("content") || !message["content"].IsArray()) continue;
        for (const auto &part : message["content"].GetArray()) {
            if (!part.IsObject() || stringMember(part, "type") != "image_url") continue;
            if (!part.HasMember("image_url") || !part["image_url"].IsObject()) {
                problem = "image_url content part requires an image_url object";
                return images;
            }
            std::string url = stringMember(part["image_url"], "url");
            if (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0) {
                ++images;
                continue;
            }
            static const std::string kTypes[] = {"image/png", "image/jpeg", "image/gif", "image/webp"};
            std::size_t comma = url.find(',');
            std::string head = url.substr(0, comma);
            bool knownType = false;
            for (const auto &type : kTypes) knownType = knownType || head == "data:" + type + ";base64";
            std::string data = comma == std::string::npos ? "" : url.substr(comma + 1);
            bool base64 = !data.empty() && data.size() % 4 == 0 &&
                          data.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") ==
                              std::string::npos &&
                          data.find('=') >= data.size() - 2;
            if (!knownType || !base64) {
                problem = "Invalid image URL: expected an http(s) URL or a data:image/(png|jpeg|gif|webp);base64, URL";
                return images;
            }
            ++images;
        }
    }
    return images;
}

// The smaller of max_tokens and max_completion_tokens, when either is a positive integer.
std::optional<int> completionLimit(const rapidjson::Document &body) {
    std::optional<int> limit;
    for (const char *name : {"max_tokens", "max_completion_tokens"}) {
        if (body.HasMember(name) && body[name].IsInt() && body[name].GetInt() >= 1)
            limit = std::min(limit.value_or(body[name].GetInt()), body[name].GetInt());
    }
    return limit;
}

// An error's metadata object with the given fields.
std::string metadataJson(const std::function<void(JsonWriter &)> &fields) {
    return jsonOf([&](JsonWriter &writer) {
        writer.StartObject();
        fields(writer);
        writer.EndObject();
    });
}

// The limit OpenRouter quotes for a model's shared capacity ("limited to 8 requests per minute").
constexpr int kSharedCapacityRpm = 8;

// Metadata of a limit OpenRouter itself enforces: the X-RateLimit-* values again, and no provider.
void writeRateLimitMetadata(JsonWriter &writer, int limit, std::int64_t resetMs) {
    writer.Key("headers");
    writer.StartObject();
    put(writer, "X-RateLimit-Limit", std::to_string(limit));
    put(writer, "X-RateLimit-Remaining", "0");
    put(writer, "X-RateLimit-Reset", std::to_string(resetMs));
    writer.EndObject();
    putNull(writer, "provider_name");
}

// 429s carry Retry-After and X-RateLimit-* (reset in epoch milliseconds); 503s Retry-After.
void addRetryHeaders(ApiError &error, int retryAfterSeconds, int limit, std::int64_t resetMs) {
    error.headers.emplace_back("Retry-After", std::to_string(retryAfterSeconds));
    if (error.status != 429) return;
    error.headers.emplace_back("X-RateLimit-Limit", std::to_string(limit));
    error.headers.emplace_back("X-RateLimit-Remaining", "0");
    error.headers.emplace_back("X-RateLimit-Reset", std::to_string(resetMs));
}

// The error a scripted http fault produces. Provider-scoped faults look like an upstream error passed through.
ApiError faultError(const Fault &fault, const Model &model, const Endpoint *endpoint, std::int64_t nowMs) {
    ApiError error;
    error.status = fault.status;
    std::string detail = fault.status == 404 ? "No endpoints found for " + model.id + "."
                         : fault.status == 429
                             ? "Rate limit exceeded: limit_rpm/" + model.id + ". High demand for " + model.id +
                                   " on OpenRouter - limited to " + std::to_string(kSharedCapacityRpm) +
                                   " requests per minute. Please retry shortly."
                             : defaultErrorMessage(fault.status);
    std::int64_t resetMs = nowMs + fault.retryAfter * 1000LL;
    if (endpoint) {
        error.message = fault.message.empty() ? "Provider returned error" : fault.message;
        error.metadata = metadataJson([&](JsonWriter &writer) {
            put(writer, "raw", detail);
            put(writer, "provider_name", endpoint->provider->name);
            put(writer, "is_byok", false);
            put(writer, "error_type", errorType(fault.status));
            if (fault.status == 429) put(writer, "retry_after_seconds", fault.retryAfter);
        });
    } else {
        error.message = fault.message.empty() ? detail : fault.message;
        error.metadata = metadataJson([&](JsonWriter &writer) {
            put(writer, "error_type", errorType(fault.status));
            if (fault.status == 429) writeRateLimitMetadata(writer, kSharedCapacityRpm, resetMs);
        });
    }
    if (fault.status == 429 || fault.status == 503)
        addRetryHeaders(error, fault.retryAfter, kSharedCapacityRpm, resetMs);
    return error;
}

// OpenRouter's own free-model limit: 20 requests a minute per key over all :free models.
std::optional<ApiError> takeFreeRequest(Simulator::State &state, const std::string &key) {
    int limit = state.options.freeRequestsPerMinute;
    if (limit <= 0) return std::nullopt;
    SimClock::time_point now = state.now();
    std::lock_guard lock(state.mutex);
    auto &recent = state.freeRequests[key];
    while (!recent.empty() && recent.front() <= now - std::chrono::minutes(1)) recent.pop_front();
    if (static_cast<int>(recent.size()) < limit) {
        recent.push_back(now);
        return std::nullopt;
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(recent.front() + std::chrono::minutes(1) - now);
    int retryAfter = static_cast<int>((wait.count() + 999) / 1000);
    std::int64_t resetMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch() + state.clockOffset + wait)
                               .count();
    ApiError error{429, "Rate limit exceeded: free-models-per-min. ", "", {}};
    error.metadata = metadataJson([&](JsonWriter &writer) {
        put(writer, "error_type", errorType(429));
        writeRateLimitMetadata(writer, limit, resetMs);
    });
    addRetryHeaders(error, retryAfter, limit, resetMs);
    return error;
}

// Where a request goes: the model and endpoint that serve it, or the error of the last failed attempt.
struct Route {
    const Model *model = nullptr;
    const Endpoint *endpoint = nullptr;
    std::vector<Attempt> attempts;
    ApiError error;
};

// Tries the models in order and, per model, its endpoints in routing order, consuming the scripted failures.
// Account-level failures (401, 402) end the search; every other failure moves on to the next option.
Route routeRequest(Simulator::State &state, const std::string &key, const std::vector<std::string> &ids,
                   const ProviderPreferences &preferences, const PromptInfo &prompt) {
    const Catalog &catalog = Catalog::instance();
    Route route;
    bool final = false;
    for (auto id = ids.begin(); id != ids.end() && !final; ++id) {
        const Model *model = catalog.find(*id);
        if (!model->routesTo.empty()) model = catalog.find(model->routesTo);
        auto failed = [&](ApiError error, const Endpoint *at) {
            route.attempts.push_back({model->id, at ? at->tag : "", error.status});
            final = error.status == 401 || error.status == 402;
            route.error = std::move(error);
        };
        if (model->id.ends_with(":free")) {
            if (auto error = takeFreeRequest(state, key)) {
                failed(std::move(*error), nullptr);
                continue;
            }
        }
        if (auto fault = state.faults.takeFailure(*model, nullptr)) {
            failed(faultError(*fault, *model, nullptr, state.epochMs()), nullptr);
            continue;
        }
        std::vector<const Endpoint *> plan = planRoute(*model, preferences);
        if (state.options.balance == "round-robin" && preferences.order.empty() && plan.size() > 1) {
            // OpenRouter's load balancing: each request starts at the next endpoint, the others after it in order.
            std::size_t first = state.balanceTurn.fetch_add(1) % plan.size();
            std::rotate(plan.begin(), plan.begin() + static_cast<std::ptrdiff_t>(first), plan.end());
        }
        if (plan.empty()) {
            failed({404, "No endpoints found for " + model->id + ".", "", {}}, nullptr);
            continue;
        }
        if (model->author() == "anthropic" && prompt.markers > 4) {
            std::string raw = "A maximum of 4 blocks with cache_control may be provided. Found " +
                              std::to_string(prompt.markers) + ".";
            failed({400,
                    "Provider returned error",
                    metadataJson([&](JsonWriter &writer) {
                        put(writer, "raw", raw);
                        put(writer, "provider_name", plan.front()->provider->name);
                        put(writer, "is_byok", false);
                        put(writer, "error_type", errorType(400));
                    }),
                    {}},
                   plan.front());
            continue;
        }
        for (const Endpoint *candidate : plan) {
            if (auto fault = state.faults.takeFailure(*model, candidate)) {
                failed(faultError(*fault, *model, candidate, state.epochMs()), candidate);
                if (final) break;
                continue;
            }
            route.model = model;
            route.endpoint = candidate;
            route.attempts.push_back({model->id, candidate->tag, 200});
            return route;
        }
    }
    return route;
}

struct ToolCall {
    std::string id;
    std::string name;
    std::string arguments;  // JSON text
};

struct Answer {
    // The streamed pieces: text chunks, or for a tool call its arguments in fragments (the first one empty, sent
    // with the call's id and name). Together the whole text or arguments.
    std::vector<std::string> pieces;
    std::optional<ToolCall> toolCall;
    int completionTokens = 0;
    std::string finishReason;
    std::string nativeFinishReason;
};

std::string randomAlphanumerics(std::size_t count) {
    static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    thread_local std::mt19937_64 random{std::random_device{}()};
    std::string text;
    for (std::size_t i = 0; i < count; ++i) text += kAlphabet[random() % (sizeof kAlphabet - 1)];
    return text;
}

// Arguments that fit a JSON schema's top-level properties: strings get `text` (or their first enum value),
// numbers 1, booleans true, arrays [], objects {}.
std::string argumentsFor(const rapidjson::Value &function, const std::string &text) {
    return jsonOf([&](JsonWriter &writer) {
        writer.StartObject();
        const rapidjson::Value *properties = nullptr;
        if (function.HasMember("parameters") && function["parameters"].IsObject() &&
            function["parameters"].HasMember("properties") && function["parameters"]["properties"].IsObject())
            properties = &function["parameters"]["properties"];
        if (!properties) {
            writer.EndObject();
            return;
        }
        for (const auto &property : properties->GetObject()) {
            writer.Key(property.name.GetString());
            std::string type = property.value.IsObject() ? stringMember(property.value, "type") : "";
            if (property.value.IsObject() && property.value.HasMember("enum") && property.value["enum"].IsArray() &&
                !property.value["enum"].Empty()) {
                property.value["enum"][0].Accept(writer);
            } else if (type == "string") {
                writer.String(text.c_str(), static_cast<rapidjson::SizeType>(text.size()));
            } else if (type == "integer" || type == "number") {
                writer.Int(1);
            } else if (type == "boolean") {
                writer.Bool(true);
            } else if (type == "array") {
                writer.StartArray();
                writer.EndArray();
            } else if (type == "object") {
                writer.StartObject();
                writer.EndObject();
            } else {
                writer.Null();
            }
        }
        writer.EndObject();
    });
}

// The simulator calls a tool when the request has function tools and tool_choice allows it, unless the last
// message is a tool result: the one tool_choice names, else the first tool the last user message mentions by name,
// else (tool_choice "required") the first tool.
std::optional<ToolCall> chooseToolCall(const rapidjson::Document &body, const PromptInfo &prompt, const Model &model) {
    if (!body.HasMember("tools") || !body["tools"].IsArray() || prompt.lastRole == "tool") return std::nullopt;
    std::vector<const rapidjson::Value *> functions;
    for (const auto &tool : body["tools"].GetArray()) {
        if (tool.IsObject() && tool.HasMember("function") && tool["function"].IsObject() &&
            !stringMember(tool["function"], "name").empty())
            functions.push_back(&tool["function"]);
    }
    if (functions.empty()) return std::nullopt;
    std::string choice =
        body.HasMember("tool_choice") && body["tool_choice"].IsString() ? body["tool_choice"].GetString() : "auto";
    std::string forced;
    if (body.HasMember("tool_choice") && body["tool_choice"].IsObject() && body["tool_choice"].HasMember("function") &&
        body["tool_choice"]["function"].IsObject())
        forced = stringMember(body["tool_choice"]["function"], "name");
    if (choice == "none" && forced.empty()) return std::nullopt;

    const rapidjson::Value *chosen = nullptr;
    for (const rapidjson::Value *function : functions) {
        std::string name = stringMember(*function, "name");
        bool wanted = forced.empty() ? prompt.lastUserText.find(name) != std::string::npos : name == forced;
        if (wanted && !chosen) chosen = function;
    }
    if (!chosen && choice == "required") chosen = functions.front();
    if (!chosen) return std::nullopt;
    std::string text = prompt.lastUserText.substr(0, 50);
    bool anthropic = model.author() == "anthropic";
    return ToolCall{anthropic ? "toolu_sim_" + randomAlphanumerics(20) : "call_" + randomAlphanumerics(24),
                    stringMember(*chosen, "name"), argumentsFor(*chosen, text)};
}

// Splits text at spaces into up to 8 pieces (3 or more when it has 3+ words); the pieces add up to the text.
std::vector<std::string> splitPieces(const std::string &text) {
    std::vector<std::string> words;
    for (std::size_t start = 0; start < text.size();) {
        std::size_t end = text.find(' ', start);
        end = end == std::string::npos ? text.size() : end + 1;
        words.push_back(text.substr(start, end - start));
        start = end;
    }
    std::size_t count = std::min<std::size_t>(words.size(), std::clamp<std::size_t>(words.size() / 2, 3, 8));
    std::vector<std::string> pieces;
    for (std::size_t i = 0; i < count; ++i) {
        std::string piece;
        for (std::size_t w = i * words.size() / count; w < (i + 1) * words.size() / count; ++w) piece += words[w];
        pieces.push_back(piece);
    }
    return pieces;
}

// A tool call, or the text "[claude-sonnet-4.5 via Anthropic] You said: hi" ("The tool returned: ..." after a tool
// result), cut at the completion limit.
Answer composeAnswer(const Model &model, const Endpoint &endpoint, const PromptInfo &prompt, std::optional<int> limit,
                     std::optional<ToolCall> toolCall) {
    Answer answer;
    std::string author = model.author();
    if (toolCall) {
        answer.completionTokens = estimateTokens(toolCall->name.size() + toolCall->arguments.size());
        answer.finishReason = "tool_calls";
        answer.nativeFinishReason = author == "anthropic" ? "tool_use" : author == "google" ? "STOP" : "tool_calls";
        const std::string &arguments = toolCall->arguments;
        answer.pieces = {"", arguments.substr(0, arguments.size() / 2), arguments.substr(arguments.size() / 2)};
        answer.toolCall = std::move(toolCall);
        return answer;
    }

    bool afterTool = prompt.lastRole == "tool";
    const std::string &quoted = afterTool ? prompt.lastText : prompt.lastUserText;
    std::string echo = quoted.size() > kEchoLimit ? quoted.substr(0, kEchoLimit) + "..." : quoted;
    std::string text = "[" + model.shortName() + " via " + endpoint.provider->name + "] " +
                       (afterTool        ? "The tool returned: " + echo
                        : quoted.empty() ? std::string("Hello from the OpenRouter simulator.")
                                         : "You said: " + echo);
    bool truncated = limit && estimateTokens(text.size()) > *limit;
    if (truncated) {
        std::size_t cut = static_cast<std::size_t>(*limit) * 4;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
            --cut;  // not inside a UTF-8 character
        text.resize(cut);
    }
    answer.completionTokens = truncated ? *limit : estimateTokens(text.size());
    if (truncated) {
        answer.finishReason = "length";
        answer.nativeFinishReason = author == "anthropic" ? "max_tokens" : author == "google" ? "MAX_TOKENS" : "length";
    } else {
        answer.finishReason = "stop";
        answer.nativeFinishReason = author == "anthropic" ? "end_turn" : author == "google" ? "STOP" : "stop";
    }
    answer.pieces = splitPieces(text);
    return answer;
}

// What a served response is about: the fields every chunk and body repeat.
struct Served {
    std::string id;
    std::string model;
    std::string provider;
    std::int64_t created = 0;
};

void writeEnvelope(JsonWriter &writer, const Served &served, const char *object) {
    put(writer, "id", served.id);
    put(writer, "provider", served.provider);
    put(writer, "model", served.model);
    put(writer, "object", object);
    put(writer, "created", served.created);
}

void writeErrorObject(JsonWriter &writer, const Fault &fault, bool withType) {
    writer.Key("error");
    writer.StartObject();
    put(writer, "message", fault.message.empty() ? "Provider disconnected unexpectedly" : fault.message);
    put(writer, "code", fault.status);
    if (withType) {
        writer.Key("metadata");
        writer.StartObject();
        put(writer, "error_type", errorType(fault.status));
        writer.EndObject();
    }
    writer.EndObject();
}

// tool_calls:[{index, id, type, function:{name, arguments}}]; fragments after the first only carry arguments.
void writeToolCalls(JsonWriter &writer, const ToolCall &call, const std::string &arguments, bool first) {
    writer.Key("tool_calls");
    writer.StartArray();
    writer.StartObject();
    put(writer, "index", 0);
    if (first) {
        put(writer, "id", call.id);
        put(writer, "type", "function");
    }
    writer.Key("function");
    writer.StartObject();
    if (first) put(writer, "name", call.name);
    put(writer, "arguments", arguments);
    writer.EndObject();
    writer.EndObject();
    writer.EndArray();
}

// A stream chunk: a content piece, a tool-call fragment (`call` set), the finish chunk (finishReason set), or an
// error chunk (error set).
std::string chunkJson(const Served &served, const std::string &piece, const char *finishReason,
                      const char *nativeFinishReason, const Fault *error = nullptr, const ToolCall *call = nullptr,
                      bool firstFragment = false) {
    rapidjson::StringBuffer buffer;
    JsonWriter writer(buffer);
    writer.StartObject();
    writeEnvelope(writer, served, "chat.completion.chunk");
    if (error) writeErrorObject(writer, *error, true);
    writer.Key("choices");
    writer.StartArray();
    writer.StartObject();
    put(writer, "index", 0);
    writer.Key("delta");
    writer.StartObject();
    put(writer, "role", "assistant");
    if (call) {
        putNull(writer, "content");
        writeToolCalls(writer, *call, piece, firstFragment);
    } else {
        put(writer, "content", piece);
    }
    writer.EndObject();
    finishReason ? put(writer, "finish_reason", finishReason) : putNull(writer, "finish_reason");
    nativeFinishReason ? put(writer, "native_finish_reason", nativeFinishReason)
                       : putNull(writer, "native_finish_reason");
    putNull(writer, "logprobs");
    writer.EndObject();
    writer.EndArray();
    writer.EndObject();
    return buffer.GetString();
}

std::string usageChunkJson(const Served &served, const Usage &usage) {
    rapidjson::StringBuffer buffer;
    JsonWriter writer(buffer);
    writer.StartObject();
    writeEnvelope(writer, served, "chat.completion.chunk");
    writer.Key("choices");
    writer.StartArray();
    writer.EndArray();
    writer.Key("usage");
    writeUsage(writer, usage);
    writer.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
}

// The §3 body. With `error` (an error_chunk fault), the choice ends with finish_reason "error" after the first
// after_chunks pieces.
std::string completionJson(const Served &served, const Answer &answer, const Usage &usage, const Fault *error) {
    std::string content;
    std::size_t pieces = error ? std::min<std::size_t>(error->afterChunks, answer.pieces.size()) : answer.pieces.size();
    std::size_t length = 0;
    for (std::size_t i = 0; i < pieces; ++i) length += answer.pieces[i].size();
    // Sized once: a long_answer fault makes this 100 MB, and every regrowth is a copy the client waits for.
    content.reserve(length);
    for (std::size_t i = 0; i < pieces; ++i) content += answer.pieces[i];
    rapidjson::StringBuffer buffer(nullptr, length + 4096);
    JsonWriter writer(buffer);
    writer.StartObject();
    writeEnvelope(writer, served, "chat.completion");
    writer.Key("choices");
    writer.StartArray();
    writer.StartObject();
    putNull(writer, "logprobs");
    put(writer, "finish_reason", error ? "error" : answer.finishReason);
    put(writer, "native_finish_reason", error ? "error" : answer.nativeFinishReason);
    put(writer, "index", 0);
    writer.Key("message");
    writer.StartObject();
    put(writer, "role", "assistant");
    if (answer.toolCall && !error) {
        putNull(writer, "content");
        writeToolCalls(writer, *answer.toolCall, answer.toolCall->arguments, true);
    } else {
        put(writer, "content", answer.toolCall ? std::string() : content);
    }
    putNull(writer, "refusal");
    putNull(writer, "reasoning");
    writer.EndObject();
    if (error) writeErrorObject(writer, *error, true);
    writer.EndObject();
    writer.EndArray();
    writer.Key("usage");
    writeUsage(writer, usage);
    writer.EndObject();
    return buffer.GetString();
}

// The error_200 body (non-streaming) or bare stream error: {"error":{...}} without choices.
std::string bareErrorJson(const Fault &fault) {
    rapidjson::StringBuffer buffer;
    JsonWriter writer(buffer);
    writer.StartObject();
    writeErrorObject(writer, fault, false);
    put(writer, "user_id", "user_sim");
    writer.EndObject();
    return buffer.GetString();
}

Poco::Net::StreamSocket *connectionSocket(HTTPServerRequest &request) {
    auto *impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl *>(&request);
    return impl ? &impl->socket() : nullptr;
}

// Closes the connection under the response (the disconnect fault).
void abortConnection(HTTPServerRequest &request) {
    if (auto *socket = connectionSocket(request)) {
        try {
            socket->shutdown();
        } catch (const Poco::Exception &) {
            // already gone
        }
    }
}

// Holds the response for `ms` (forever when negative). False when the client went away or the server stops.
bool stall(const Simulator::State &state, HTTPServerRequest &request, int ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    auto *socket = connectionSocket(request);
    while (!state.stopping) {
        if (ms >= 0 && std::chrono::steady_clock::now() >= deadline) return true;
        try {
            // Readable with nothing to read: the peer closed its end.
            if (socket && socket->poll(Poco::Timespan(0, 20000), Poco::Net::Socket::SELECT_READ) &&
                socket->available() <= 0)
                return false;
            if (!socket) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        } catch (const Poco::Exception &) {
            return false;
        }
    }
    return false;
}

// The delivery faults taken for one response, at most one of each kind.
struct Delivery {
    std::optional<Fault> slowFirstByte, stall, disconnect, errorChunk, malformed, error200, longAnswer, longLine,
        endless, comments;
    bool leadingWhitespace = false, invalidUtf8 = false;

    explicit Delivery(const std::vector<Fault> &faults, bool whitespace) : leadingWhitespace(whitespace) {
        for (const Fault &fault : faults) {
            switch (fault.kind) {
                case FaultKind::kSlowFirstByte: slowFirstByte = fault; break;
                case FaultKind::kStall: stall = fault; break;
                case FaultKind::kDisconnect: disconnect = fault; break;
                case FaultKind::kErrorChunk: errorChunk = fault; break;
                case FaultKind::kMalformed: malformed = fault; break;
                case FaultKind::kError200: error200 = fault; break;
                case FaultKind::kLeadingWhitespace: leadingWhitespace = true; break;
                case FaultKind::kLongAnswer: longAnswer = fault; break;
                case FaultKind::kLongLine: longLine = fault; break;
                case FaultKind::kInvalidUtf8: invalidUtf8 = true; break;
                case FaultKind::kEndless: endless = fault; break;
                case FaultKind::kComments: comments = fault; break;
                case FaultKind::kHttp: break;
            }
        }
    }
};

// The faults that change the answer text: its size and shape, or bytes that are not UTF-8.
void reshapeAnswer(Answer &answer, const Delivery &delivery) {
    if (answer.toolCall) return;
    if (delivery.longAnswer || delivery.longLine) {
        const Fault &fault = delivery.longAnswer ? *delivery.longAnswer : *delivery.longLine;
        std::size_t piece = delivery.longAnswer ? 16384 : static_cast<std::size_t>(fault.bytes);
        answer.pieces.clear();
        for (std::size_t left = static_cast<std::size_t>(fault.bytes); left > 0; left -= std::min(left, piece))
            answer.pieces.emplace_back(std::min(left, piece), 'x');
    }
    // A lone continuation byte, an overlong encoding and a truncated sequence.
    if (delivery.invalidUtf8) answer.pieces.front() += "\x80 \xc0\xaf \xe2\x82";
}

void deliverJson(const Simulator::State &state, HTTPServerRequest &request, HTTPServerResponse &response,
                 const Served &served, const Answer &answer, const Usage &usage, const Delivery &delivery) {
    if (delivery.error200) {
        sendJson(response, 200, bareErrorJson(*delivery.error200), {{"X-Generation-Id", served.id}});
        return;
    }
    std::string body = completionJson(served, answer, usage, delivery.errorChunk ? &*delivery.errorChunk : nullptr);
    if (delivery.malformed) body.resize(body.size() / 2);
    std::string prefix = delivery.leadingWhitespace ? kKeepAliveWhitespace : "";
    response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    response.setContentType("application/json");
    response.set("X-Generation-Id", served.id);
    if (delivery.stall) {
        response.setChunkedTransferEncoding(true);
        std::ostream &out = response.send();
        out << prefix << std::flush;
        if (stall(state, request, delivery.stall->delayMs)) out << body << std::flush;
        return;
    }
    std::string full = prefix.empty() ? std::move(body) : prefix + body;
    if (delivery.disconnect) {
        response.setContentLength(static_cast<std::streamsize>(full.size()));
        std::ostream &out = response.send();
        out << full.substr(0, full.size() / 2) << std::flush;
        abortConnection(request);
        return;
    }
    response.sendBuffer(full.data(), full.size());
}

void deliverStream(const Simulator::State &state, HTTPServerRequest &request, HTTPServerResponse &response,
                   const Served &served, const Answer &answer, const Usage &usage, const Delivery &delivery) {
    response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    response.setContentType("text/event-stream");
    response.set("Cache-Control", "no-cache");
    response.set("X-Generation-Id", served.id);
    response.setChunkedTransferEncoding(true);
    std::ostream &out = response.send();
    auto emit = [&](const std::string &text) {
        out << text << std::flush;
        return out.good();
    };
    auto data = [&](const std::string &json) { return emit("data: " + json + "\n\n"); };
    // A fault fires after its after_chunks content chunks (or after the last one when the answer is shorter).
    auto firesAt = [&](const std::optional<Fault> &fault, std::size_t sent) {
        return fault && std::min<std::size_t>(fault->afterChunks, answer.pieces.size()) == sent;
    };

    if (!emit(": OPENROUTER PROCESSING\n\n")) return;
    for (int i = 0; delivery.comments && i < delivery.comments->count; ++i) {
        if (!emit(": OPENROUTER PROCESSING\n\n")) return;
    }
    while (delivery.endless) {
        if (!data(chunkJson(served, "more ", nullptr, nullptr)) || !state.sleepFor(delivery.endless->delayMs)) return;
    }
    for (std::size_t sent = 0;; ++sent) {
        if (firesAt(delivery.stall, sent) && !stall(state, request, delivery.stall->delayMs)) return;
        if (firesAt(delivery.disconnect, sent)) {
            abortConnection(request);
            return;
        }
        if (firesAt(delivery.errorChunk, sent)) {
            if (data(chunkJson(served, "", "error", "error", &*delivery.errorChunk)) && delivery.errorChunk->done)
                emit("data: [DONE]\n\n");
            return;
        }
        if (firesAt(delivery.error200, sent)) {
            if (data(bareErrorJson(*delivery.error200)) && delivery.error200->done) emit("data: [DONE]\n\n");
            return;
        }
        if (firesAt(delivery.malformed, sent) && !data("{\"id\":\"" + served.id + "\",\"choices\":[{\"delta\":"))
            return;
        if (sent == answer.pieces.size()) break;
        if (sent > 0 && !state.sleepFor(state.options.chunkDelayMs)) return;
        const ToolCall *call = answer.toolCall ? &*answer.toolCall : nullptr;
        if (!data(chunkJson(served, answer.pieces[sent], nullptr, nullptr, nullptr, call, sent == 0))) return;
    }
    if (!data(chunkJson(served, "", answer.finishReason.c_str(), answer.nativeFinishReason.c_str()))) return;
    if (!data(usageChunkJson(served, usage))) return;
    emit("data: [DONE]\n\n");
}

}  // namespace

void handleChat(Simulator::State &state, HTTPServerRequest &request, HTTPServerResponse &response, std::uint64_t seq,
                const std::string &key, const rapidjson::Document &body) {
    const Catalog &catalog = Catalog::instance();
    std::vector<Attempt> attempts;
    auto fail = [&](const ApiError &error) {
        state.updateRecord(seq, [&](RecordedRequest &record) {
            record.status = error.status;
            record.attempts = attempts;
        });
        sendError(response, error);
    };

    if (!body.IsObject() || !body.HasMember("messages") || !body["messages"].IsArray()) {
        fail({400, "Input required: specify \"prompt\" or \"messages\"", "", {}});
        return;
    }
    bool overLimit = false;
    {
        std::lock_guard lock(state.mutex);
        const KeyInfo &info = state.keys.at(key);
        overLimit = info.limit && info.usage >= *info.limit;
    }
    if (overLimit) {
        fail({402, defaultErrorMessage(402), "", {}});
        return;
    }

    // The models to try: `model`, then `models` in order; no model at all means the account default (the router).
    std::vector<std::string> ids;
    if (std::string model = stringMember(body, "model"); !model.empty()) ids.push_back(model);
    if (body.HasMember("models") && body["models"].IsArray()) {
        for (const auto &entry : body["models"].GetArray()) {
            if (entry.IsString() && std::find(ids.begin(), ids.end(), entry.GetString()) == ids.end())
                ids.push_back(entry.GetString());
        }
    }
    if (ids.empty()) ids.push_back("openrouter/auto");
    for (const std::string &id : ids) {
        if (!catalog.find(id)) {
            fail({400, id + " is not a valid model ID", "", {}});
            return;
        }
    }
    std::string imageProblem;
    int images = countImageParts(body["messages"], imageProblem);
    if (!imageProblem.empty()) {
        fail({400, imageProblem, "", {}});
        return;
    }
    if (images > 0) {
        const auto &modalities = catalog.find(ids.front())->inputModalities;
        if (std::find(modalities.begin(), modalities.end(), "image") == modalities.end()) {
            fail({404, "No endpoints found that support image input", "", {}});
            return;
        }
    }

    PromptInfo prompt = analysePrompt(body);
    Route route = routeRequest(state, key, ids, parsePreferences(body), prompt);
    attempts = route.attempts;
    if (!route.model) {
        fail(route.error);
        return;
    }
    const Model *served = route.model;
    const Endpoint *endpoint = route.endpoint;

    CacheOutcome cache;
    if (served->author() == "anthropic" && !prompt.breakpoints.empty())
        cache =
            state.cache.account(key + "\n" + served->id + "\n" + endpoint->tag, prompt.breakpoints, state.now(), state.options.cacheMinTokens);
    Answer answer =
        composeAnswer(*served, *endpoint, prompt, completionLimit(body), chooseToolCall(body, prompt, *served));
    Usage usage =
        priceUsage(endpoint->pricing, std::max(1, estimateTokens(prompt.chars)), answer.completionTokens, cache);
    bool stream = body.HasMember("stream") && body["stream"].IsBool() && body["stream"].GetBool();
    Delivery delivery(state.faults.takeDelivery(*served, *endpoint), state.options.leadingWhitespace && !stream);
    reshapeAnswer(answer, delivery);
    std::int64_t nowMs = state.epochMs();
    Served info{"gen-" + std::to_string(nowMs / 1000) + "-" + randomAlphanumerics(20), served->id,
                endpoint->provider->name, nowMs / 1000};

    Generation generation;
    generation.id = info.id;
    generation.key = key;
    generation.model = served->id;
    generation.providerName = info.provider;
    generation.createdMs = nowMs;
    generation.usage = usage;
    generation.cacheDiscount = priceUsage(endpoint->pricing, usage.promptTokens, 0, {}).promptCost - usage.promptCost;
    bool errored = delivery.errorChunk || delivery.error200;
    generation.finishReason = errored ? "error" : answer.finishReason;
    generation.nativeFinishReason = errored ? "error" : answer.nativeFinishReason;
    generation.streamed = stream;
    generation.origin = request.get("HTTP-Referer", "");
    generation.userAgent = request.get("User-Agent", "");
    generation.user = stringMember(body, "user");
    generation.sessionId = stringMember(body, "session_id");
    if (generation.sessionId.empty()) generation.sessionId = request.get("x-session-id", "");
    {
        std::lock_guard lock(state.mutex);
        state.generations[info.id] = generation;
        state.keys[key].usage += usage.cost();
    }
    state.updateRecord(seq, [&](RecordedRequest &record) {
        record.status = 200;
        record.model = served->id;
        record.provider = info.provider;
        record.providerSlug = endpoint->tag;
        record.generationId = info.id;
        record.attempts = attempts;
    });

    if (delivery.slowFirstByte && !state.sleepFor(delivery.slowFirstByte->delayMs)) return;
    if (stream) {
        deliverStream(state, request, response, info, answer, usage, delivery);
    } else {
        deliverJson(state, request, response, info, answer, usage, delivery);
    }
}

}  // namespace moltbot::sim
