// The generic OpenAI-compatible provider: any server speaking the Chat Completions API (a local llama.cpp, Ollama or
// vLLM, a gateway, a hosted API). It serves no prefix of its own name but the config's: an entry
// models.providers.<name> = {api: "openai-completions", baseUrl, apiKey | apiKeyEnv, headers, models} makes an
// instance under the prefix <name>. Built only on the SDK, as a third party would build it: sdk/openai.hpp speaks
// the wire format, this file reads the config.
#include <moltbot/plugin.h>
#include <moltbot/plugin_helpers.h>
#include <moltbot/sdk/guard.hpp>
#include <moltbot/sdk/host.hpp>
#include <moltbot/sdk/json.hpp>
#include <moltbot/sdk/openai.hpp>

#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <vector>

namespace {

namespace json = moltbot::sdk::json;
namespace openai = moltbot::sdk::openai;
using moltbot::sdk::Call;
using moltbot::sdk::Failure;

void require(bool ok, const char *what) {
    if (!ok) throw Failure(MB_ERR_INVALID_ARGUMENT, what);
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

class Instance {
public:
    Instance(const mb_host_api *host, std::string_view createJson)
        : host_(host), settings_(Settings::parse(createJson)), dialect_(settings_.name) {}

    int32_t listModels(Call call) const {
        for (const auto &model : settings_.models) {
            if (!call.emit(MB_EVENT_MODEL, model)) return MB_ERR_CANCELLED;
        }
        return MB_OK;
    }

    int32_t chat(std::string_view request, std::string_view options, Call call, bool stream) const {
        openai::Endpoint endpoint;
        endpoint.url = settings_.baseUrl + "/chat/completions";
        // Local servers usually need no key: without one, no Authorization header is sent.
        endpoint.apiKey = host_.secretGet(settings_.name.c_str()).value_or("");
        endpoint.headers = settings_.headers;
        return openai::chat(host_, call, dialect_, endpoint, openai::requestBody(request, options, stream), stream);
    }

private:
    moltbot::sdk::Host host_;
    Settings settings_;
    openai::Dialect dialect_;  // messages name the instance: "local HTTP 401: ..."
};

const mb_provider_vtable kVtable = moltbot::sdk::Provider<Instance>::vtable();

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

const mb_plugin_entry kEntry = {
    sizeof(mb_plugin_entry), MB_ABI_CURRENT, 1, 0, kProviders, moltbot::sdk::plainInit, nullptr,
};

}  // namespace

MB_PLUGIN_NEGOTIATE(&kEntry);
