// Small rapidjson helpers for plugins: parse from (pointer, length), read a member of an expected type or a default,
// serialise a value, and append a JSON string literal to a std::string.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace moltbot::sdk::json {

// Appends `text` as a quoted JSON string: quotes, backslashes and control characters escaped, other bytes kept.
inline void appendString(std::string &out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    std::size_t run = 0;  // start of the current run of bytes that need no escaping
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(text.data() + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        }
    }
    out.append(text.data() + run, text.size() - run);
    out += '"';
}

inline std::string quote(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    appendString(out, text);
    return out;
}

// Parses `text` into `doc`; false when it is not one well-formed JSON value.
inline bool parse(rapidjson::Document &doc, std::string_view text) {
    doc.Parse(text.data(), text.size());
    return !doc.HasParseError();
}

// Serialises a value compactly.
inline std::string write(const rapidjson::Value &value) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    value.Accept(writer);
    return std::string(buffer.GetString(), buffer.GetSize());
}

// The member `name` of `object`, or nullptr when `object` is not an object or lacks it.
inline const rapidjson::Value *member(const rapidjson::Value &object, const char *name) {
    if (!object.IsObject()) return nullptr;
    auto it = object.FindMember(name);
    return it == object.MemberEnd() ? nullptr : &it->value;
}

inline std::string_view view(const rapidjson::Value &string) {
    return {string.GetString(), string.GetStringLength()};
}

// Typed member look-ups: the member's value when it exists with that type, else the fallback.
inline std::string_view getString(const rapidjson::Value &object, const char *name, std::string_view fallback = {}) {
    const rapidjson::Value *v = member(object, name);
    return v != nullptr && v->IsString() ? view(*v) : fallback;
}

inline int64_t getInt(const rapidjson::Value &object, const char *name, int64_t fallback = 0) {
    const rapidjson::Value *v = member(object, name);
    if (v == nullptr) return fallback;
    if (v->IsInt64()) return v->GetInt64();
    // Some producers write integral counts as 12.0; the range check comes first (casting 1e300 is undefined).
    if (v->IsDouble()) {
        double d = v->GetDouble();
        if (d >= -9.0e18 && d <= 9.0e18 && d == static_cast<double>(static_cast<int64_t>(d))) {
            return static_cast<int64_t>(d);
        }
    }
    return fallback;
}

inline double getDouble(const rapidjson::Value &object, const char *name, double fallback = 0) {
    const rapidjson::Value *v = member(object, name);
    return v != nullptr && v->IsNumber() ? v->GetDouble() : fallback;
}

inline bool getBool(const rapidjson::Value &object, const char *name, bool fallback = false) {
    const rapidjson::Value *v = member(object, name);
    return v != nullptr && v->IsBool() ? v->GetBool() : fallback;
}

// The member when it is an object (or an array), else nullptr.
inline const rapidjson::Value *getObject(const rapidjson::Value &object, const char *name) {
    const rapidjson::Value *v = member(object, name);
    return v != nullptr && v->IsObject() ? v : nullptr;
}

inline const rapidjson::Value *getArray(const rapidjson::Value &object, const char *name) {
    const rapidjson::Value *v = member(object, name);
    return v != nullptr && v->IsArray() ? v : nullptr;
}

}  // namespace moltbot::sdk::json
