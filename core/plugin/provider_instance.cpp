#include "core/plugin/provider_instance.hpp"

#include "core/plugin/plugin_handle.hpp"

#include <rapidjson/document.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/error/en.h>

#include <utility>

namespace moltbot::plugin {

namespace {

// Large enough for a whole complete() response, small enough to refuse a plugin handing over garbage lengths.
constexpr std::size_t kMaxEventBytes = 64u << 20;

bool knownEventKind(uint32_t kind) { return kind >= MB_EVENT_TEXT_DELTA && kind <= MB_EVENT_META; }

// Whether `call` is the live call of this thread; a stale or foreign call is refused.
CallSlot *liveSlot(mb_call *call) {
    if (call == nullptr || call->host_data == nullptr) return nullptr;
    auto *slot = static_cast<CallSlot *>(call->host_data);
    if (!slot->active.load(std::memory_order_acquire)) return nullptr;
    if (slot->owner.load(std::memory_order_acquire) != std::this_thread::get_id()) return nullptr;
    return slot;
}

void markCancelled(CallSlot &slot) { slot.cancelSeen.store(true, std::memory_order_release); }

int32_t emitEvent(mb_call *call, uint32_t kind, const char *json, size_t length) {
    CallSlot *slot = liveSlot(call);
    if (slot == nullptr) return 1;
    if (slot->cancelSeen.load(std::memory_order_acquire) || !slot->violation.empty()) return 1;
    auto breach = [&](std::string what) {
        slot->violation = std::move(what);
        markCancelled(*slot);
        return 1;
    };
    if (!knownEventKind(kind)) return breach("emitted unknown event kind " + std::to_string(kind));
    if (json == nullptr) return breach("emitted event kind " + std::to_string(kind) + " with NULL JSON");
    if (length > kMaxEventBytes) {
        return breach("emitted event kind " + std::to_string(kind) + " of " + std::to_string(length) + " bytes");
    }
    try {
        // Checked without building a document (no allocation per event): valid UTF-8 JSON, and an object.
        std::string_view text(json, length);
        std::size_t first = text.find_first_not_of(" \t\r\n");
        rapidjson::Reader reader;
        rapidjson::BaseReaderHandler<> ignore;
        rapidjson::MemoryStream stream(json, length);
        rapidjson::ParseResult parsed = reader.Parse<rapidjson::kParseValidateEncodingFlag>(stream, ignore);
        if (parsed.IsError() || first == std::string_view::npos || text[first] != '{') {
            return breach("emitted event kind " + std::to_string(kind) + " whose payload is not a JSON object" +
                          (parsed.IsError() ? std::string(" (") + rapidjson::GetParseError_En(parsed.Code()) + ")"
                                            : std::string()));
        }
        if (!(*slot->sink)(kind, std::string_view(json, length))) {
            markCancelled(*slot);
            return 1;
        }
    } catch (...) {
        slot->sinkFailure = std::current_exception();
        markCancelled(*slot);
        return 1;
    }
    return 0;
}

int32_t isCancelled(mb_call *call) {
    CallSlot *slot = liveSlot(call);
    if (slot == nullptr) return callCancelled(call) ? 1 : 0;
    if (slot->cancelSeen.load(std::memory_order_acquire)) return 1;
    if (slot->cancel != nullptr && *slot->cancel) {
        try {
            if ((*slot->cancel)()) markCancelled(*slot);
        } catch (...) {
            slot->sinkFailure = std::current_exception();
            markCancelled(*slot);
        }
    }
    return slot->cancelSeen.load(std::memory_order_acquire) ? 1 : 0;
}

std::string describeException(std::string_view function) {
    try {
        throw;
    } catch (const std::exception &error) {
        return std::string(function) + " threw an exception: " + error.what();
    } catch (...) {
        return std::string(function) + " threw an exception";
    }
}

// Turns what the plugin returned into a result; the plugin's word is checked, not trusted.
CallResult resultOf(int32_t status, ErrorBuffer &error) {
    CallResult result;
    result.status = status;
    if (status == MB_OK) return result;
    result.httpStatus = error.httpStatus();
    result.retryAfterMs = error.retryAfterMs() < 0 ? -1 : error.retryAfterMs();
    result.message = error.message();
    if (status > 0) {
        result.status = MB_ERR_INTERNAL;
        result.message = "returned " + std::to_string(status) + ", which is not an MB_* status" +
                         (result.message.empty() ? "" : ": " + result.message);
    }
    return result;
}

// The "name" of an instance config ({"name": "<prefix>", "config": {...}}), or "" when it has none.
std::string instanceName(std::string_view configJson) {
    rapidjson::Document document;
    document.Parse(configJson.data(), configJson.size());
    if (document.HasParseError() || !document.IsObject()) return {};
    auto name = document.FindMember("name");
    if (name == document.MemberEnd() || !name->value.IsString()) return {};
    return std::string(name->value.GetString(), name->value.GetStringLength());
}

CallResult internalError(const Provider &provider, std::string_view what) {
    CallResult result;
    result.status = MB_ERR_INTERNAL;
    result.message = "plugin " + provider.info.id + " (" + provider.path.string() + ") " + std::string(what);
    return result;
}

}  // namespace

CallSlot *CallPool::acquire() {
    std::lock_guard lock(mutex_);
    if (free_.empty()) {
        // The mb_call is written once, here: a stale pointer held by a plugin must never see it change.
        auto slot = std::make_unique<CallSlot>();
        slot->call.struct_size = sizeof(mb_call);
        slot->call.emit = emitEvent;
        slot->call.is_cancelled = isCancelled;
        slot->call.host_data = slot.get();
        slots_.push_back(std::move(slot));
        return slots_.back().get();
    }
    CallSlot *slot = free_.back();
    free_.pop_back();
    return slot;
}

void CallPool::release(CallSlot *slot) {
    std::lock_guard lock(mutex_);
    free_.push_back(slot);
}

bool callCancelled(mb_call *call) {
    if (call == nullptr || call->host_data == nullptr) return false;
    // On the call's own thread (a transfer the plugin runs), the call's cancel check is asked too, so that a
    // stalled transfer notices a cancellation the plugin itself has not polled yet.
    if (liveSlot(call) != nullptr) return isCancelled(call) != 0;
    auto *slot = static_cast<CallSlot *>(call->host_data);
    return !slot->active.load(std::memory_order_acquire) || slot->cancelSeen.load(std::memory_order_acquire);
}

ProviderInstance::ProviderInstance(std::shared_ptr<const Provider> provider, mb_instance *instance)
    : provider_(std::move(provider)), instance_(instance) {}

std::unique_ptr<ProviderInstance> ProviderInstance::create(std::shared_ptr<const Provider> provider,
                                                           std::string_view configJson, CallResult &result) {
    // The host serves this name through this plugin: its secret and config section become the plugin's to read,
    // already during create.
    if (std::string name = instanceName(configJson); !name.empty()) provider->plugin->scope.grant(name);
    ErrorBuffer error;
    mb_instance *instance = nullptr;
    int32_t status = MB_ERR_INTERNAL;
    try {
        PluginCallMark mark(provider->crash, "create");
        status = provider->vtable.create(&provider->plugin->host, configJson.data(), configJson.size(), &instance,
                                         error.get());
    } catch (...) {
        result = internalError(*provider, describeException("create"));
        return nullptr;
    }
    result = resultOf(status, error);
    if (!result.ok()) return nullptr;
    if (instance == nullptr) {
        result = internalError(*provider, "create returned MB_OK without an instance");
        return nullptr;
    }
    return std::unique_ptr<ProviderInstance>(new ProviderInstance(std::move(provider), instance));
}

ProviderInstance::~ProviderInstance() {
    try {
        PluginCallMark mark(provider_->crash, "destroy");
        provider_->vtable.destroy(instance_);
    } catch (...) {  // the ABI forbids it; the instance is gone either way
    }
}

const void *ProviderInstance::extension(const std::string &id) const {
    auto getExtension = provider_->vtable.get_extension;
    if (getExtension == nullptr) return nullptr;
    try {
        PluginCallMark mark(provider_->crash, "get_extension");
        return getExtension(instance_, id.c_str());
    } catch (...) {  // the ABI forbids it; an extension that cannot be asked for is absent
        return nullptr;
    }
}

CallResult ProviderInstance::invoke(std::string_view function, const PluginFunction &run, const EventSink &sink,
                                    const CancelCheck &cancelled) const {
    CallPool &pool = provider_->plugin->calls;
    CallSlot *slot = pool.acquire();
    slot->sink = &sink;
    slot->cancel = &cancelled;
    slot->violation.clear();
    slot->sinkFailure = nullptr;
    slot->error.reset();
    slot->cancelSeen.store(false, std::memory_order_relaxed);
    slot->owner.store(std::this_thread::get_id(), std::memory_order_relaxed);
    slot->active.store(true, std::memory_order_release);

    int32_t status = MB_ERR_INTERNAL;
    std::string thrown;
    try {
        PluginCallMark mark(provider_->crash, function);
        status = run(instance_, &slot->call, slot->error.get());
    } catch (...) {
        thrown = describeException(function);
    }
    // From here on, emit through this mb_call is refused: a plugin that kept the pointer cannot reach the sink.
    slot->active.store(false, std::memory_order_release);
    slot->owner.store(std::thread::id(), std::memory_order_release);

    CallResult result;
    if (!thrown.empty()) {
        result = internalError(*provider_, thrown);
    } else if (!slot->violation.empty()) {
        result = internalError(*provider_, slot->violation);
    } else {
        result = resultOf(status, slot->error);
    }
    std::exception_ptr sinkFailure = std::exchange(slot->sinkFailure, nullptr);
    pool.release(slot);
    if (sinkFailure) std::rethrow_exception(sinkFailure);
    return result;
}

CallResult ProviderInstance::listModels(const EventSink &sink, const CancelCheck &cancelled) const {
    auto listModels = provider_->vtable.list_models;
    if (listModels == nullptr) return CallResult{MB_ERR_UNSUPPORTED, 0, -1, "the provider cannot list models"};
    return invoke("list_models", listModels, sink, cancelled);
}

CallResult ProviderInstance::complete(std::string_view requestJson, std::string_view optionsJson,
                                      const EventSink &sink, const CancelCheck &cancelled) const {
    return chat("complete", provider_->vtable.complete, requestJson, optionsJson, sink, cancelled);
}

CallResult ProviderInstance::stream(std::string_view requestJson, std::string_view optionsJson,
                                    const EventSink &sink, const CancelCheck &cancelled) const {
    return chat("stream", provider_->vtable.stream, requestJson, optionsJson, sink, cancelled);
}

CallResult ProviderInstance::chat(std::string_view name, ChatFunction function, std::string_view requestJson,
                                  std::string_view optionsJson, const EventSink &sink,
                                  const CancelCheck &cancelled) const {
    if (function == nullptr) {
        return CallResult{MB_ERR_UNSUPPORTED, 0, -1, "the provider has no " + std::string(name) + "()"};
    }
    auto run = [&](mb_instance *instance, mb_call *c, mb_error *e) {
        return function(instance, requestJson.data(), requestJson.size(), optionsJson.data(), optionsJson.size(), c,
                        e);
    };
    return invoke(name, run, sink, cancelled);
}

}  // namespace moltbot::plugin
