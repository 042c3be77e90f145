// The HTTP side of the simulator: dispatch, the catalog endpoints, /key, /credits, /generation, the /_sim control
// API, and the server's life cycle. Chat completions are in chat.cpp.
#include "tests/simulator/server.hpp"

#include "tests/simulator/catalog.hpp"
#include "tests/simulator/state.hpp"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/ThreadPool.h>
#include <Poco/Timestamp.h>
#include <Poco/URI.h>

#include <csignal>
#include <cstdio>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace moltbot::sim {

namespace {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

// The catalog never changes while the simulator runs; this is its publication date for Last-Modified.
const Poco::Timestamp kCatalogModified = Poco::Timestamp::fromEpochTime(1763942400);  // 2025-11-24 00:00 UTC

std::string hex64(std::uint64_t value) {
    char buffer[17];
    std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(value));
    return buffer;
}

std::uint64_t fnv1a(const std::string &text) {
    std::uint64_t hash = 1469598103934665603ull;
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 1099511628211ull;
    }
    return hash;
}

// "sk-or-v1-d0d...afe", as OpenRouter labels keys.
std::string maskKey(const std::string &key) {
    return key.size() <= 14 ? key : key.substr(0, 12) + "..." + key.substr(key.size() - 3);
}

std::string isoTime(std::int64_t epochMs) {
    return Poco::DateTimeFormatter::format(Poco::Timestamp(epochMs * 1000), "%Y-%m-%dT%H:%M:%S.%iZ");
}

void writePricing(JsonWriter &writer, const Pricing &pricing) {
    writer.StartObject();
    put(writer, "prompt", formatPrice(pricing.prompt, pricing.router));
    put(writer, "completion", formatPrice(pricing.completion, pricing.router));
    if (!pricing.router) {
        for (const char *zero : {"request", "image", "web_search", "internal_reasoning"}) put(writer, zero, "0");
        if (pricing.cacheRead >= 0) put(writer, "input_cache_read", formatPrice(pricing.cacheRead));
        if (pricing.cacheWrite >= 0) put(writer, "input_cache_write", formatPrice(pricing.cacheWrite));
        if (pricing.cacheWrite1h >= 0) put(writer, "input_cache_write_1h", formatPrice(pricing.cacheWrite1h));
    }
    writer.EndObject();
}

void writeStrings(JsonWriter &writer, const char *key, const std::vector<std::string> &values) {
    writer.Key(key);
    writer.StartArray();
    for (const auto &value : values) writer.String(value.c_str());
    writer.EndArray();
}

void writeArchitecture(JsonWriter &writer, const Model &model) {
    writer.Key("architecture");
    writer.StartObject();
    std::string inputs;
    for (const auto &modality : model.inputModalities) {
        if (modality == "text" || modality == "image") inputs += (inputs.empty() ? "" : "+") + modality;
    }
    put(writer, "modality", inputs + "->text");
    writeStrings(writer, "input_modalities", model.inputModalities);
    writeStrings(writer, "output_modalities", {"text"});
    put(writer, "tokenizer", model.tokenizer);
    putNull(writer, "instruct_type");
    writer.EndObject();
}

void writeModel(JsonWriter &writer, const Model &model) {
    writer.StartObject();
    put(writer, "id", model.id);
    put(writer, "canonical_slug", model.canonicalSlug);
    put(writer, "hugging_face_id", "");
    put(writer, "name", model.name);
    put(writer, "created", static_cast<std::int64_t>(model.created));
    put(writer, "description", model.description);
    put(writer, "context_length", model.contextLength);
    writeArchitecture(writer, model);
    writer.Key("pricing");
    writePricing(writer, model.pricing);
    writer.Key("top_provider");
    writer.StartObject();
    put(writer, "context_length", model.contextLength);
    put(writer, "max_completion_tokens", model.maxCompletionTokens);
    put(writer, "is_moderated", model.author() == "anthropic" || model.author() == "openai");
    writer.EndObject();
    putNull(writer, "per_request_limits");
    writeStrings(writer, "supported_parameters", model.supportedParameters);
    writer.Key("default_parameters");
    writer.StartObject();
    for (const char *name : {"temperature", "top_p", "frequency_penalty"}) putNull(writer, name);
    writer.EndObject();
    putNull(writer, "expiration_date");
    putNull(writer, "knowledge_cutoff");
    writer.Key("links");
    writer.StartObject();
    put(writer, "details", "/api/v1/models/" + model.id + "/endpoints");
    writer.EndObject();
    writer.EndObject();
}

void writeEndpoint(JsonWriter &writer, const Model &model, const Endpoint &endpoint) {
    auto percentiles = [&](const char *key, double p50, double step) {
        writer.Key(key);
        writer.StartObject();
        put(writer, "p50", p50);
        put(writer, "p75", p50 * (1 + step));
        put(writer, "p90", p50 * (1 + 2 * step));
        put(writer, "p99", p50 * (1 + 4 * step));
        writer.EndObject();
    };
    writer.StartObject();
    put(writer, "name", endpoint.provider->name + " | " + model.id);
    put(writer, "model_id", model.canonicalSlug);
    put(writer, "model_name", model.name);
    put(writer, "context_length", model.contextLength);
    writer.Key("pricing");
    writePricing(writer, endpoint.pricing);
    put(writer, "provider_name", endpoint.provider->name);
    put(writer, "tag", endpoint.tag);
    putOrNull(writer, "quantization", endpoint.quantization);
    put(writer, "max_completion_tokens", model.maxCompletionTokens);
    putNull(writer, "max_prompt_tokens");
    writeStrings(writer, "supported_parameters", model.supportedParameters);
    put(writer, "status", 0);
    put(writer, "uptime_last_30m", 99.9);
    put(writer, "uptime_last_5m", 100.0);
    put(writer, "uptime_last_1d", 99.8);
    put(writer, "supports_implicit_caching", false);
    percentiles("latency_last_30m", endpoint.latency, 0.3);
    percentiles("throughput_last_30m", endpoint.throughput, -0.15);
    writer.EndObject();
}

// GET /models: the whole list, or the models supporting every parameter named in ?supported_parameters=a,b.
std::string modelsJson(const Poco::URI &uri) {
    std::vector<std::string> required;
    for (const auto &[name, value] : uri.getQueryParameters()) {
        if (name != "supported_parameters") continue;
        std::stringstream list(value);
        for (std::string item; std::getline(list, item, ',');) {
            if (!item.empty()) required.push_back(item);
        }
    }
    return jsonOf([&](JsonWriter &writer) {
        writer.StartObject();
        writer.Key("data");
        writer.StartArray();
        int count = 0;
        for (const Model &model : Catalog::instance().models()) {
            const auto &supported = model.supportedParameters;
            bool ok = std::all_of(required.begin(), required.end(), [&](const std::string &parameter) {
                return std::find(supported.begin(), supported.end(), parameter) != supported.end();
            });
            if (!ok) continue;
            writeModel(writer, model);
            ++count;
        }
        writer.EndArray();
        put(writer, "total_count", count);
        writer.Key("links");
        writer.StartObject();
        putNull(writer, "next");
        writer.EndObject();
        writer.EndObject();
    });
}

// Serves a cacheable body: 304 when If-None-Match names its ETag, or If-Modified-Since is not before the catalog.
void sendCacheable(HTTPServerRequest &request, HTTPServerResponse &response, const std::string &body) {
    std::string etag = "\"" + hex64(fnv1a(body)) + "\"";
    response.set("ETag", etag);
    response.set("Last-Modified", Poco::DateTimeFormatter::format(kCatalogModified, Poco::DateTimeFormat::HTTP_FORMAT));
    response.set("Cache-Control", "public, max-age=60");
    bool notModified = false;
    if (request.has("If-None-Match")) {
        std::string wanted = request.get("If-None-Match");
        notModified = wanted == "*" || wanted.find(etag) != std::string::npos;
    } else if (request.has("If-Modified-Since")) {
        Poco::DateTime since;
        int zone = 0;
        notModified = Poco::DateTimeParser::tryParse(request.get("If-Modified-Since"), since, zone) &&
                      since.timestamp() >= kCatalogModified;
    }
    if (notModified) {
        response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_NOT_MODIFIED);
        response.setContentLength(0);
        response.send();
        return;
    }
    sendJson(response, 200, body);
}

std::string endpointsJson(const Model &model) {
    return jsonOf([&](JsonWriter &writer) {
        writer.StartObject();
        writer.Key("data");
        writer.StartObject();
        put(writer, "id", model.id);
        put(writer, "name", model.name);
        put(writer, "created", static_cast<std::int64_t>(model.created));
        put(writer, "description", model.description);
        writeArchitecture(writer, model);
        writer.Key("endpoints");
        writer.StartArray();
        for (const Endpoint &endpoint : model.endpoints) writeEndpoint(writer, model, endpoint);
        writer.EndArray();
        writer.EndObject();
        writer.EndObject();
    });
}

std::string providersJson() {
    return jsonOf([&](JsonWriter &writer) {
        writer.StartObject();
        writer.Key("data");
        writer.StartArray();
        for (const Provider &provider : Catalog::instance().providers()) {
            writer.StartObject();
            put(writer, "name", provider.name);
            put(writer, "slug", provider.slug);
            putNull(writer, "privacy_policy_url");
            putNull(writer, "terms_of_service_url");
            putNull(writer, "status_page_url");
            put(writer, "headquarters", provider.headquarters);
            writeStrings(writer, "datacenters", {provider.headquarters});
            writer.EndObject();
        }
        writer.EndArray();
        writer.EndObject();
    });
}

std::string keyJson(const std::string &key, const KeyInfo &info) {
    return jsonOf([&](JsonWriter &writer) {
        writer.StartObject();
        writer.Key("data");
        writer.StartObject();
        put(writer, "label", info.label.empty() ? maskKey(key) : info.label);
        if (info.limit) {
            put(writer, "limit", *info.limit);
            putUsd(writer, "limit_remaining", *info.limit - info.usage);
        } else {
            putNull(writer, "limit");
            putNull(writer, "limit_remaining");
        }
        putOrNull(writer, "limit_reset", info.limitReset);
        put(writer, "include_byok_in_limit", false);
        for (const char *name : {"usage", "usage_daily", "usage_weekly", "usage_monthly"})
            putUsd(writer, name, info.usage);
        for (const char *name : {"byok_usage", "byok_usage_daily", "byok_usage_weekly", "byok_usage_monthly"})
            put(writer, name, 0);
        put(writer, "is_free_tier", info.freeTier);
        put(writer, "is_management_key", info.management);
        put(writer, "is_provisioning_key", info.management);
        put(writer, "creator_user_id", "user_sim");
        putNull(writer, "expires_at");
        writer.Key("rate_limit");
        writer.StartObject();
        put(writer, "requests", -1);
        put(writer, "interval", "10s");
        put(writer, "note", "This field is deprecated and safe to ignore.");
        writer.EndObject();
        writer.EndObject();
        writer.EndObject();
    });
}

std::string generationJson(const Generation &generation) {
    return jsonOf([&](JsonWriter &writer) {
        const Usage &usage = generation.usage;
        writer.StartObject();
        writer.Key("data");
        writer.StartObject();
        put(writer, "id", generation.id);
        putNull(writer, "upstream_id");
        putNull(writer, "request_id");
        putOrNull(writer, "session_id", generation.sessionId);
        put(writer, "created_at", isoTime(generation.createdMs));
        put(writer, "model", generation.model);
        put(writer, "provider_name", generation.providerName);
        putNull(writer, "router");
        putUsd(writer, "total_cost", usage.cost());
        putUsd(writer, "usage", usage.cost());
        putUsd(writer, "upstream_inference_cost", usage.cost());
        putUsd(writer, "cache_discount", generation.cacheDiscount);
        put(writer, "is_byok", false);
        put(writer, "tokens_prompt", usage.promptTokens);
        put(writer, "tokens_completion", usage.completionTokens);
        put(writer, "native_tokens_prompt", usage.promptTokens);
        put(writer, "native_tokens_completion", usage.completionTokens);
        put(writer, "native_tokens_reasoning", 0);
        put(writer, "native_tokens_cached", usage.cache.readTokens);
        put(writer, "native_tokens_completion_images", 0);
        put(writer, "finish_reason", generation.finishReason);
        put(writer, "native_finish_reason", generation.nativeFinishReason);
        put(writer, "streamed", generation.streamed);
        put(writer, "cancelled", false);
        put(writer, "latency", 120);
        put(writer, "generation_time", 350);
        put(writer, "moderation_latency", 0);
        putOrNull(writer, "origin", generation.origin);
        putOrNull(writer, "http_referer", generation.origin);
        putOrNull(writer, "user_agent", generation.userAgent);
        putOrNull(writer, "external_user", generation.user);
        put(writer, "api_type", "completions");
        putNull(writer, "app_id");
        put(writer, "data_region", "global");
        put(writer, "num_media_prompt", 0);
        put(writer, "num_media_completion", 0);
        put(writer, "num_search_results", 0);
        writer.EndObject();
        writer.EndObject();
    });
}

std::string requestsJson(const std::vector<RecordedRequest> &requests) {
    return jsonOf([&](JsonWriter &writer) {
        writer.StartObject();
        writer.Key("data");
        writer.StartArray();
        for (const RecordedRequest &record : requests) {
            writer.StartObject();
            put(writer, "seq", static_cast<std::int64_t>(record.seq));
            put(writer, "method", record.method);
            put(writer, "path", record.path);
            put(writer, "query", record.query);
            writer.Key("headers");
            writer.StartObject();
            for (const auto &[name, value] : record.headers) put(writer, name.c_str(), value);
            writer.EndObject();
            rapidjson::Document body;
            if (record.body.empty()) {
                putNull(writer, "body");
            } else if (body.Parse(record.body.c_str(), record.body.size()).HasParseError()) {
                put(writer, "body", record.body);
            } else {
                writer.Key("body");
                body.Accept(writer);
            }
            put(writer, "status", record.status);
            putOrNull(writer, "model", record.model);
            putOrNull(writer, "provider", record.provider);
            putOrNull(writer, "provider_slug", record.providerSlug);
            putOrNull(writer, "generation_id", record.generationId);
            writer.Key("attempts");
            writer.StartArray();
            for (const Attempt &attempt : record.attempts) {
                writer.StartObject();
                put(writer, "model", attempt.model);
                putOrNull(writer, "provider", attempt.provider);
                put(writer, "status", attempt.status);
                writer.EndObject();
            }
            writer.EndArray();
            writer.EndObject();
        }
        writer.EndArray();
        writer.EndObject();
    });
}

// {"error":{"message","code","metadata"?},"user_id"?}
std::string errorBody(const ApiError &error) {
    return jsonOf([&](JsonWriter &writer) {
        writer.StartObject();
        writer.Key("error");
        writer.StartObject();
        put(writer, "message", error.message);
        put(writer, "code", error.status);
        if (!error.metadata.empty()) putRaw(writer, "metadata", error.metadata);
        writer.EndObject();
        if (error.status != 401) put(writer, "user_id", "user_sim");
        writer.EndObject();
    });
}

// Reads a JSON request body; a parse failure is answered with 400 and returns false.
bool parseBody(HTTPServerResponse &response, const std::string &text, rapidjson::Document &document) {
    if (!document.Parse(text.c_str(), text.size()).HasParseError()) return true;
    sendError(response, {400, "Invalid JSON in request body", "", {}});
    return false;
}

class Handler : public Poco::Net::HTTPRequestHandler {
public:
    explicit Handler(Simulator::State &state) : state_(state) {}

    void handleRequest(HTTPServerRequest &request, HTTPServerResponse &response) override {
        Poco::URI uri(request.getURI());
        const std::string &path = uri.getPath();
        std::string body;
        Poco::StreamCopier::copyToString(request.stream(), body);
        if (path.starts_with("/_sim/")) {
            control(request, response, path.substr(5), body);
        } else if (path.starts_with("/api/v1/")) {
            api(request, response, uri, path.substr(7), body);
        } else {
            sendError(response, {404, "Not Found", "", {}});
        }
    }

private:
    void api(HTTPServerRequest &request, HTTPServerResponse &response, const Poco::URI &uri, const std::string &route,
             const std::string &body) {
        std::uint64_t seq = record(request, uri, body);
        auto reply = [&](int status, const std::string &json) {
            state_.updateRecord(seq, [&](RecordedRequest &record) { record.status = status; });
            sendJson(response, status, json);
        };
        auto fail = [&](const ApiError &error) {
            state_.updateRecord(seq, [&](RecordedRequest &record) { record.status = error.status; });
            sendError(response, error);
        };
        const std::string &method = request.getMethod();
        const Catalog &catalog = Catalog::instance();

        // Public routes.
        if (method == "GET" && route == "/models") {
            state_.updateRecord(seq, [&](RecordedRequest &record) { record.status = 200; });
            sendCacheable(request, response, modelsJson(uri));
            return;
        }
        if (method == "GET" && route == "/models/count") {
            reply(200, "{\"data\":{\"count\":" + std::to_string(catalog.models().size()) + "}}");
            return;
        }
        if (method == "GET" && route.starts_with("/models/") && route.ends_with("/endpoints")) {
            std::string id = route.substr(8, route.size() - 8 - 10);
            const Model *model = catalog.find(id);
            if (!model) {
                fail({404, "Model " + id + " not found", "", {}});
                return;
            }
            reply(200, endpointsJson(*model));
            return;
        }
        if (method == "GET" && route == "/providers") {
            reply(200, providersJson());
            return;
        }

        // Everything else needs a known key.
        std::string authorization = request.get("Authorization", "");
        std::string key = authorization.starts_with("Bearer ") ? authorization.substr(7) : "";
        while (!key.empty() && key.back() == ' ') key.pop_back();
        if (key.empty()) {
            fail({401, "No auth credentials found", "", {}});
            return;
        }
        std::optional<KeyInfo> info;
        {
            std::lock_guard lock(state_.mutex);
            if (auto it = state_.keys.find(key); it != state_.keys.end()) info = it->second;
        }
        if (!info) {
            fail({401, "User not found.", "", {}});
            return;
        }

        if (method == "POST" && route == "/chat/completions") {
            rapidjson::Document document;
            if (!parseBody(response, body, document)) {
                state_.updateRecord(seq, [&](RecordedRequest &record) { record.status = 400; });
                return;
            }
            handleChat(state_, request, response, seq, key, document);
        } else if (method == "GET" && (route == "/key" || route == "/auth/key")) {
            reply(200, keyJson(key, *info));
        } else if (method == "GET" && route == "/credits") {
            if (!info->management) {
                fail({403, "Only management keys can perform this operation", "", {}});
                return;
            }
            double usage = 0;
            {
                std::lock_guard lock(state_.mutex);
                for (const auto &entry : state_.keys) usage += entry.second.usage;
            }
            reply(200, jsonOf([&](JsonWriter &writer) {
                      writer.StartObject();
                      writer.Key("data");
                      writer.StartObject();
                      put(writer, "total_credits", info->totalCredits);
                      putUsd(writer, "total_usage", usage);
                      writer.EndObject();
                      writer.EndObject();
                  }));
        } else if (method == "GET" && route == "/generation") {
            std::string id;
            for (const auto &[name, value] : uri.getQueryParameters()) {
                if (name == "id") id = value;
            }
            std::optional<Generation> generation;
            {
                std::lock_guard lock(state_.mutex);
                auto it = state_.generations.find(id);
                if (it != state_.generations.end() && it->second.key == key) generation = it->second;
            }
            if (!generation) {
                fail({404, "Generation " + id + " not found", "", {}});
                return;
            }
            reply(200, generationJson(*generation));
        } else if (method == "GET" && route == "/models/user") {
            state_.updateRecord(seq, [&](RecordedRequest &record) { record.status = 200; });
            sendCacheable(request, response, modelsJson(uri));
        } else {
            fail({404, "Not Found", "", {}});
        }
    }

    // The control API: faults, recorded requests, keys, the clock, reset.
    void control(HTTPServerRequest &request, HTTPServerResponse &response, const std::string &route,
                 const std::string &body) {
        const std::string &method = request.getMethod();
        rapidjson::Document document;
        if (route == "/faults" && method == "POST") {
            if (!parseBody(response, body, document)) return;
            try {
                std::vector<Fault> faults = parseFaults(document);
                state_.faults.add(faults);
                sendJson(response, 200, "{\"added\":" + std::to_string(faults.size()) + "}");
            } catch (const std::invalid_argument &error) {
                sendError(response, {400, error.what(), "", {}});
            }
        } else if (route == "/faults" && method == "GET") {
            sendJson(response, 200, "{\"data\":" + state_.faults.toJson() + "}");
        } else if (route == "/faults" && method == "DELETE") {
            state_.faults.clear();
            sendJson(response, 200, "{\"cleared\":true}");
        } else if (route == "/requests" && method == "GET") {
            std::vector<RecordedRequest> requests;
            {
                std::lock_guard lock(state_.mutex);
                requests = state_.requests;
            }
            sendJson(response, 200, requestsJson(requests));
        } else if (route == "/requests" && method == "DELETE") {
            {
                std::lock_guard lock(state_.mutex);
                state_.requests.clear();
            }
            sendJson(response, 200, "{\"cleared\":true}");
        } else if (route == "/keys" && method == "POST") {
            if (!parseBody(response, body, document)) return;
            configureKey(response, document);
        } else if (route == "/clock" && method == "POST") {
            if (!parseBody(response, body, document)) return;
            if (!document.IsObject() || !document.HasMember("advance_ms") || !document["advance_ms"].IsInt64() ||
                document["advance_ms"].GetInt64() < 0) {
                sendError(response, {400, "expected {\"advance_ms\": N} with N >= 0", "", {}});
                return;
            }
            std::chrono::milliseconds offset;
            {
                std::lock_guard lock(state_.mutex);
                state_.clockOffset += std::chrono::milliseconds(document["advance_ms"].GetInt64());
                offset = std::chrono::duration_cast<std::chrono::milliseconds>(state_.clockOffset);
            }
            sendJson(response, 200, "{\"offset_ms\":" + std::to_string(offset.count()) + "}");
        } else if (route == "/reset" && method == "POST") {
            state_.faults.clear();
            state_.cache.clear();
            {
                std::lock_guard lock(state_.mutex);
                state_.requests.clear();
                state_.generations.clear();
                state_.freeRequests.clear();
                state_.clockOffset = {};
                for (auto &entry : state_.keys) entry.second.usage = 0;
            }
            sendJson(response, 200, "{\"reset\":true}");
        } else {
            sendError(response, {404, "Not Found", "", {}});
        }
    }

    // POST /_sim/keys {"key", "label"?, "limit"?, "limit_reset"?, "usage"?, "total_credits"?, "is_free_tier"?,
    // "is_management_key"?}: adds the key or changes the given fields.
    void configureKey(HTTPServerResponse &response, const rapidjson::Document &document) {
        if (!document.IsObject() || !document.HasMember("key") || !document["key"].IsString()) {
            sendError(response, {400, "expected {\"key\": \"...\", ...}", "", {}});
            return;
        }
        std::string key = document["key"].GetString();
        std::unique_lock lock(state_.mutex);
        KeyInfo &info = state_.keys[key];
        for (const auto &member : document.GetObject()) {
            std::string name = member.name.GetString();
            const auto &value = member.value;
            if (name == "label" && value.IsString()) info.label = value.GetString();
            if (name == "limit_reset" && value.IsString()) info.limitReset = value.GetString();
            if (name == "limit")
                info.limit = value.IsNumber() ? std::optional<double>(value.GetDouble()) : std::nullopt;
            if (name == "usage" && value.IsNumber()) info.usage = value.GetDouble();
            if (name == "total_credits" && value.IsNumber()) info.totalCredits = value.GetDouble();
            if (name == "is_free_tier" && value.IsBool()) info.freeTier = value.GetBool();
            if (name == "is_management_key" && value.IsBool()) info.management = value.GetBool();
        }
        std::string json = keyJson(key, info);
        lock.unlock();
        sendJson(response, 200, json);
    }

    std::uint64_t record(HTTPServerRequest &request, const Poco::URI &uri, const std::string &body) {
        RecordedRequest record;
        record.method = request.getMethod();
        record.path = uri.getPath();
        record.query = uri.getRawQuery();
        for (const auto &[name, value] : request) record.headers.emplace_back(name, value);
        record.body = body;
        std::lock_guard lock(state_.mutex);
        record.seq = state_.nextSeq++;
        state_.requests.push_back(std::move(record));
        return state_.requests.back().seq;
    }

    Simulator::State &state_;
};

class HandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit HandlerFactory(Simulator::State &state) : state_(state) {}
    Poco::Net::HTTPRequestHandler *createRequestHandler(const HTTPServerRequest &) override {
        return new Handler(state_);
    }

private:
    Simulator::State &state_;
};

}  // namespace

Simulator::State::State(Options opts) : options(std::move(opts)) {
    if (options.keys.empty() && options.managementKeys.empty()) {
        options.keys.push_back(kDefaultKey);
        options.managementKeys.push_back(kDefaultManagementKey);
    }
    for (const auto &key : options.keys) keys[key];
    for (const auto &key : options.managementKeys) keys[key].management = true;
}

SimClock::time_point Simulator::State::now() const {
    std::lock_guard lock(mutex);
    return SimClock::now() + clockOffset;
}

std::int64_t Simulator::State::epochMs() const {
    std::lock_guard lock(mutex);
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch() +
                                                                 clockOffset)
        .count();
}

bool Simulator::State::sleepFor(int ms) const {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (!stopping) {
        auto left = deadline - std::chrono::steady_clock::now();
        if (left <= std::chrono::steady_clock::duration::zero()) return true;
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(20)));
    }
    return false;
}

const char *defaultErrorMessage(int status) {
    switch (status) {
        case 400: return "Provider returned error";
        case 401: return "User not found.";
        case 402: return "Insufficient credits. Add more using https://openrouter.ai/settings/credits";
        case 403: return "Request blocked: prompt injection patterns detected";
        case 404: return "No endpoints found.";
        case 408: return "Operation timed out. Please try again later.";
        case 429: return "Rate limit exceeded. Please retry shortly.";
        case 500: return "Internal Server Error";
        case 502: return "Provider returned error";
        case 503: return "Service temporarily unavailable";
        default: return "Error";
    }
}

const char *errorType(int status) {
    switch (status) {
        case 400: return "invalid_request";
        case 401: return "authentication";
        case 402: return "payment_required";
        case 403: return "content_policy_violation";
        case 404: return "not_found";
        case 408: return "timeout";
        case 429: return "rate_limit_exceeded";
        case 500: return "server";
        case 502: return "provider_unavailable";
        case 503: return "provider_overloaded";
        default: return "unmapped";
    }
}

void sendJson(HTTPServerResponse &response, int status, const std::string &body, const Headers &headers) {
    response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    response.setContentType("application/json");
    for (const auto &[name, value] : headers) response.set(name, value);
    response.sendBuffer(body.data(), body.size());
}

void sendError(HTTPServerResponse &response, const ApiError &error) {
    sendJson(response, error.status, errorBody(error), error.headers);
}

Simulator::Simulator(Options options) : state_(std::make_unique<State>(std::move(options))) {}

Simulator::~Simulator() {
    stop();
}

void Simulator::start() {
    std::signal(SIGPIPE, SIG_IGN);
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", state_->options.port));
    auto *params = new Poco::Net::HTTPServerParams;  // reference-counted; the server owns it
    params->setMaxThreads(64);
    params->setKeepAlive(true);
    pool_ = std::make_unique<Poco::ThreadPool>(2, 64);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new HandlerFactory(*state_), *pool_, socket, params);
    server_->start();
}

void Simulator::stop() {
    if (!server_) return;
    state_->stopping = true;
    server_->stopAll(true);
    pool_->joinAll();
    server_.reset();
    pool_.reset();
}

std::uint16_t Simulator::port() const {
    return server_ ? server_->port() : 0;
}

std::string Simulator::baseUrl() const {
    return "http://127.0.0.1:" + std::to_string(port()) + "/api/v1";
}

void Simulator::addFaults(const std::string &json) {
    rapidjson::Document document;
    if (document.Parse(json.c_str(), json.size()).HasParseError())
        throw std::invalid_argument("faults are not valid JSON");
    state_->faults.add(parseFaults(document));
}

}  // namespace moltbot::sim
