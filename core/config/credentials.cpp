#include "core/config/credentials.hpp"

#include "core/config/files.hpp"
#include "core/config/json5.hpp"
#include "core/config/json_path.hpp"

#include <sys/stat.h>

namespace moltbot::config {

namespace {

// The parsed file (an empty one when it does not exist), checked for the shape above.
rapidjson::Document readCredentials(const std::filesystem::path &file) {
    rapidjson::Document document;
    document.SetObject();
    std::optional<std::string> text = readFileIfExists(file);
    if (!text) return document;
    parseJson5(*text, document, file.string());
    auto shapeError = [&](const std::string &what) {
        return ConfigError("credentials file " + file.string() + ": " + what + " (fix or remove the file, then run "
                           "'moltbot onboard' again)");
    };
    if (!document.IsObject()) throw shapeError("expected an object");
    auto providers = document.FindMember("providers");
    if (providers == document.MemberEnd()) return document;
    if (!providers->value.IsObject()) throw shapeError("'providers' is not an object");
    for (const auto &entry : providers->value.GetObject()) {
        bool valid = entry.value.IsObject();
        if (valid) {
            auto key = entry.value.FindMember("apiKey");
            valid = key == entry.value.MemberEnd() || key->value.IsString();
        }
        if (!valid) {
            std::string name(entry.name.GetString(), entry.name.GetStringLength());
            throw shapeError("the entry of provider '" + name + "' is not {\"apiKey\": \"...\"}");
        }
    }
    return document;
}

}  // namespace

std::optional<std::string> storedApiKey(std::string_view provider, const std::filesystem::path &file) {
    rapidjson::Document document = readCredentials(file);
    auto providers = document.FindMember("providers");
    if (providers == document.MemberEnd()) return std::nullopt;
    auto entry = memberNamed(providers->value, provider);
    if (entry == providers->value.MemberEnd()) return std::nullopt;
    auto key = entry->value.FindMember("apiKey");
    if (key == entry->value.MemberEnd() || key->value.GetStringLength() == 0) return std::nullopt;
    return std::string(key->value.GetString(), key->value.GetStringLength());
}

void storeApiKey(std::string_view provider, std::string_view key, const std::filesystem::path &file) {
    rapidjson::Document document = readCredentials(file);
    auto &allocator = document.GetAllocator();
    if (!document.HasMember("version")) document.AddMember("version", 1, allocator);
    if (!document.HasMember("providers")) document.AddMember("providers", rapidjson::Value(rapidjson::kObjectType), allocator);
    rapidjson::Value &providers = document["providers"];
    rapidjson::Value entry(rapidjson::kObjectType);
    entry.AddMember("apiKey", rapidjson::Value(key.data(), static_cast<rapidjson::SizeType>(key.size()), allocator),
                    allocator);
    auto existing = memberNamed(providers, provider);
    if (existing != providers.MemberEnd()) {
        existing->value = entry;
    } else {
        providers.AddMember(rapidjson::Value(provider.data(), static_cast<rapidjson::SizeType>(provider.size()), allocator),
                            entry, allocator);
    }
    writeFileAtomic(file, toPrettyJson(document));
    // A state folder made by hand may be readable by others; the keys in it should not be.
    ::chmod(file.parent_path().empty() ? "." : file.parent_path().c_str(), 0700);
}

}  // namespace moltbot::config
