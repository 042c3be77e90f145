#include "host/commands/config_support.hpp"

#include "core/config/json5.hpp"

#include <ostream>

namespace moltbot::cli {

config::Config loadConfig(bool requireValid) {
    return reportConfigErrors([&] { return config::Config::load({}, requireValid); });
}

void printWarnings(const std::vector<config::Issue> &warnings, std::ostream &err) {
    for (const auto &warning : warnings) err << "warning: " << warning.text() << "\n";
}

rapidjson::Value jsonString(std::string_view text, rapidjson::Document::AllocatorType &allocator) {
    return rapidjson::Value(text.data(), static_cast<rapidjson::SizeType>(text.size()), allocator);
}

rapidjson::Document parseValueArgument(const std::string &text, const std::string &what, const std::string &suffix) {
    rapidjson::Document value;
    try {
        config::parseJson5(text, value, what);
    } catch (const config::Json5Error &error) {
        std::size_t first = text.find_first_not_of(" \t\r\n");
        if (first != std::string::npos && (text[first] == '{' || text[first] == '[')) {
            throw UsageError{what + " is not valid JSON5: " + std::string(error.what()) + suffix};
        }
        value.SetString(text.data(), static_cast<rapidjson::SizeType>(text.size()), value.GetAllocator());
    }
    return value;
}

rapidjson::Value jsonIssues(const std::vector<config::Issue> &issues, rapidjson::Document::AllocatorType &allocator) {
    rapidjson::Value list(rapidjson::kArrayType);
    for (const auto &issue : issues) {
        rapidjson::Value entry(rapidjson::kObjectType);
        entry.AddMember("path", jsonString(issue.path, allocator), allocator);
        entry.AddMember("message", jsonString(issue.message, allocator), allocator);
        list.PushBack(entry, allocator);
    }
    return list;
}

}  // namespace moltbot::cli
