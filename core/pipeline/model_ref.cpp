#include "core/pipeline/model_ref.hpp"

#include <cctype>

namespace moltbot::pipeline {

std::optional<ModelRef> parseModelRef(std::string_view text, std::string *why) {
    auto fail = [why](std::string reason) -> std::optional<ModelRef> {
        if (why != nullptr) *why = std::move(reason);
        return std::nullopt;
    };
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    std::size_t slash = text.find('/');
    if (slash == std::string_view::npos) return fail("a model ref has the form <provider>/<model>");
    if (slash == 0) return fail("the provider before the first '/' is empty");
    if (slash + 1 == text.size()) return fail("the model after the first '/' is empty");
    ModelRef ref;
    for (char c : text.substr(0, slash)) {
        char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (!std::isalnum(static_cast<unsigned char>(lower)) && lower != '-' && lower != '_' && lower != '.') {
            return fail("the provider '" + std::string(text.substr(0, slash)) + "' may hold only letters, digits, '.', '_' and '-'");
        }
        ref.prefix.push_back(lower);
    }
    ref.id = std::string(text.substr(slash + 1));
    return ref;
}

}  // namespace moltbot::pipeline
