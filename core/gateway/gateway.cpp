#include "core/gateway/gateway.hpp"

#include "core/gateway/chat_request.hpp"
#include "core/gateway/completion_encoder.hpp"
#include "core/gateway/sticky.hpp"
#include "core/config/files.hpp"

#include <moltbot/plugin.h>
#include <moltbot/sdk/http.hpp>
#include <moltbot/sdk/json.hpp>

#include <algorithm>
#include <set>

namespace moltbot::gateway {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::string_view kJson = "application/json";

double msSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

void respondError(Exchange &exchange, AccessRecord &record, const ApiError &error, Headers headers = {}) {
    headers.insert(headers.end(), error.headers.begin(), error.headers.end());
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

std::string joined(const std::vector<std::string> &items) {
    std::string out;
    for (const auto &item : items) out += (out.empty() ? "" : ",") + item;
    return out;
}

// A key limited to model patterns: its primary must match (403 otherwise), fallbacks that do not are left out and
// returned, for the response to say so.
std::vector<std::string> restrictToKey(std::vector<pipeline::ChainEntry> &chain, const keys::GatewayKey &key) {
    std::vector<std::string> skipped;
    if (key.models.empty() || chain.empty()) return skipped;
    if (std::string primary = chain.front().ref.full(); !key.allowsModel(primary)) {
        ApiError forbidden = apiError(403, "permission_error", "model_not_allowed",
                                      "the key '" + key.name + "' may not use " + primary + "; it may use " +
                                          joined(key.models));
        forbidden.param = "model";
        throw forbidden;
    }
    std::erase_if(chain, [&](const pipeline::ChainEntry &entry) {
        std::string ref = entry.ref.full();
        if (key.allowsModel(ref)) return false;
        skipped.push_back(std::move(ref));
        return true;
    });
    return skipped;
}

// The answer text of a text delta, for the request log (gateway.logContent).
void logText(std::string &answer, uint32_t kind, const rapidjson::Value &event) {
    if (kind == MB_EVENT_TEXT_DELTA) requestlog::appendLogged(answer, sdk::json::getString(event, "text"));
}

// What a refusal counts as in the metrics' rejections, or "" for an error that is not one.
std::string_view rejectionReason(const ApiError &error) {
    if (error.status == 401) return "auth";
    if (error.code == "model_not_allowed") return "model";
    if (error.code == "budget_exceeded") return "budget";
    if (error.code == "rate_limit_exceeded") return error.type == "tokens" ? "tpm" : "rpm";
    if (error.code == "state_unavailable" || error.code == "ledger_unavailable") return "state";
    return {};
}

RequestSample sample(const AccessRecord &record) {
    RequestSample sample;
    sample.model = record.model;
    sample.key = record.key;
    sample.status = record.status;
    sample.latencySeconds = record.durationMs / 1000.0;
    // For an answer that is not streamed the first byte is the whole answer: no time to first token.
    sample.ttftSeconds = record.stream && record.firstByteMs >= 0 ? record.firstByteMs / 1000.0 : -1;
    sample.promptTokens = std::max<int64_t>(0, record.promptTokens);
    sample.completionTokens = std::max<int64_t>(0, record.completionTokens);
    sample.cachedTokens = std::max<int64_t>(0, record.cachedTokens);
    sample.costUsd = std::max(0.0, record.cost);
    sample.retries = record.retries;
    sample.fellBack = record.fellBack;
    return sample;
}

// A prompt this long can be cached (Anthropic's smallest minimum): a sticky session's answer that read none of it
// from the cache counts as a miss.
constexpr int64_t kCacheablePromptTokens = 1024;

// The longest answer a model of unknown limits is assumed to give, when the request sets no max_tokens.
constexpr int64_t kAssumedMaxOutput = 131'072;

// The most the request can cost on any model of its chain (limits::worstCaseCost); a model without catalog prices
// counts as free until its upstream reports a cost.
double worstCase(session::Session &session, const std::vector<pipeline::ChainEntry> &chain, const ChatRequest &request,
                 int64_t bodyBytes) {
    int64_t asked = -1;
    for (const char *name : {"max_completion_tokens", "max_tokens"}) {
        if (auto member = request.body.FindMember(name); member != request.body.MemberEnd() && member->value.IsInt64()) {
            asked = std::max<int64_t>(asked, member->value.GetInt64());  // the larger of the two: a worst case
        }
    }
    double worst = 0;
    for (const auto &entry : chain) {
        const session::CatalogModel *model = session.catalogs().entry(entry.ref);
        if (model == nullptr) continue;
        int64_t maxOutput = asked >= 0 ? asked
                            : model->maxOutput > 0 ? model->maxOutput
                            : model->contextWindow > 0 ? model->contextWindow
                                                        : kAssumedMaxOutput;
        if (std::optional<double> cost = limits::worstCaseCost(model->prices, bodyBytes, maxOutput)) {
            worst = std::max(worst, *cost);
        }
    }
    return worst;
}

// Ends the request's reservation at its real cost: the upstream's figure, else an estimate from the catalog's prices
// and the token counts, else (an answer with no usage at all, say a client that left mid-stream) the whole
// reservation, since tokens were produced and may be billed.
void settle(session::Session &session, const pipeline::Outcome &outcome, Ticket &ticket, AccessRecord &record) {
    const pipeline::Usage &usage = outcome.usage;
    double cost = 0;
    if (usage.known && usage.cost >= 0) {
        cost = usage.cost;
    } else if (usage.known) {
        if (std::optional<double> estimate = session.estimatedCost(outcome)) {
            cost = *estimate;
            record.cost = cost;
            record.costEstimated = true;
        }
    } else if (outcome.outputStarted || outcome.status == MB_OK) {
        cost = ticket.reservedUsd();
        record.cost = cost;
        record.costEstimated = true;
    }
    ticket.settle(cost, usage.known ? usage.promptTokens + usage.completionTokens : 0);
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

void Gateway::handle(Exchange &raw) {
    GuardedExchange exchange(raw);  // the stuck-call watch may answer for a request whose plugin never returns
    Clock::time_point started = Clock::now();
    AccessRecord record;
    record.timeMs = sdk::nowMs();
    record.method = exchange.method();
    record.path = exchange.path();
    if (draining()) exchange.closeAfter();
    bool chat = exchange.path() == "/v1/chat/completions" || exchange.path() == "/chat/completions";
    if (chat) metrics_.requestStarted();
    requestlog::Entry logged;
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
        // Every API path needs a key once the gateway has keys; /health, /ready and /metrics are for operators.
        bool api = path.substr(0, 4) == "/v1/" || path == "/chat/completions" || path == "/models";
        Caller caller;
        if (api) {
            caller = keys_.authenticate(exchange.header("Authorization"), record.timeMs);
            if (caller.key != nullptr) record.key = caller.key->name;
        }
        if (chat) {
            if (allow("POST")) chatCompletions(exchange, record, started, caller, logged);
        } else if (path == "/v1/models" || path == "/models") {
            if (allow("GET")) listModels(exchange);
            record.status = record.status == 0 ? 200 : record.status;
        } else if (path == "/metrics") {
            if (allow("GET")) {
                metrics_.stateUp(keys_.backend().health().up);
                exchange.respond(200, {}, Metrics::kContentType, metrics_.render());
                record.status = 200;
            }
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
                    // The state backend's health: a shared Redis that is down keeps the instance ready (every
                    // instance shares it; the gateway answers keyed requests 503 in OpenAI's shape meanwhile).
                    state::Health health = keys_.backend().health();
                    metrics_.stateUp(health.up);
                    std::string body = R"({"status":"ready","plugins":)" + std::to_string(plugins) +
                                       R"(,"state":{"backend":)";
                    sdk::json::appendString(body, health.backend);
                    body += health.up ? R"(,"up":true,"detail":)" : R"(,"up":false,"detail":)";
                    sdk::json::appendString(body, health.detail);
                    body += "}}";
                    exchange.respond(200, {}, kJson, body);
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
        if (std::string_view reason = rejectionReason(error); !reason.empty()) metrics_.rejected(record.key, reason);
        respondError(exchange, record, error);
    } catch (const std::exception &error) {
        respondError(exchange, record, apiError(500, "server_error", "internal", error.what()));
    }
    record.durationMs = msSince(started);
    if (chat) {
        metrics_.requestFinished(sample(record));
        if (requests_ != nullptr) submitToLog(record, logged);
    }
    log_.write(record);
    if (std::string warnings = keys_.takeWarnings(); !warnings.empty()) log_.note(warnings);
}

void Gateway::stickyFailed(const std::string &why) {
    metrics_.stickyError();
    // One line per failing spell, not per request: the state backend's own warnings say when it is back.
    if (!stickyWarned_.exchange(true)) {
        log_.note("warning: session stickiness is off while the state backend fails (" + why +
                  "); requests go on unpinned (moltbot_sticky_errors_total counts them)");
    }
}

bool Gateway::servedByOpenRouter(session::Session &session, const std::string &prefix) {
    std::shared_ptr<const plugin::Provider> provider = session.runtime().providerOf(prefix);
    return provider != nullptr && provider->info.id == "ai.moltbot.openrouter";
}

void Gateway::writtenOff(const std::string &ref) {
    metrics_.pluginCallWrittenOff(ref);
    log_.note("warning: the plugin serving " + (ref.empty() ? std::string("a request") : ref) + " did not return " +
              std::to_string(StuckCalls::kGrace.count() / 1000) +
              " s after its request's deadline: the client got 504, and the call's connection thread is left behind");
}

void Gateway::submitToLog(const AccessRecord &record, requestlog::Entry &logged) {
    logged.timeMs = record.timeMs;
    logged.frontEnd = "serve";
    logged.keyName = record.key;
    logged.instance = instanceId_;
    logged.modelAsked = record.modelAsked;
    if (logged.model.empty()) logged.model = record.model;
    logged.latencyMs = static_cast<int64_t>(record.durationMs);
    logged.ttftMs = record.stream && record.firstByteMs >= 0 ? static_cast<int64_t>(record.firstByteMs) : -1;
    logged.status = record.status;
    if (!record.error.empty()) logged.errorCode = record.error;
    if (record.costEstimated) {  // the gateway's estimate, made when the reservation settled
        logged.costUsd = record.cost;
        logged.costEstimated = true;
    }
    requests_->submit(std::move(logged));
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

void Gateway::chatCompletions(GuardedExchange &exchange, AccessRecord &record, Clock::time_point started,
                              const Caller &caller, requestlog::Entry &logged) {
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
    auto textBytes = static_cast<int64_t>(text.size());
    bool logContent = settings_.logContent && requests_ != nullptr;
    if (logContent) {
        // The conversation as the client sent it: its messages array, as JSON.
        if (auto messages = request.body.FindMember("messages"); messages != request.body.MemberEnd()) {
            requestlog::appendLogged(logged.prompt, config::toCompactJson(messages->value));
        }
    }
    text = std::string();  // the parsed document holds the request from here on
    record.stream = request.stream;
    record.modelAsked = request.model.value_or("");

    std::shared_ptr<session::Session> session = sessions_.current();
    // A cooldown another instance started (a shared state backend): seen before this request picks its model.
    if (auto shared = keys_.backend().changedCooldowns()) session->cooldowns().replace(*shared);
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
        std::vector<std::string> skipped;
        chain = session->knownChain(names, 1 + request.models.size(), skipped);
        for (const auto &why : skipped) log_.note("warning: " + why);
    } catch (const session::ModelError &error) {
        ApiError notFound = apiError(404, "invalid_request_error", "model_not_found", error.what());
        notFound.param = "model";
        throw notFound;
    }
    if (caller.key != nullptr) record.skipped = restrictToKey(chain, *caller.key);
    Ticket ticket = keys_.admit(caller, worstCase(*session, chain, request, textBytes), record.timeMs);

    // Session stickiness: the session's OpenRouter model goes to the provider that served it last, so that the
    // provider's prompt cache stays warm. Best effort: a state backend error is counted and the request goes on.
    std::string stickySession;
    const int64_t stickyTtlMs = int64_t{settings_.stickySeconds} * 1000;
    if (settings_.stickySeconds > 0) {
        std::string_view user;
        if (auto field = request.body.FindMember("user"); field != request.body.MemberEnd() && field->value.IsString()) {
            user = std::string_view(field->value.GetString(), field->value.GetStringLength());
        }
        // Only a chain with an OpenRouter model can be pinned: others cost no round trip to the state backend.
        bool pinnable = std::any_of(chain.begin(), chain.end(), [&](const pipeline::ChainEntry &entry) {
            return servedByOpenRouter(*session, entry.ref.prefix);
        });
        if (pinnable) {
            stickySession = stickySessionId(caller.key != nullptr ? caller.key->id : std::string(),
                                            exchange.header("x-session-id").value_or(""), user);
        }
    }
    if (!stickySession.empty()) {
        try {
            if (auto sticky = keys_.backend().stickyRecord(stickySession, stickyTtlMs)) {
                for (auto &entry : chain) {
                    if (entry.ref.full() != sticky->ref || !servedByOpenRouter(*session, entry.ref.prefix)) continue;
                    if (pinProvider(entry, request.body, sticky->provider)) {
                        record.stickyProvider = sticky->provider;
                        metrics_.stickyPinned();
                    }
                    break;
                }
            }
        } catch (const std::exception &error) {
            stickyFailed(error.what());
        }
    }

    // Past the request's deadline its run is cancelled; a plugin that ignores that is the stuck-call watch's.
    Clock::time_point deadline = started + std::chrono::seconds(settings_.requestTimeoutSeconds);
    StuckCalls::Watch watch(stuck_, exchange, deadline);
    bool timedOut = false;
    std::string currentRef;
    std::set<std::string> tried;  // the models attempts started on (a model skipped for its cooldown is not tried)
    pipeline::Output output;
    output.attemptStarted = [&](const std::string &ref, int) {
        currentRef = ref;
        watch.attempting(ref);
        if (!tried.insert(ref).second) ++record.retries;
    };
    // The client's connection is polled at most every 10 ms: the transport asks every 50 ms at most, emit more.
    bool gone = false;
    Clock::time_point lastPoll{};
    auto cancelled = [&] {
        if (gone || timedOut) return true;
        Clock::time_point now = Clock::now();
        if (now >= deadline) {
            timedOut = true;
            return true;
        }
        if (now - lastPoll < std::chrono::milliseconds(10)) return false;
        lastPoll = now;
        gone = exchange.clientGone();
        return gone;
    };
    int64_t created = record.timeMs / 1000;
    auto modelHeaders = [&](const std::string &ref, int attempts) {
        Headers headers{{"x-moltbot-model", ref}, {"x-moltbot-attempts", std::to_string(attempts)}};
        if (!record.skipped.empty()) headers.emplace_back("x-moltbot-skipped-models", joined(record.skipped));
        for (auto &header : ticket.rateHeaders()) headers.push_back(std::move(header));
        return headers;
    };
    // A run cancelled at the request's deadline failed by timing out (504), not by a shutdown.
    auto timeoutOf = [&](pipeline::Outcome &outcome) {
        if (!timedOut || outcome.status != MB_ERR_CANCELLED) return;
        outcome.status = MB_ERR_TIMEOUT;
        outcome.error = "the request took longer than gateway.requestTimeoutSeconds (" +
                        std::to_string(settings_.requestTimeoutSeconds) + " s)";
    };
    auto noteOutcome = [&](const pipeline::Outcome &outcome) {
        // Cooldowns live in memory and in <state>/cooldowns.json (written only when the table changed).
        if (std::string why = session->cooldowns().save(sdk::nowMs()); !why.empty()) {
            log_.note("warning: could not save model cooldowns: " + why);
        }
        record.model = outcome.ref;
        record.attempts = static_cast<int>(tried.size());
        record.provider = outcome.provider;
        record.fellBack = outcome.status == MB_OK && !chain.empty() && outcome.ref != chain.front().ref.full();
        if (outcome.usage.known) {
            record.promptTokens = outcome.usage.promptTokens;
            record.completionTokens = outcome.usage.completionTokens;
            record.cachedTokens = outcome.usage.cachedTokens;
            record.cacheWriteTokens = outcome.usage.cacheWriteTokens;
            record.cost = outcome.usage.cost;
        }
        settle(*session, outcome, ticket, record);
        logged.recordOutcome(outcome);
        if (!stickySession.empty() && outcome.status == MB_OK && !outcome.provider.empty()) {
            pipeline::ModelRef served;
            for (const auto &entry : chain) {
                if (entry.ref.full() == outcome.ref) served = entry.ref;
            }
            if (!served.prefix.empty() && servedByOpenRouter(*session, served.prefix)) {
                bool cacheMissed = outcome.usage.known && outcome.usage.cachedTokens == 0 &&
                                   outcome.usage.promptTokens >= kCacheablePromptTokens;
                try {
                    state::StickyAfter after = keys_.backend().recordSticky(
                        stickySession, {outcome.ref, providerSlug(outcome.provider), 0}, cacheMissed, stickyTtlMs);
                    stickyWarned_.store(false);  // a later failing spell warns again
                    if (after.warn) {
                        log_.note("warning: sticky session " + stickySession.substr(0, 12) + " on " + outcome.ref +
                                  " via " + outcome.provider + ": answer " + std::to_string(after.answers) +
                                  " read no cached tokens from a prompt of " +
                                  std::to_string(outcome.usage.promptTokens) +
                                  " tokens; does the prompt mark a cache breakpoint (cache_control, or the model's "
                                  "params.cacheControlTtl)? (warned once per session)");
                    }
                } catch (const std::exception &error) {
                    stickyFailed(error.what());
                }
            }
        }
    };

    if (!request.stream) {
        ResponseBuilder builder;
        output.event = [&](uint32_t kind, const rapidjson::Value &event) {
            builder.add(kind, event);
            if (!logContent) return;
            if (kind == MB_EVENT_RESPONSE) {
                replayResponse(event, [&](uint32_t part, const rapidjson::Value &value) { logText(logged.answer, part, value); });
            } else {
                logText(logged.answer, kind, event);
            }
        };
        pipeline::Outcome outcome = session->run(chain, request.body, false, output, cancelled);
        timeoutOf(outcome);
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
        if (logContent) logText(logged.answer, kind, event);
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
    timeoutOf(outcome);
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
