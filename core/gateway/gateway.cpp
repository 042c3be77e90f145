#include "core/gateway/gateway.hpp"

#include "core/gateway/chat_request.hpp"
#include "core/gateway/completion_encoder.hpp"

#include <moltbot/plugin.h>
#include <moltbot/sdk/http.hpp>
#include <moltbot/sdk/json.hpp>

#include <set>

namespace moltbot::gateway {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::string_view kJson = "application/json";

double msSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

void respondError(Exchange &exchange, AccessRecord &record, const ApiError &error, Headers headers = {}) {
    if (error.retryAfterSeconds >= 0) headers.emplace_back("Retry-After", std::to_string(error.retryAfterSeconds));
    exchange.respond(error.status, headers, kJson, errorBody(error));
    record.status = error.status;
    record.error = error.code;
}

ApiError apiError(int status, std::string type, std::string code, std::string message) {
    ApiError error;
    error.status = status;
    error.type = std::move(type);
    error.code = std::move(code);
    error.message = std::move(message);
    return error;
}

// Counts a chat for as long as it runs.
class Running {
public:
    explicit Running(std::atomic<int> &counter) : counter_(counter) { counter_.fetch_add(1); }
    ~Running() { counter_.fetch_sub(1); }
    Running(const Running &) = delete;
    Running &operator=(const Running &) = delete;

private:
    std::atomic<int> &counter_;
};

// The plugin's whole response object (a plugin that cannot stream) as the events a stream would have had.
template <typename Emit>
void replayResponse(const rapidjson::Value &response, Emit &&emit) {
    namespace json = sdk::json;
    const rapidjson::Value *choices = json::getArray(response, "choices");
    if (choices == nullptr || choices->Empty()) return;
    const rapidjson::Value &choice = (*choices)[0];
    rapidjson::Document event;
    auto &a = event.GetAllocator();
    if (const rapidjson::Value *message = json::getObject(choice, "message")) {
        std::string_view content = json::getString(*message, "content");
        if (!content.empty()) {
            event.SetObject();
            event.AddMember("text", rapidjson::Value(content.data(), static_cast<rapidjson::SizeType>(content.size()), a), a);
            emit(MB_EVENT_TEXT_DELTA, event);
        }
        if (const rapidjson::Value *calls = json::getArray(*message, "tool_calls")) {
            int64_t index = 0;
            for (const auto &call : calls->GetArray()) {
                const rapidjson::Value *function = json::getObject(call, "function");
                event.SetObject();
                event.AddMember("index", index++, a);
                auto add = [&](const char *key, std::string_view value) {
                    event.AddMember(rapidjson::StringRef(key),
                                    rapidjson::Value(value.data(), static_cast<rapidjson::SizeType>(value.size()), a), a);
                };
                add("id", json::getString(call, "id"));
                add("name", function != nullptr ? json::getString(*function, "name") : std::string_view());
                add("arguments", function != nullptr ? json::getString(*function, "arguments") : std::string_view());
                emit(MB_EVENT_TOOL_CALL_DELTA, event);
            }
        }
    }
    event.SetObject();
    std::string_view reason = json::getString(choice, "finish_reason");
    event.AddMember("finish_reason", rapidjson::Value(reason.data(), static_cast<rapidjson::SizeType>(reason.size()), a), a);
    emit(MB_EVENT_DONE, event);
}

}  // namespace

bool Gateway::waitIdle(Clock::time_point deadline) {
    std::unique_lock lock(idleMutex_);
    return idle_.wait_until(lock, deadline, [this] { return inFlight_.load() == 0; });
}

Gateway::InFlight::InFlight(Gateway &gateway) : gateway_(gateway) { gateway_.inFlight_.fetch_add(1); }

Gateway::InFlight::~InFlight() {
    if (gateway_.inFlight_.fetch_sub(1) == 1) {
        std::lock_guard lock(gateway_.idleMutex_);
        gateway_.idle_.notify_all();
    }
}

void Gateway::handle(Exchange &exchange) {
    Clock::time_point started = Clock::now();
    AccessRecord record;
    record.timeMs = sdk::nowMs();
    record.method = exchange.method();
    record.path = exchange.path();
    if (draining()) exchange.closeAfter();
    try {
        std::string_view path = exchange.path();
        std::string_view method = exchange.method();
        auto allow = [&](std::string_view allowed) {
            if (method == allowed || (allowed == "GET" && method == "HEAD")) return true;
            respondError(exchange, record,
                         apiError(405, "invalid_request_error", "method_not_allowed",
                                  std::string(method) + " is not allowed on " + std::string(path) + "; use " +
                                      std::string(allowed)),
                         {{"Allow", std::string(allowed)}});
            return false;
        };
        if (path == "/v1/chat/completions" || path == "/chat/completions") {
            if (allow("POST")) chatCompletions(exchange, record, started);
        } else if (path == "/v1/models" || path == "/models") {
            if (allow("GET")) listModels(exchange);
            record.status = record.status == 0 ? 200 : record.status;
        } else if (path == "/health") {
            if (allow("GET")) {
                exchange.respond(200, {}, kJson, R"({"status":"ok"})");
                record.status = 200;
            }
        } else if (path == "/ready") {
            if (allow("GET")) {
                if (draining()) {
                    respondError(exchange, record,
                                 apiError(503, "service_unavailable_error", "draining", "the gateway is shutting down"));
                } else {
                    auto session = sessions_.current();
                    std::size_t plugins = session->runtime().registry().plugins().size();
                    exchange.respond(200, {}, kJson,
                                     R"({"status":"ready","plugins":)" + std::to_string(plugins) + "}");
                    record.status = 200;
                }
            }
        } else {
            respondError(exchange, record,
                         apiError(404, "invalid_request_error", "unknown_url",
                                  "unknown path " + std::string(path) +
                                      "; the gateway serves POST /v1/chat/completions, GET /v1/models, /health, /ready"));
        }
    } catch (const ApiError &error) {
        respondError(exchange, record, error);
    } catch (const std::exception &error) {
        respondError(exchange, record, apiError(500, "server_error", "internal", error.what()));
    }
    record.durationMs = msSince(started);
    log_.write(record);
}

std::shared_ptr<const std::string> Gateway::modelsJson(const std::shared_ptr<session::Session> &session) {
    {
        std::lock_guard lock(modelsMutex_);
        if (models_ && !modelsOf_.owner_before(session) && !session.owner_before(modelsOf_)) return models_;
    }
    namespace json = sdk::json;
    std::string body = R"({"object":"list","data":[)";
    bool first = true;
    auto entry = [&](const std::string &id, const std::string &owner, const std::string *aliasOf) {
        body += first ? "" : ",";
        first = false;
        body += "{\"id\":";
        json::appendString(body, id);
        body += R"(,"object":"model","created":0,"owned_by":)";
        json::appendString(body, owner);
        if (aliasOf != nullptr) {
            body += ",\"alias_for\":";
            json::appendString(body, *aliasOf);
        }
        body += "}";
    };
    for (const auto &prefix : session->prefixes()) {
        for (const auto &[id, model] : session->catalogs().of(prefix)) entry(prefix + "/" + id, prefix, nullptr);
    }
    for (const auto &[alias, ref] : session->config().aliases()) entry(alias, "moltbot", &ref);
    body += "]}";
    auto built = std::make_shared<const std::string>(std::move(body));
    std::lock_guard lock(modelsMutex_);
    modelsOf_ = session;
    models_ = built;
    return built;
}

void Gateway::listModels(Exchange &exchange) {
    auto session = sessions_.current();
    exchange.respond(200, {}, kJson, *modelsJson(session));
}

void Gateway::chatCompletions(Exchange &exchange, AccessRecord &record, Clock::time_point started) {
    if (draining()) {
        ApiError error = apiError(503, "service_unavailable_error", "draining", "the gateway is shutting down");
        error.retryAfterSeconds = 1;
        respondError(exchange, record, error);
        return;
    }
    // The cap on concurrent chats: a request over it is answered at once, never queued.
    Running running(chatsRunning_);
    if (chatsRunning_.load() > settings_.maxConcurrent) {
        ApiError error = apiError(503, "service_unavailable_error", "too_many_requests",
                                  "the gateway is at its limit of " + std::to_string(settings_.maxConcurrent) +
                                      " concurrent requests (gateway.maxConcurrent)");
        error.retryAfterSeconds = 1;
        respondError(exchange, record, error);
        return;
    }
    auto limit = static_cast<std::size_t>(settings_.maxBodyBytes);
    auto tooLarge = [&] {
        exchange.closeAfter();  // the rest of the body is never read
        respondError(exchange, record,
                     apiError(413, "invalid_request_error", "request_too_large",
                              "the request body is larger than " + std::to_string(limit) +
                                  " bytes (gateway.maxBodyBytes)"));
    };
    // The client went away (or was too slow) before its answer: logged as 499, nothing left to send it.
    auto clientClosed = [&] {
        record.status = 499;
        record.error = "client_closed";
        exchange.closeAfter();
    };
    if (exchange.contentLength() > settings_.maxBodyBytes) return tooLarge();
    std::string text;
    switch (exchange.readBody(limit, text)) {
    case BodyRead::TooLarge: return tooLarge();
    case BodyRead::Failed: return clientClosed();
    case BodyRead::Ok: break;
    }
    ChatRequest request = parseChatRequest(text);
    text = std::string();  // the parsed document holds the request from here on
    record.stream = request.stream;
    record.modelAsked = request.model.value_or("");

    std::shared_ptr<session::Session> session = sessions_.current();
    std::vector<session::ModelName> names;
    if (request.model) {
        names.push_back({*request.model, "the request's model"});
    } else if (std::string primary = session->config().primaryModel(); !primary.empty()) {
        names.push_back({primary, "agents.defaults.model.primary"});
    } else {
        throw apiError(400, "invalid_request_error", "model_required",
                       "the request names no model and the config has no agents.defaults.model.primary");
    }
    for (const auto &name : request.models) names.push_back({name, "the request's models"});
    if (request.models.empty()) {
        for (auto &fallback : session->configuredFallbacks()) names.push_back(std::move(fallback));
    }
    std::vector<pipeline::ChainEntry> chain;
    try {
        // The models the client named must exist: a typo is a 404, never an answer from a fallback.
        std::size_t asked = 1 + request.models.size();
        for (std::size_t i = 0; i < asked && i < names.size(); ++i) session->requireKnown(session->resolve(names[i]), names[i].name);
        chain = session->chain(names);
    } catch (const session::ModelError &error) {
        ApiError notFound = apiError(404, "invalid_request_error", "model_not_found", error.what());
        notFound.param = "model";
        throw notFound;
    }

    std::string currentRef;
    std::set<std::string> tried;  // the models attempts started on (a model skipped for its cooldown is not tried)
    pipeline::Output output;
    output.attemptStarted = [&](const std::string &ref, int) {
        currentRef = ref;
        tried.insert(ref);
    };
    // The client's connection is polled at most every 10 ms: the transport asks every 50 ms at most, emit more.
    bool gone = false;
    Clock::time_point lastPoll{};
    auto cancelled = [&] {
        if (gone) return true;
        Clock::time_point now = Clock::now();
        if (now - lastPoll < std::chrono::milliseconds(10)) return false;
        lastPoll = now;
        gone = exchange.clientGone();
        return gone;
    };
    int64_t created = record.timeMs / 1000;
    auto modelHeaders = [&](const std::string &ref, int attempts) {
        return Headers{{"x-moltbot-model", ref}, {"x-moltbot-attempts", std::to_string(attempts)}};
    };
    auto noteOutcome = [&](const pipeline::Outcome &outcome) {
        // Cooldowns live in memory and in <state>/cooldowns.json (written only when the table changed).
        if (std::string why = session->cooldowns().save(sdk::nowMs()); !why.empty()) {
            log_.note("warning: could not save model cooldowns: " + why);
        }
        record.model = outcome.ref;
        record.attempts = static_cast<int>(tried.size());
        if (outcome.usage.known) {
            record.promptTokens = outcome.usage.promptTokens;
            record.completionTokens = outcome.usage.completionTokens;
            record.cachedTokens = outcome.usage.cachedTokens;
            record.cost = outcome.usage.cost;
        }
    };

    if (!request.stream) {
        ResponseBuilder builder;
        output.event = [&](uint32_t kind, const rapidjson::Value &event) { builder.add(kind, event); };
        pipeline::Outcome outcome = session->run(chain, request.body, false, output, cancelled);
        noteOutcome(outcome);
        if (gone) return clientClosed();
        if (outcome.status != MB_OK) {
            respondError(exchange, record, outcomeError(outcome), modelHeaders(outcome.ref, record.attempts));
            return;
        }
        std::string body = builder.build(outcome, outcome.ref, created);
        record.firstByteMs = msSince(started);
        exchange.respond(200, modelHeaders(outcome.ref, record.attempts), kJson, body);
        record.status = 200;
        return;
    }

    ChunkEncoder encoder(newCompletionId(), created, request.includeUsage);
    bool streaming = false;  // the 200 and its headers went out: a failure from here on is an SSE error event
    auto send = [&](uint32_t kind, const rapidjson::Value &event) {
        bool opens = kind == MB_EVENT_TEXT_DELTA || kind == MB_EVENT_REASONING_DELTA ||
                     kind == MB_EVENT_TOOL_CALL_DELTA || kind == MB_EVENT_DONE;
        if (!streaming) {
            if (!opens) return;
            encoder.setModel(currentRef);
            record.firstByteMs = msSince(started);
            if (!exchange.beginStream(200, modelHeaders(currentRef, static_cast<int>(tried.size())),
                                      "text/event-stream")) {
                gone = true;
                return;
            }
            streaming = true;
        }
        std::string data = encoder.encode(kind, event);
        if (!data.empty() && !gone && !exchange.write(data)) gone = true;
    };
    output.keepText = 0;  // forwarded as it arrives, never kept
    output.event = [&](uint32_t kind, const rapidjson::Value &event) {
        if (kind == MB_EVENT_RESPONSE) {
            replayResponse(event, send);
        } else {
            send(kind, event);
        }
    };
    pipeline::Outcome outcome = session->run(chain, request.body, true, output, cancelled);
    noteOutcome(outcome);
    if (gone) return clientClosed();
    if (!streaming) {
        if (outcome.status != MB_OK) {
            respondError(exchange, record, outcomeError(outcome), modelHeaders(outcome.ref, record.attempts));
            return;
        }
        // An answer with no event at all: still a well-formed stream.
        encoder.setModel(outcome.ref);
        if (!exchange.beginStream(200, modelHeaders(outcome.ref, record.attempts), "text/event-stream")) return;
        streaming = true;
    }
    record.status = 200;
    if (outcome.status == MB_OK) {
        exchange.write(encoder.finish(outcome));
    } else {
        ApiError error = outcomeError(outcome);
        record.error = error.code;
        exchange.write(ChunkEncoder::errorEvent(error));
    }
}

}  // namespace moltbot::gateway
