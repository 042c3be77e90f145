// Small helpers for writing JSON with rapidjson: one call per field.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>

namespace moltbot::sim {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

inline void put(JsonWriter &writer, const char *key, const std::string &value) {
    writer.Key(key);
    writer.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}
inline void put(JsonWriter &writer, const char *key, const char *value) {
    put(writer, key, std::string(value));
}
inline void put(JsonWriter &writer, const char *key, int value) {
    writer.Key(key);
    writer.Int(value);
}
inline void put(JsonWriter &writer, const char *key, std::int64_t value) {
    writer.Key(key);
    writer.Int64(value);
}
inline void put(JsonWriter &writer, const char *key, double value) {
    writer.Key(key);
    writer.Double(value);
}
// A USD amount, rounded to 1e-12 so that sums of token prices print short (0.00000624, not 6.2399999999e-6).
inline void putUsd(JsonWriter &writer, const char *key, double usd) {
    writer.Key(key);
    writer.Double(std::round(usd * 1e12) / 1e12);
}
inline void put(JsonWriter &writer, const char *key, bool value) {
    writer.Key(key);
    writer.Bool(value);
}
inline void putNull(JsonWriter &writer, const char *key) {
    writer.Key(key);
    writer.Null();
}
// A string, or null when empty.
inline void putOrNull(JsonWriter &writer, const char *key, const std::string &value) {
    if (value.empty()) {
        putNull(writer, key);
    } else {
        put(writer, key, value);
    }
}
// Already serialised JSON.
inline void putRaw(JsonWriter &writer, const char *key, const std::string &json) {
    writer.Key(key);
    writer.RawValue(json.c_str(), json.size(), rapidjson::kObjectType);
}

// The text `write` produces.
inline std::string jsonOf(const std::function<void(JsonWriter &)> &write) {
    rapidjson::StringBuffer buffer;
    JsonWriter writer(buffer);
    write(writer);
    return buffer.GetString();
}

}  // namespace moltbot::sim
