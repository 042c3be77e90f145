// The generic OpenAI-compatible provider: any server speaking the Chat Completions API (a local llama.cpp, Ollama or
// vLLM, a gateway, a hosted API). It serves no prefix of its own name but the config's: an entry
// models.providers.<name> = {api: "openai-completions", baseUrl, apiKey | apiKeyEnv, headers, models} makes an
// instance under the prefix <name>. Built only on the SDK (plugins/common), as a third party would build it.
#include <moltbot/plugin.h>
#include <moltbot/sdk/guard.hpp>
#include <moltbot/sdk/host.hpp>
#include <moltbot/sdk/http.hpp>
#include <moltbot/sdk/json.hpp>
#include <moltbot/sdk/sse.hpp>

#include <rapidjson/document.h>

#include <cctype>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace json = moltbot::sdk::json;
using moltbot::sdk::Call;
using moltbot::sdk::Failure;
using moltbot::sdk::guard;
using moltbot::sdk::Host;

constexpr std::size_t kMaxErrorBody = 64 * 1024;  // an error answer is kept only this far, to quote it
constexpr std::size_t kMaxQuoted = 300;            // characters of it in a message

using moltbot::sdk::nowMs;

void require(bool ok, const char *what) {
    if (!ok) throw Failure(MB_ERR_INVALID_ARGUMENT, what);
}

// "maxTokens" -> "max_tokens": config params are camelCase, the wire is snake_case.
std::string snakeCase(std::string_view key) {
    std::string out;
    for (char c : key) {
        if (std::isupper(static_cast<unsigned char>(c))) {
            out += '_';
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        } else {
            out += c;
        }
    }
    return out;
}

struct Settings {
    std::string name;     // the prefix, also the name the host resolves the key for
    std::string baseUrl;  // without a trailing '/'
    std::string headers;  // extra "Name: value\n" lines from the config
    std::vector<std::string> models;  // MB_EVENT_MODEL payloads of the configured models

    static Settings parse(std::string_view configJson) {
        rapidjson::Document doc;
        require(json::parse(doc, configJson) && doc.IsObject(), "create: the instance config is not a JSON object");
        Settings s;
        s.name = std::string(json::getString(doc, "name"));
        require(!s.name.empty(), "create: the instance config has no name");
        static const rapidjson::Value kEmpty(rapidjson::kObjectType);
        const rapidjson::Value *config = json::getObject(doc, "config");
        const rapidjson::Value &c = config != nullptr ? *config : kEmpty;
        std::string where = "models.providers." + s.name;
        s.baseUrl = std::string(json::getString(c, "baseUrl"));
        while (!s.baseUrl.empty() && s.baseUrl.back() == '/') s.baseUrl.pop_back();
        if (s.baseUrl.rfind("http://", 0) != 0 && s.baseUrl.rfind("https://", 0) != 0) {
            throw Failure(MB_ERR_INVALID_ARGUMENT, where + ".baseUrl must be the server's http:// or https:// URL, "
                                                           "e.g. \"http://127.0.0.1:8080/v1\"");
        }
        if (const rapidjson::Value *headers = json::getObject(c, "headers")) {
            for (const auto &m : headers->GetObject()) {
                std::string_view value = m.value.IsString() ? json::view(m.value) : std::string_view();
                std::string_view header = json::view(m.name);
                bool clean = m.value.IsString() && !header.empty() &&
                             header.find_first_of(":\r\n") == std::string_view::npos &&
                             value.find_first_of("\r\n") == std::string_view::npos;
                if (!clean) {
                    throw Failure(MB_ERR_INVALID_ARGUMENT, where + ".headers." + std::string(header) +
                                                               " must be a one-line string");
                }
                s.headers.append(header).append(": ").append(value).append("\n");
            }
        }
        if (const rapidjson::Value *models = json::getArray(c, "models")) {
            for (const auto &model : models->GetArray()) {
                if (model.IsString()) {
                    s.models.push_back("{\"id\":" + json::quote(json::view(model)) + "}");
                } else if (model.IsObject() && json::member(model, "id") != nullptr && model["id"].IsString()) {
                    s.models.push_back(json::write(model));
                } else {
                    throw Failure(MB_ERR_INVALID_ARGUMENT, where + ".models: each model is an id or {\"id\": ...}");
                }
            }
        }
        return s;
    }
};

// What came back from one POST: the status, the headers and, for an error status, the start of its body.
struct Exchange {
    int32_t status = 0;
    std::string headers;
    std::string errorBody;
    bool ok() const { return status >= 200 && status <= 299; }
};

class Instance {
public:
    Instance(const mb_host_api *host, Settings settings) : host_(host), settings_(std::move(settings)) {}

    int32_t listModels(const Call &call) const {
        for (const auto &model : settings_.models) {
            if (!call.emit(MB_EVENT_MODEL, model)) return MB_ERR_CANCELLED;
        }
        return MB_OK;
    }

    int32_t chat(std::string_view requestJson, std::string_view optionsJson, const Call &call, bool stream) const {
        std::string body = requestBody(requestJson, optionsJson, stream);
        return stream ? streamChat(body, call) : completeChat(body, call);
    }

private:
    // The request as given, "stream" set, and the config's per-model params the request does not set itself.
    static std::string requestBody(std::string_view requestJson, std::string_view optionsJson, bool stream) {
        rapidjson::Document body;
        require(json::parse(body, requestJson) && body.IsObject(), "the request is not a JSON object");
        auto &a = body.GetAllocator();
        rapidjson::Document options;
        const rapidjson::Value *params = nullptr;
        if (!optionsJson.empty() && json::parse(options, optionsJson) && options.IsObject()) {
            params = json::getObject(options, "params");
        }
        if (params != nullptr) {
            for (const auto &m : params->GetObject()) {
                std::string key = snakeCase(json::view(m.name));
                if (body.HasMember(key.c_str())) continue;
                body.AddMember(rapidjson::Value(key.c_str(), a), rapidjson::Value(m.value, a), a);
            }
        }
        body.RemoveMember("stream");
        body.AddMember("stream", stream, a);
        if (stream && !body.HasMember("stream_options")) {
            rapidjson::Value streamOptions(rapidjson::kObjectType);
            streamOptions.AddMember("include_usage", true, a);  // the usage arrives in a last chunk
            body.AddMember("stream_options", streamOptions, a);
        }
        return json::write(body);
    }

    Host::HttpRequest post(std::string body, Exchange &exchange, std::string_view accept) const {
        Host::HttpRequest request;
        request.method = "POST";
        request.url = settings_.baseUrl + "/chat/completions";
        request.body = std::move(body);
        request.headers = "Content-Type: application/json\nAccept: " + std::string(accept) + "\n" + settings_.headers;
        // Local servers usually need no key: without one, no Authorization header is sent.
        if (std::optional<std::string> key = host_.secretGet(settings_.name.c_str()); key && !key->empty()) {
            request.headers += "Authorization: Bearer " + *key + "\n";
        }
        request.onHead = [&exchange](int32_t status, std::string_view headers) {
            exchange.status = status;
            exchange.headers = headers;
            return true;
        };
        return request;
    }

    // Runs the transfer; a transport failure or a cancellation becomes a Failure, an HTTP error status too.
    void send(const Call &call, const Host::HttpRequest &request, const Exchange &exchange) const {
        Host::HttpOutcome outcome = host_.http(call.raw(), request);
        if (outcome.code != MB_OK) throw Failure(outcome.code, settings_.name + ": " + outcome.message);
        if (!exchange.ok()) throw httpFailure(exchange);
    }

    Failure httpFailure(const Exchange &exchange) const {
        std::string detail;
        rapidjson::Document doc;
        if (json::parse(doc, moltbot::sdk::trim(exchange.errorBody)) && doc.IsObject()) {
            const rapidjson::Value *error = json::member(doc, "error");
            if (error != nullptr && error->IsObject()) detail = json::getString(*error, "message");
            if (error != nullptr && error->IsString()) detail = json::view(*error);  // {"error": "..."} (Ollama)
        }
        if (detail.empty()) detail = moltbot::sdk::trim(exchange.errorBody).substr(0, kMaxQuoted);
        if (detail.empty()) detail = "no error details";
        int64_t retryAfterMs = -1;
        if (auto value = moltbot::sdk::headerValue(exchange.headers, "Retry-After")) {
            retryAfterMs = moltbot::sdk::parseRetryAfter(*value, nowMs()).value_or(-1);
        }
        return Failure(moltbot::sdk::statusCode(exchange.status),
                       settings_.name + " HTTP " + std::to_string(exchange.status) + ": " + detail, exchange.status,
                       retryAfterMs);
    }

    static void keepErrorBody(Exchange &exchange, std::string_view bytes) {
        exchange.errorBody.append(bytes.substr(0, kMaxErrorBody - std::min(kMaxErrorBody, exchange.errorBody.size())));
    }

    int32_t completeChat(std::string body, const Call &call) const {
        Exchange exchange;
        std::string answer;
        Host::HttpRequest request = post(std::move(body), exchange, "application/json");
        request.onBody = [&](std::string_view bytes) {
            if (exchange.ok()) {
                answer.append(bytes);
            } else {
                keepErrorBody(exchange, bytes);
            }
            return true;
        };
        send(call, request, exchange);
        rapidjson::Document response;
        if (!json::parse(response, answer) || !response.IsObject() || json::getArray(response, "choices") == nullptr) {
            throw Failure(MB_ERR_UPSTREAM_PROTOCOL, settings_.name + ": the answer is not a chat completion: " +
                                                        std::string(answer.substr(0, kMaxQuoted)));
        }
        if (!call.emit(MB_EVENT_RESPONSE, json::write(response))) return MB_ERR_CANCELLED;
        if (const rapidjson::Value *usage = json::getObject(response, "usage")) {
            if (!call.emit(MB_EVENT_USAGE, usageEvent(*usage))) return MB_ERR_CANCELLED;
        }
        return MB_OK;
    }

    // {"prompt_tokens", "completion_tokens", "cached_tokens"?} of an OpenAI usage object.
    static std::string usageEvent(const rapidjson::Value &usage) {
        std::string out = "{\"prompt_tokens\":" + std::to_string(json::getInt(usage, "prompt_tokens")) +
                          ",\"completion_tokens\":" + std::to_string(json::getInt(usage, "completion_tokens"));
        if (const rapidjson::Value *details = json::getObject(usage, "prompt_tokens_details")) {
            if (json::member(*details, "cached_tokens") != nullptr) {
                out += ",\"cached_tokens\":" + std::to_string(json::getInt(*details, "cached_tokens"));
            }
        }
        return out + "}";
    }

    // The state of one streamed answer: chunks in, events out.
    struct Stream {
        Stream(const Call &c, const std::string &n) : call(c), name(n) {}

        const Call &call;
        const std::string &name;
        std::string finishReason, model, id, usage;
        bool doneMarker = false;
        bool cancelled = false;

        bool emit(uint32_t kind, const std::string &payload) {
            if (!call.emit(kind, payload)) cancelled = true;
            return !cancelled;
        }

        static std::string textEvent(std::string_view text) { return "{\"text\":" + json::quote(text) + "}"; }

        // One SSE data payload; false stops reading.
        bool onData(std::string_view data) {
            if (moltbot::sdk::trim(data) == "[DONE]") {
                doneMarker = true;
                return false;
            }
            rapidjson::Document chunk;
            if (!json::parse(chunk, data) || !chunk.IsObject()) {
                throw Failure(MB_ERR_UPSTREAM_PROTOCOL, name + ": a stream chunk is not JSON: " +
                                                            std::string(data.substr(0, kMaxQuoted)));
            }
            if (const rapidjson::Value *error = json::getObject(chunk, "error")) {
                throw Failure(MB_ERR_UNAVAILABLE, name + " stream error: " +
                                                      std::string(json::getString(*error, "message", "unknown error")));
            }
            if (model.empty()) model = json::getString(chunk, "model");
            if (id.empty()) id = json::getString(chunk, "id");
            if (const rapidjson::Value *u = json::getObject(chunk, "usage")) usage = usageEvent(*u);
            const rapidjson::Value *choices = json::getArray(chunk, "choices");
            if (choices == nullptr || choices->Empty() || !(*choices)[0].IsObject()) return true;
            const rapidjson::Value &choice = (*choices)[0];
            if (std::string_view reason = json::getString(choice, "finish_reason"); !reason.empty()) {
                finishReason = reason;
            }
            const rapidjson::Value *delta = json::getObject(choice, "delta");
            if (delta == nullptr) return true;
            for (const char *field : {"reasoning_content", "reasoning"}) {
                std::string_view reasoning = json::getString(*delta, field);
                if (!reasoning.empty() && !emit(MB_EVENT_REASONING_DELTA, textEvent(reasoning))) return false;
            }
            std::string_view text = json::getString(*delta, "content");
            if (!text.empty() && !emit(MB_EVENT_TEXT_DELTA, textEvent(text))) return false;
            if (const rapidjson::Value *calls = json::getArray(*delta, "tool_calls")) {
                for (const auto &toolCall : calls->GetArray()) {
                    if (!toolCall.IsObject()) continue;
                    if (!emit(MB_EVENT_TOOL_CALL_DELTA, toolCallEvent(toolCall))) return false;
                }
            }
            return true;
        }

        // {"index", "id"?, "name"?, "arguments"} of one tool_calls[] delta.
        static std::string toolCallEvent(const rapidjson::Value &toolCall) {
            std::string out = "{\"index\":" + std::to_string(json::getInt(toolCall, "index"));
            if (std::string_view callId = json::getString(toolCall, "id"); !callId.empty()) {
                out += ",\"id\":" + json::quote(callId);
            }
            static const rapidjson::Value kNone(rapidjson::kObjectType);
            const rapidjson::Value *function = json::getObject(toolCall, "function");
            const rapidjson::Value &f = function != nullptr ? *function : kNone;
            if (std::string_view fn = json::getString(f, "name"); !fn.empty()) out += ",\"name\":" + json::quote(fn);
            return out + ",\"arguments\":" + json::quote(json::getString(f, "arguments")) + "}";
        }
    };

    int32_t streamChat(std::string body, const Call &call) const {
        Exchange exchange;
        Stream stream(call, settings_.name);
        moltbot::sdk::SseReader reader;
        auto onEvent = [&](const moltbot::sdk::SseEvent &event) { return stream.onData(event.data); };
        Host::HttpRequest request = post(std::move(body), exchange, "text/event-stream");
        request.onBody = [&](std::string_view bytes) {
            if (!exchange.ok()) {
                keepErrorBody(exchange, bytes);
                return true;
            }
            if (reader.feed(bytes, onEvent) == moltbot::sdk::SseStatus::tooLarge) {
                throw Failure(MB_ERR_UPSTREAM_PROTOCOL, settings_.name + ": a stream event exceeds " +
                                                            std::to_string(reader.maxEventBytes()) + " bytes");
            }
            return !stream.cancelled && !stream.doneMarker;
        };
        try {
            send(call, request, exchange);
        } catch (const Failure &failure) {
            // Stopping at "[DONE]" aborts the transfer on purpose; only a real cancellation is one.
            if (failure.code() != MB_ERR_CANCELLED || stream.cancelled || !stream.doneMarker) throw;
        }
        if (stream.cancelled || call.cancelled()) return MB_ERR_CANCELLED;
        if (!stream.doneMarker) reader.finish(onEvent);
        if (!stream.doneMarker && stream.finishReason.empty()) {
            throw Failure(MB_ERR_UPSTREAM_PROTOCOL, settings_.name + ": the stream ended before the answer did");
        }
        if (!stream.usage.empty() && !stream.emit(MB_EVENT_USAGE, stream.usage)) return MB_ERR_CANCELLED;
        std::string done = "{\"finish_reason\":" + json::quote(stream.finishReason.empty() ? "stop" : stream.finishReason);
        if (!stream.model.empty()) done += ",\"model\":" + json::quote(stream.model);
        if (!stream.id.empty()) done += ",\"id\":" + json::quote(stream.id);
        return stream.emit(MB_EVENT_DONE, done + "}") ? MB_OK : MB_ERR_CANCELLED;
    }

    Host host_;
    Settings settings_;
};

}  // namespace

struct mb_instance {
    Instance impl;
};

namespace {

std::string_view text(const char *data, size_t len) { return data == nullptr ? std::string_view() : std::string_view(data, len); }

int32_t create(const mb_host_api *host, const char *config, size_t configLen, mb_instance **out, mb_error *error) {
    return guard(error, [&] {
        require(host != nullptr && out != nullptr && config != nullptr, "create: NULL argument");
        *out = new mb_instance{Instance(host, Settings::parse(std::string_view(config, configLen)))};
        return MB_OK;
    });
}

void destroy(mb_instance *instance) { delete instance; }

int32_t listModels(mb_instance *instance, mb_call *call, mb_error *error) {
    return guard(error, [&] {
        require(instance != nullptr && call != nullptr, "list_models: NULL argument");
        return instance->impl.listModels(Call(call));
    });
}

int32_t chat(mb_instance *instance, const char *request, size_t requestLen, const char *options, size_t optionsLen,
             mb_call *call, mb_error *error, bool stream) {
    return guard(error, [&] {
        require(instance != nullptr && call != nullptr && request != nullptr, "NULL argument");
        return instance->impl.chat(std::string_view(request, requestLen), text(options, optionsLen), Call(call), stream);
    });
}

int32_t complete(mb_instance *instance, const char *request, size_t requestLen, const char *options, size_t optionsLen,
                 mb_call *call, mb_error *error) {
    return chat(instance, request, requestLen, options, optionsLen, call, error, false);
}

int32_t stream(mb_instance *instance, const char *request, size_t requestLen, const char *options, size_t optionsLen,
               mb_call *call, mb_error *error) {
    return chat(instance, request, requestLen, options, optionsLen, call, error, true);
}

const mb_provider_vtable kVtable = {
    sizeof(mb_provider_vtable), 0, create, destroy, listModels, complete, stream, nullptr,
};

// The descriptor needs one prefix; config entries name the real ones (MB_CAP_CONFIG_PREFIXES).
const char *const kPrefixes[] = {"openai-compatible", nullptr};
const char *const kApis[] = {"openai-completions", nullptr};

const mb_provider_descriptor kDescriptor = {
    sizeof(mb_provider_descriptor),
    MB_CAP_STREAM | MB_CAP_TOOLS | MB_CAP_LIST_MODELS | MB_CAP_REASONING | MB_CAP_CONFIG_PREFIXES,
    "ai.moltbot.openai-compatible",
    "OpenAI-compatible",
    "0.1.0",
    "moltbot",
    nullptr,
    "Any server speaking the OpenAI Chat Completions API, under the prefixes named in models.providers",
    kPrefixes,
    kApis,
    &kVtable,
};

const mb_provider_descriptor *const kProviders[] = {&kDescriptor};

int32_t init(const mb_host_api *host, mb_error *error) {
    return guard(error, [&] {
        require(host != nullptr, "init: NULL host");
        return MB_OK;
    });
}

const mb_plugin_entry kEntry = {sizeof(mb_plugin_entry), MB_ABI_CURRENT, 1, 0, kProviders, init, nullptr};

}  // namespace

extern "C" MB_EXPORT int32_t moltbot_plugin_negotiate(const mb_host_info *host, const mb_plugin_entry **entry) {
    if (host == nullptr || entry == nullptr || host->struct_size < sizeof(uint32_t) * 3) return MB_ERR_INVALID_ARGUMENT;
    if (MB_ABI_CURRENT < host->abi_min || MB_ABI_CURRENT > host->abi_max) return MB_ERR_INCOMPATIBLE;
    *entry = &kEntry;
    return MB_OK;
}
