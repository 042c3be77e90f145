#include "tests/plugins/fixtures.hpp"

#include "tests/support/process.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <stdexcept>

namespace moltbot::test {

std::filesystem::path fixtureDir(const std::string &name) { return buildPath("tests/fixtures/plugins/" + name); }

std::filesystem::path fixturePlugin(const std::string &name) { return fixtureDir(name) / (name + ".so"); }

plugin::Registry loadFolders(const std::vector<std::filesystem::path> &folders,
                             std::shared_ptr<plugin::HostServices> services) {
    std::vector<plugin::SearchFolder> search;
    for (const auto &folder : folders) search.push_back({folder, plugin::FolderOrigin::Environment});
    return plugin::Registry::load(search, std::move(services));
}

std::string chatRequest(const std::string &model, const std::string &message) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.StartObject();
    writer.Key("model");
    writer.String(model.c_str());
    writer.Key("messages");
    writer.StartArray();
    writer.StartObject();
    writer.Key("role");
    writer.String("user");
    writer.Key("content");
    writer.String(message.c_str());
    writer.EndObject();
    writer.EndArray();
    writer.EndObject();
    return buffer.GetString();
}

Answer streamMessage(const plugin::ProviderInstance &instance, const std::string &model, const std::string &message,
                     const plugin::CancelCheck &cancelled) {
    Answer answer;
    auto sink = [&](uint32_t kind, std::string_view json) {
        answer.kinds.push_back(kind);
        answer.events.emplace_back(json);
        if (kind == MB_EVENT_TEXT_DELTA) {
            rapidjson::Document document;
            document.Parse(json.data(), json.size());
            answer.text += document["text"].GetString();
        }
        return true;
    };
    answer.result = instance.stream(chatRequest(model, message), "{}", sink, cancelled);
    return answer;
}

Answer streamMessage(const plugin::Registry &registry, const std::string &prefix, const std::string &model,
                     const std::string &message) {
    auto provider = registry.find(prefix);
    if (provider == nullptr) throw std::runtime_error("no provider serves prefix " + prefix);
    plugin::CallResult created;
    auto instance = plugin::ProviderInstance::create(provider, R"({"name":")" + prefix + R"(","config":{}})", created);
    if (instance == nullptr) throw std::runtime_error("create failed: " + created.message);
    return streamMessage(*instance, model, message);
}

}  // namespace moltbot::test
