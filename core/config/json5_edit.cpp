#include "core/config/json5_edit.hpp"

#include "core/config/files.hpp"
#include "core/config/json_path.hpp"

#include <algorithm>
#include <vector>

namespace moltbot::config {

namespace {

struct Edit {
    std::size_t begin, end;  // the bytes of the original text replaced
    std::string text;
};

class Editor {
public:
    Editor(std::string_view text) : text_(text) {}

    std::vector<Edit> edits;

    void value(const rapidjson::Value &before, const Json5Span &span, const rapidjson::Value &after) {
        if (before == after) return;
        if (before.IsObject() && after.IsObject()) {
            object(before, span, after);
        } else if (before.IsArray() && after.IsArray() && !before.Empty() && after.Size() >= before.Size()) {
            array(before, span, after);
        } else {
            replace(span, after);
        }
    }

private:
    std::string_view text_;

    std::size_t lineStart(std::size_t pos) const {
        std::size_t newline = text_.rfind('\n', pos == 0 ? 0 : pos - 1);
        return pos == 0 || newline == std::string_view::npos ? 0 : newline + 1;
    }
    // Whether only spaces and tabs come before `pos` on its line.
    bool startsLine(std::size_t pos) const {
        std::size_t start = lineStart(pos);
        return text_.substr(start, pos - start).find_first_not_of(" \t") == std::string_view::npos;
    }
    // The spaces and tabs that start the line holding `pos`.
    std::string indentOf(std::size_t pos) const {
        std::size_t start = lineStart(pos);
        std::size_t end = text_.find_first_not_of(" \t", start);
        return std::string(text_.substr(start, (end == std::string_view::npos ? text_.size() : end) - start));
    }

    // `value` as 2-space JSON whose lines after the first start with `indent`.
    static std::string json(const rapidjson::Value &value, const std::string &indent) {
        std::string pretty = toPrettyJson(value);
        pretty.pop_back();  // the final newline
        std::string out;
        for (char c : pretty) {
            out += c;
            if (c == '\n') out += indent;
        }
        return out;
    }
    static std::string key(const rapidjson::Value &name) { return toCompactJson(name); }

    void replace(const Json5Span &span, const rapidjson::Value &after) {
        edits.push_back({span.begin, span.end, json(after, indentOf(span.begin))});
    }

    // "\n<indent>" between members or elements that sit on lines of their own, else " ".
    std::string separator(std::size_t firstItem, const std::string &indent) const {
        return startsLine(firstItem) ? "\n" + indent : " ";
    }

    void object(const rapidjson::Value &before, const Json5Span &span, const rapidjson::Value &after) {
        const std::size_t n = span.members.size();
        std::vector<bool> kept(n);
        std::size_t lastKept = n;  // none
        for (std::size_t i = 0; i < n; ++i) {
            auto found = memberNamed(after, span.members[i].key);
            kept[i] = found != after.MemberEnd();
            if (!kept[i]) continue;
            lastKept = i;
            value(memberNamed(before, span.members[i].key)->value, span.children[i], found->value);
        }
        std::vector<const rapidjson::Value::Member *> added;
        for (const auto &member : after.GetObject()) {
            std::string_view name(member.name.GetString(), member.name.GetStringLength());
            if (std::none_of(span.members.begin(), span.members.end(), [&](const auto &m) { return m.key == name; })) {
                added.push_back(&member);
            }
        }
        if (lastKept == n) {  // nothing of the old object is left: it is written anew
            replace(span, after);
            return;
        }
        // The members after the last kept one, when the last has no comma after it: one cut from the end of the last
        // kept value (its comma included) to the end of the last member.
        bool trailingCut = lastKept + 1 < n && span.members[n - 1].commaEnd == 0;
        if (trailingCut) edits.push_back({span.children[lastKept].end, span.children[n - 1].end, ""});
        std::string indent = indentOf(span.members[0].keyBegin);
        std::string sep = separator(span.members[0].keyBegin, indent);
        std::string members;  // the new members, "," + sep between them; on one line in an object kept on one line
        for (std::size_t i = 0; i < added.size(); ++i) {
            members += (i == 0 ? "" : "," + sep) + key(added[i]->name) + ": " +
                       (sep == " " ? toCompactJson(added[i]->value) : json(added[i]->value, indent));
        }
        for (std::size_t i = 0; i < n; ++i) {
            if (kept[i] || (trailingCut && i > lastKept)) continue;
            if (i == n - 1 && !added.empty()) {
                // The last member, with its comma, gives its place to the new ones: its line and comment stay.
                edits.push_back({span.members[i].keyBegin, span.members[i].commaEnd, members + ","});
                return;
            }
            removeWithComma(span.members[i].keyBegin, span.members[i].commaEnd);
        }
        if (added.empty()) return;
        const std::size_t valueEnd = span.children[n - 1].end;
        const std::size_t commaEnd = trailingCut ? 0 : span.members[n - 1].commaEnd;
        // One member per line: the new ones go on lines of their own after the last member's line, so that a
        // comment ending that line stays with it.
        std::size_t lineEnd = sep[0] == '\n' ? endOfLine(commaEnd != 0 ? commaEnd : valueEnd) : std::string_view::npos;
        if (lineEnd != std::string_view::npos && commaEnd != 0) {
            edits.push_back({lineEnd, lineEnd, sep + members + ","});
        } else if (lineEnd != std::string_view::npos && lineEnd != valueEnd) {
            edits.push_back({lineEnd, lineEnd, sep + members});
            edits.push_back({valueEnd, valueEnd, ","});
        } else {
            edits.push_back({valueEnd, valueEnd, "," + sep + members});
        }
    }

    // The end of the line `pos` is on when only spaces, tabs and a // comment follow it there; else npos.
    std::size_t endOfLine(std::size_t pos) const {
        while (pos < text_.size() && (text_[pos] == ' ' || text_[pos] == '\t')) ++pos;
        if (text_.substr(pos, 2) == "//") pos = std::min(text_.find('\n', pos), text_.size());
        if (pos < text_.size() && text_[pos] == '\r') ++pos;  // never between \r and \n: before the \r
        return pos >= text_.size() || text_[pos] == '\n' ? (pos > 0 && text_[pos - 1] == '\r' ? pos - 1 : pos)
                                                           : std::string_view::npos;
    }

    // Removes an item from its first byte through its comma, with its line when it has one of its own.
    void removeWithComma(std::size_t begin, std::size_t commaEnd) {
        std::size_t end = commaEnd;
        if (startsLine(begin)) {
            std::size_t after = text_.find_first_not_of(" \t", end);
            if (after != std::string_view::npos && text_[after] == '\n') {
                begin = lineStart(begin);
                end = after + 1;
            }
        } else {
            while (end < text_.size() && (text_[end] == ' ' || text_[end] == '\t')) ++end;
        }
        edits.push_back({begin, end, ""});
    }

    // Elements changed in place, and new ones appended after the last.
    void array(const rapidjson::Value &before, const Json5Span &span, const rapidjson::Value &after) {
        const rapidjson::SizeType n = before.Size();
        for (rapidjson::SizeType i = 0; i < n; ++i) value(before[i], span.children[i], after[i]);
        if (after.Size() == n) return;
        std::string indent = indentOf(span.children[0].begin);
        std::string sep = separator(span.children[0].begin, indent);
        std::string elements;
        for (rapidjson::SizeType i = n; i < after.Size(); ++i) {
            elements += "," + sep + (sep == " " ? toCompactJson(after[i]) : json(after[i], indent));
        }
        edits.push_back({span.children[n - 1].end, span.children[n - 1].end, elements});
    }
};

}  // namespace

std::optional<std::string> editJson5Text(std::string_view text, const rapidjson::Value &before, const Json5Span &spans,
                                         const rapidjson::Value &after) {
    if (spans.repeatedKey || !before.IsObject() || !after.IsObject()) return std::nullopt;
    Editor editor(text);
    editor.value(before, spans, after);
    std::vector<Edit> &edits = editor.edits;
    // Applied from the end, so that each edit's offsets still hold; at one offset the cut goes before the insertion.
    std::sort(edits.begin(), edits.end(), [](const Edit &a, const Edit &b) {
        return a.begin != b.begin ? a.begin > b.begin : a.end > b.end;
    });
    std::string out(text);
    for (const auto &edit : edits) out.replace(edit.begin, edit.end - edit.begin, edit.text);
    return out;
}

}  // namespace moltbot::config
