#include "host/commands/config_support.hpp"

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
