#include "host/commands/notice_memory.hpp"

#include "core/config/files.hpp"

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

namespace moltbot::cli {

namespace {

// The file holds at most this many notices, so it stays small however many refs are tried over the years (one
// dropped beyond that may show once more).
constexpr std::size_t kMaxRemembered = 1000;

// {"shown": ["...", ...]}; anything else counts as nothing shown.
std::set<std::string, std::less<>> readShown(const std::filesystem::path &file) {
    std::set<std::string, std::less<>> shown;
    try {
        std::optional<std::string> text = config::readFileIfExists(file, std::size_t{4} << 20);
        if (!text) return shown;
        rapidjson::Document document;
        document.Parse(text->c_str(), text->size());
        if (document.HasParseError() || !document.IsObject() || !document.HasMember("shown") ||
            !document["shown"].IsArray()) {
            return shown;
        }
        for (const auto &item : document["shown"].GetArray()) {
            if (item.IsString()) shown.emplace(item.GetString(), item.GetStringLength());
        }
    } catch (const std::exception &) {
    }
    return shown;
}

}  // namespace

NoticeMemory::NoticeMemory(std::filesystem::path file) : file_(std::move(file)), shown_(readShown(file_)) {}

bool NoticeMemory::shown(std::string_view notice) const { return shown_.find(notice) != shown_.end(); }

void NoticeMemory::remember(std::string_view notice) {
    if (shown_.emplace(notice).second) added_.emplace(notice);
}

std::string NoticeMemory::save() {
    if (added_.empty()) return {};
    std::set<std::string, std::less<>> merged = readShown(file_);
    merged.insert(added_.begin(), added_.end());
    while (merged.size() > kMaxRemembered) merged.erase(merged.begin());
    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
    writer.SetIndent(' ', 2);
    writer.StartObject();
    writer.Key("shown");
    writer.StartArray();
    for (const auto &notice : merged) writer.String(notice.c_str(), static_cast<rapidjson::SizeType>(notice.size()));
    writer.EndArray();
    writer.EndObject();
    try {
        config::ensurePrivateFolder(file_.parent_path());
        config::writeFileAtomic(file_, std::string(buffer.GetString(), buffer.GetSize()) + "\n",
                                config::WriteOptions{false});
        added_.clear();
        return {};
    } catch (const std::exception &error) {
        return error.what();
    }
}

}  // namespace moltbot::cli
