#include "core/session/option_checks.hpp"

#include "core/config/config.hpp"
#include "core/config/json_path.hpp"
#include "core/pipeline/model_ref.hpp"
#include "core/plugin/abi_structs.hpp"
#include "core/runtime/runtime.hpp"

#include <moltbot/ext/check_options.h>
#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace moltbot::session {

namespace {

// "provider.order: ..." -> the path below the model's options and the rest; a message without a leading path stays
// whole.
std::pair<std::string, std::string> splitPath(const std::string &message) {
    std::size_t colon = message.find(": ");
    std::string head = colon == std::string::npos ? std::string() : message.substr(0, colon);
    bool isPath = !head.empty() && head.find_first_of(" \"'") == std::string::npos;
    if (!isPath) return {{}, message};
    return {head, message.substr(colon + 2)};
}

}  // namespace

std::vector<config::Issue> checkModelOptions(runtime::Runtime &host, const config::Config &config) {
    std::vector<config::Issue> issues;
    for (const auto &refText : config.configuredModels()) {
        const rapidjson::Value *options = config.modelOptions(refText);
        if (options == nullptr || (!options->HasMember("provider") && !options->HasMember("params"))) continue;
        std::optional<pipeline::ModelRef> ref = pipeline::parseModelRef(refText);
        if (!ref || !host.registry().find(ref->prefix)) continue;
        const plugin::ProviderInstance *instance = nullptr;
        try {
            instance = &host.instance(ref->prefix);
        } catch (const std::exception &) {
            continue;
        }
        std::optional<mb_ext_check_options> table = plugin::abi::readStruct(
            static_cast<const mb_ext_check_options *>(instance->extension(MB_EXT_CHECK_OPTIONS)),
            plugin::abi::kExtCheckOptionsSize_1);
        if (!table || table->check_options == nullptr) continue;
        const std::string at = config::formatPath({"agents", "defaults", "models", refText});
        const std::string optionsJson = config.modelOptionsJson(refText);
        const std::string modelId = ref->id;
        std::vector<std::string> notices;
        plugin::CallResult result = instance->invoke(
            "check_options",
            [check = table->check_options, &modelId, &optionsJson](mb_instance *self, mb_call *call, mb_error *error) {
                return check(self, modelId.c_str(), optionsJson.data(), optionsJson.size(), call, error);
            },
            [&notices](uint32_t kind, std::string_view json) {
                if (kind != MB_EVENT_NOTICE) return true;
                rapidjson::Document notice;
                if (notice.Parse(json.data(), json.size()).HasParseError() || !notice.IsObject()) return true;
                auto message = notice.FindMember("message");
                if (message != notice.MemberEnd() && message->value.IsString()) notices.emplace_back(message->value.GetString());
                return true;
            });
        if (!result.ok() && result.status != MB_ERR_CANCELLED) notices.push_back(result.message);
        for (const auto &notice : notices) {
            auto [path, message] = splitPath(notice);
            issues.push_back({path.empty() ? at : at + "." + path, message});
        }
    }
    return issues;
}

}  // namespace moltbot::session
