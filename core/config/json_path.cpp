#include "core/config/json_path.hpp"

#include "core/config/files.hpp"
#include "core/config/schema.hpp"
#include "core/util/secrets.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace moltbot::config {

namespace {

[[noreturn]] void invalidPath(std::string_view path, const std::string &why) {
    throw ConfigError("invalid config path '" + std::string(path) + "': " + why);
}

// An all-digit key as an array index.
bool arrayIndex(const std::string &key, rapidjson::SizeType &index) {
    if (key.empty() || !std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
    auto [end, error] = std::from_chars(key.data(), key.data() + key.size(), index);
    return error == std::errc() && end == key.data() + key.size();
}

bool needsBrackets(const std::string &key) {
    return key.empty() || !std::all_of(key.begin(), key.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '$';
    });
}

// A name to look up: a Value (not a StringRef) compares the whole length. An empty string_view may hold a null
// pointer, which rapidjson 1.1 asserts against.
rapidjson::Value nameValue(std::string_view key) {
    return rapidjson::Value(key.empty() ? "" : key.data(), static_cast<rapidjson::SizeType>(key.size()));
}

rapidjson::Value *findMember(rapidjson::Value &node, const std::string &key) {
    if (node.IsObject()) {
        auto member = memberNamed(node, key);
        return member == node.MemberEnd() ? nullptr : &member->value;
    }
    rapidjson::SizeType index = 0;
    if (node.IsArray() && arrayIndex(key, index) && index < node.Size()) return &node[index];
    return nullptr;
}

}  // namespace

rapidjson::Value::MemberIterator memberNamed(rapidjson::Value &object, std::string_view key) {
    return object.FindMember(nameValue(key));
}

rapidjson::Value::ConstMemberIterator memberNamed(const rapidjson::Value &object, std::string_view key) {
    return object.FindMember(nameValue(key));
}

PathSegments parsePath(std::string_view path) {
    if (path.empty()) invalidPath(path, "the path is empty");
    PathSegments segments;
    std::size_t i = 0;
    auto at = [](std::size_t index) { return " at character " + std::to_string(index + 1); };
    // Reads up to `stop` (or the end), a backslash escaping the next character.
    auto readUntil = [&](auto stop, std::string &key) {
        while (i < path.size() && !stop(path[i])) {
            if (path[i] == '\\' && i + 1 < path.size()) ++i;
            key += path[i++];
        }
    };
    for (;;) {
        std::string key;
        std::size_t start = i;
        if (path[i] == '[') {
            ++i;
            if (i < path.size() && (path[i] == '"' || path[i] == '\'')) {
                char quote = path[i++];
                readUntil([quote](char c) { return c == quote; }, key);
                if (i >= path.size()) invalidPath(path, "unclosed quote" + at(start + 1));
                ++i;
            } else {
                readUntil([](char c) { return c == ']'; }, key);
                if (key.empty()) invalidPath(path, "empty key" + at(start));
            }
            if (i >= path.size() || path[i] != ']') invalidPath(path, "expected ']'" + at(i));
            ++i;
        } else {
            readUntil([](char c) { return c == '.' || c == '['; }, key);
            if (key.empty()) invalidPath(path, "empty key" + at(start));
        }
        segments.push_back(std::move(key));
        if (i == path.size()) return segments;
        if (path[i] == '.') {
            if (++i == path.size()) invalidPath(path, "empty key at the end");
        } else if (path[i] != '[') {
            invalidPath(path, "expected '.' or '[' after ']'" + at(i));
        }
    }
}

std::string formatPath(const PathSegments &segments) {
    std::string out;
    for (const auto &key : segments) {
        rapidjson::SizeType index = 0;
        if (arrayIndex(key, index)) {
            out += "[" + key + "]";
        } else if (needsBrackets(key)) {
            out += "[\"";
            for (char c : key) {
                if (c == '"' || c == '\\') out += '\\';
                out += c;
            }
            out += "\"]";
        } else {
            if (!out.empty()) out += '.';
            out += key;
        }
    }
    return out;
}

const rapidjson::Value *findPath(const rapidjson::Value &root, const PathSegments &segments) {
    // findMember does not modify; the const_cast only spares a second copy of it.
    const rapidjson::Value *node = &root;
    for (const auto &key : segments) {
        node = findMember(const_cast<rapidjson::Value &>(*node), key);
        if (node == nullptr) return nullptr;
    }
    return node;
}

void setPath(rapidjson::Document &document, const PathSegments &segments, rapidjson::Value &value) {
    auto &allocator = document.GetAllocator();
    if (!document.IsObject()) document.SetObject();
    rapidjson::Value *node = &document;
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const std::string &key = segments[i];
        bool last = i + 1 == segments.size();
        if (node->IsArray()) {
            rapidjson::SizeType index = 0;
            if (!arrayIndex(key, index) || index > node->Size()) {
                PathSegments parent(segments.begin(), segments.begin() + static_cast<std::ptrdiff_t>(i));
                throw ConfigError("cannot set " + formatPath(segments) + ": " + formatPath(parent) + " is an array of " +
                                  std::to_string(node->Size()) + " elements and '" + key + "' is not an index in it");
            }
            if (index == node->Size()) node->PushBack(rapidjson::Value(rapidjson::kObjectType), allocator);
            rapidjson::Value &element = (*node)[index];
            if (last) {
                element = value;
                return;
            }
            node = &element;
            continue;
        }
        if (!node->IsObject()) {
            PathSegments parent(segments.begin(), segments.begin() + static_cast<std::ptrdiff_t>(i));
            throw ConfigError("cannot set " + formatPath(segments) + ": " + formatPath(parent) + " is " +
                              describeType(*node) + ", not an object");
        }
        rapidjson::Value *child = findMember(*node, key);
        if (child == nullptr) {
            node->AddMember(rapidjson::Value(key.data(), static_cast<rapidjson::SizeType>(key.size()), allocator),
                            rapidjson::Value(rapidjson::kObjectType), allocator);
            child = &(node->MemberEnd() - 1)->value;
        }
        if (last) {
            *child = value;
            return;
        }
        node = child;
    }
}

bool unsetPath(rapidjson::Document &document, const PathSegments &segments) {
    if (segments.empty()) return false;
    PathSegments parentPath(segments.begin(), segments.end() - 1);
    auto *parent = const_cast<rapidjson::Value *>(findPath(document, parentPath));
    if (parent == nullptr) return false;
    const std::string &key = segments.back();
    if (parent->IsObject()) {
        // EraseMember keeps the order of the remaining keys, which the user's file had.
        auto member = memberNamed(*parent, key);
        if (member == parent->MemberEnd()) return false;
        parent->EraseMember(member);
        return true;
    }
    rapidjson::SizeType index = 0;
    if (parent->IsArray() && arrayIndex(key, index) && index < parent->Size()) {
        parent->Erase(parent->Begin() + index);
        return true;
    }
    return false;
}

bool isSecretKey(std::string_view key) {
    // Split into lower-case words at '_', '-', '.' and camelCase humps: "OPENROUTER_API_KEY" -> openrouter api key.
    std::vector<std::string> words(1);
    for (std::size_t i = 0; i < key.size(); ++i) {
        char c = key[i];
        if (c == '_' || c == '-' || c == '.') {
            words.emplace_back();
            continue;
        }
        bool hump = std::isupper(static_cast<unsigned char>(c)) && i > 0 &&
                    std::islower(static_cast<unsigned char>(key[i - 1]));
        if (hump) words.emplace_back();
        words.back() += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    for (std::size_t i = 0; i < words.size(); ++i) {
        const std::string &word = words[i];
        if (word == "token" || word == "secret" || word == "password" || word == "apikey" ||
            word == "authorization") {
            return true;
        }
        if (word == "key" && (words.size() == 1 || (i > 0 && words[i - 1] == "api"))) return true;
    }
    return false;
}

void maskSecrets(rapidjson::Value &value, rapidjson::Document::AllocatorType &allocator, bool secret) {
    if (value.IsString() && secret && value.GetStringLength() > 0) {
        std::string masked = util::maskSecret(std::string_view(value.GetString(), value.GetStringLength()));
        value.SetString(masked.data(), static_cast<rapidjson::SizeType>(masked.size()), allocator);
    } else if (value.IsObject()) {
        for (auto &member : value.GetObject()) {
            std::string_view name(member.name.GetString(), member.name.GetStringLength());
            maskSecrets(member.value, allocator, secret || isSecretKey(name));
        }
    } else if (value.IsArray()) {
        for (auto &element : value.GetArray()) maskSecrets(element, allocator, secret);
    }
}

}  // namespace moltbot::config
