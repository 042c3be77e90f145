#include "core/pipeline/runner.hpp"

#include <moltbot/plugin.h>
#include <moltbot/plugin_helpers.h>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <ctime>

namespace moltbot::pipeline {

namespace {

std::string member(const rapidjson::Value &object, const char *name) {
    if (!object.IsObject()) return {};
    auto it = object.FindMember(name);
    return it != object.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString(), it->value.GetStringLength())
                                                            : std::string();
}

int64_t integer(const rapidjson::Value &object, const char *name) {
    if (!object.IsObject()) return 0;
    auto it = object.FindMember(name);
    return it != object.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : 0;
}

void readUsage(const rapidjson::Value &usage, Usage &into) {
    if (!usage.IsObject()) return;
    into.known = true;
    into.promptTokens = integer(usage, "prompt_tokens");
    into.completionTokens = integer(usage, "completion_tokens");
    into.cachedTokens = integer(usage, "cached_tokens");
    into.cacheWriteTokens = integer(usage, "cache_write_tokens");
    // The OpenAI response shape nests cached tokens; plugins' usage events give them flat.
    if (auto details = usage.FindMember("prompt_tokens_details");
        details != usage.MemberEnd() && details->value.IsObject()) {
        into.cachedTokens = integer(details->value, "cached_tokens");
        into.cacheWriteTokens = integer(details->value, "cache_write_tokens");
    }
    if (auto cost = usage.FindMember("cost"); cost != usage.MemberEnd() && cost->value.IsNumber()) {
        into.cost = cost->value.GetDouble();
    }
}

std::string clockTime(int64_t epochMs) {
    std::time_t seconds = static_cast<std::time_t>(epochMs / 1000);
    std::tm local{};
    localtime_r(&seconds, &local);
    char text[32];
    std::strftime(text, sizeof text, "%H:%M:%S", &local);
    return text;
}

// `request` with "model" and "stream" written first and its own copies of them left out.
std::string buildRequest(const ModelRef &ref, const rapidjson::Value &request, bool stream) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.StartObject();
    writer.Key("model");
    writer.String(ref.id.c_str(), static_cast<rapidjson::SizeType>(ref.id.size()));
    writer.Key("stream");
    writer.Bool(stream);
    for (const auto &member : request.GetObject()) {
        std::string_view key(member.name.GetString(), member.name.GetStringLength());
        if (key == "model" || key == "stream") continue;
        writer.Key(member.name.GetString(), member.name.GetStringLength());
        member.value.Accept(writer);
    }
    writer.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
}

// The order in which the chain is tried: models not cooling down, in chain order; when every model is cooling
// down, the one that frees first, rather than failing outright.
std::vector<std::size_t> tryOrder(const std::vector<ChainEntry> &chain, const CooldownStore &cooldowns, int64_t now,
                                  std::vector<AttemptRecord> &skipped) {
    std::vector<std::size_t> order;
    std::size_t soonest = 0;
    int64_t soonestUntil = INT64_MAX;
    for (std::size_t i = 0; i < chain.size(); ++i) {
        auto cooling = cooldowns.active(chain[i].ref.full(), now);
        if (!cooling) {
            order.push_back(i);
            continue;
        }
        if (cooling->untilMs < soonestUntil) {
            soonest = i;
            soonestUntil = cooling->untilMs;
        }
        skipped.push_back({chain[i].ref.full(), 0, "skipped", 0,
                           "cooling down until " + clockTime(cooling->untilMs) + " after " + cooling->reason, 0,
                           cooling->untilMs - now});
    }
    if (order.empty() && !chain.empty()) {
        order.push_back(soonest);
        std::erase_if(skipped, [&](const AttemptRecord &record) { return record.ref == chain[soonest].ref.full(); });
    }
    return order;
}

// A seed for the jitter of one run: random_device once per thread (it is a system call or more), a generator after.
std::mt19937::result_type seed() {
    thread_local std::mt19937 seeds{std::random_device{}()};
    return seeds();
}

}  // namespace

Runner::Runner(ModelBackend &backend, CooldownStore &cooldowns, RetryPolicy policy, Clock clock)
    : backend_(backend), cooldowns_(cooldowns), policy_(policy), clock_(std::move(clock)), random_(seed()) {}

Outcome Runner::run(const std::vector<ChainEntry> &chain, const rapidjson::Value &request, bool stream,
                    const Output &output) {
    Outcome outcome;
    if (!request.IsObject()) {
        outcome.status = MB_ERR_INVALID_ARGUMENT;
        outcome.error = "internal: the request is not a JSON object";
        return outcome;
    }
    std::vector<std::size_t> order = tryOrder(chain, cooldowns_, clock_.nowMs(), outcome.attempts);
    for (const auto &record : outcome.attempts) {
        if (output.verbose) output.verbose(record.ref + ": skipped, " + record.message);
    }
    std::vector<std::string> failures;
    for (std::size_t index : order) {
        const ChainEntry &entry = chain[index];
        const std::string ref = entry.ref.full();
        outcome.ref = ref;
        std::string body = buildRequest(entry.ref, request, stream);
        for (int attempt = 1;; ++attempt) {
            if (clock_.cancelled()) {
                outcome.status = MB_ERR_CANCELLED;
                outcome.error = "cancelled";
                return outcome;
            }
            int64_t started = clock_.nowMs();
            if (output.attemptStarted) output.attemptStarted(ref, attempt);
            bool tooLong = false;
            auto deliver = [&](const std::string &text) {
                if (text.empty() || tooLong) return;  // nothing after the cut: the kept text has no hole
                outcome.outputStarted = true;
                if (outcome.text.size() + text.size() > output.keepText) {
                    tooLong = output.keepText > 0;
                } else {
                    outcome.text += text;
                }
                if (output.text && !tooLong) output.text(text);
            };
            EventSink sink = [&](uint32_t kind, std::string_view json) {
                // Most events are a few hundred bytes: parsed into a buffer on the stack, with small chunks beyond
                // it, not rapidjson's default 64 KiB chunk per event (an allocation that churns malloc's arenas).
                char buffer[2048];
                rapidjson::MemoryPoolAllocator<> pool(buffer, sizeof buffer, 8192);
                rapidjson::Document event(&pool);
                event.Parse(json.data(), json.size());
                if (event.HasParseError()) return !clock_.cancelled();
                switch (kind) {
                case MB_EVENT_TEXT_DELTA: {
                    deliver(member(event, "text"));
                    break;
                }
                case MB_EVENT_META:
                case MB_EVENT_DONE:
                    if (auto model = member(event, "model"); !model.empty()) outcome.upstreamModel = model;
                    if (auto provider = member(event, "provider"); !provider.empty()) outcome.provider = provider;
                    if (auto reason = member(event, "finish_reason"); !reason.empty()) outcome.finishReason = reason;
                    break;
                case MB_EVENT_USAGE:
                    readUsage(event, outcome.usage);
                    break;
                case MB_EVENT_NOTICE:
                    if (output.notice) output.notice(member(event, "level"), member(event, "message"));
                    break;
                case MB_EVENT_RESPONSE: {
                    // A whole answer (complete()): the OpenAI Chat Completions response shape.
                    if (auto model = member(event, "model"); !model.empty()) outcome.upstreamModel = model;
                    if (auto provider = member(event, "provider"); !provider.empty()) outcome.provider = provider;
                    if (auto choices = event.FindMember("choices");
                        choices != event.MemberEnd() && choices->value.IsArray() && !choices->value.Empty()) {
                        const auto &choice = choices->value[0];
                        outcome.finishReason = member(choice, "finish_reason");
                        if (auto message = choice.FindMember("message"); message != choice.MemberEnd()) {
                            deliver(member(message->value, "content"));
                        }
                    }
                    if (auto usage = event.FindMember("usage"); usage != event.MemberEnd()) readUsage(usage->value, outcome.usage);
                    break;
                }
                default:
                    break;
                }
                if (output.event && !tooLong) {
                    if (kind == MB_EVENT_TEXT_DELTA || kind == MB_EVENT_REASONING_DELTA ||
                        kind == MB_EVENT_TOOL_CALL_DELTA) {
                        outcome.outputStarted = true;
                    }
                    output.event(kind, event);
                }
                return !tooLong && !clock_.cancelled();
            };
            plugin::CallResult result = backend_.attempt(entry, body, stream, sink, clock_.cancelled);
            if (tooLong) {
                result = {MB_ERR_UPSTREAM_PROTOCOL, 0, -1,
                          "the answer is longer than the " + std::to_string(output.keepText >> 20) +
                              " MiB kept in memory"};
            }
            if (result.status != MB_OK && clock_.cancelled()) result.status = MB_ERR_CANCELLED;
            AttemptRecord record{ref, attempt, mb_status_name(result.status), result.httpStatus, result.message,
                                 clock_.nowMs() - started, result.retryAfterMs};
            outcome.attempts.push_back(record);
            if (output.verbose) {
                output.verbose(ref + ": attempt " + std::to_string(attempt) + " " + record.outcome + " in " +
                               std::to_string(record.durationMs) + " ms" +
                               (result.message.empty() ? "" : ": " + result.message));
            }
            Decision decision = decide(result.status, result.retryAfterMs, attempt, outcome.outputStarted, policy_, random_);
            if (decision.action == Action::Done) {
                cooldowns_.recordSuccess(ref);
                outcome.status = MB_OK;
                return outcome;
            }
            outcome.status = result.status;
            if (decision.startsCooldown) {
                cooldowns_.recordFailure(ref, clock_.nowMs(), result.retryAfterMs, record.outcome);
            }
            if (decision.action == Action::Stop) {
                outcome.error = ref + ": " + (result.message.empty() ? record.outcome : result.message);
                return outcome;
            }
            if (decision.action == Action::NextModel) {
                failures.push_back(ref + ": " + (result.message.empty() ? record.outcome : result.message) + " (" +
                                   record.outcome + ")");
                break;
            }
            if (output.verbose) output.verbose(ref + ": retrying in " + std::to_string(decision.delay.count()) + " ms");
            if (output.retryWait) output.retryWait(ref, record.outcome, decision.delay);
            if (!clock_.sleep(decision.delay)) {
                outcome.status = MB_ERR_CANCELLED;
                outcome.error = "cancelled";
                return outcome;
            }
        }
    }
    if (chain.empty()) {
        outcome.status = MB_ERR_INVALID_ARGUMENT;
        outcome.error = "no model configured: pass --model or set agents.defaults.model.primary";
        return outcome;
    }
    std::string joined;
    for (const auto &failure : failures) joined += (joined.empty() ? "" : " | ") + failure;
    outcome.error = "all models failed (" + std::to_string(failures.size()) + "): " + joined;
    return outcome;
}

}  // namespace moltbot::pipeline
