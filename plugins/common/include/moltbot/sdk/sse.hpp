// An incremental Server-Sent Events reader (the WHATWG "event stream" format). Bytes go in as they arrive, split
// anywhere (even between the "\r" and "\n" of one line end); complete events come out through a callback.
//
//  - Lines end with "\n", "\r\n" or "\r". A UTF-8 BOM at the start of the stream is skipped.
//  - `data:` lines of one event are joined with "\n"; `event:` is the event's type (reset after each event); `id:`
//    is the last event id (kept across events, as the spec says); `retry:` and unknown fields are ignored.
//  - Lines starting with ':' are comments: passed to the optional comment callback, never dispatched.
//  - finish() flushes a last event that lacks the closing blank line when the stream ends.
//  - One event (and one line) may not exceed maxEventBytes: beyond that the reader fails with SseStatus::tooLarge,
//    so memory stays bounded by the largest single event, never by the whole response.
// Complete lines inside one fed buffer are parsed in place; only a line split across feeds is copied.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace moltbot::sdk {

struct SseEvent {
    std::string_view data;   // the data lines joined by "\n"
    std::string_view event;  // the `event:` field, empty when absent
    std::string_view id;     // the last `id:` field seen so far in the stream
};

enum class SseStatus {
    ok,       // keep feeding
    stopped,  // the event callback returned false
    tooLarge  // an event or a line exceeded maxEventBytes
};

struct IgnoreSseComments {
    void operator()(std::string_view) const {}
};

class SseReader {
public:
    static constexpr std::size_t kDefaultMaxEventBytes = std::size_t{16} << 20;

    explicit SseReader(std::size_t maxEventBytes = kDefaultMaxEventBytes) : max_(maxEventBytes) {}

    std::size_t maxEventBytes() const { return max_; }
    SseStatus status() const { return status_; }

    // Parses `bytes`. onEvent(const SseEvent &) returns bool (false stops the reader); onComment(std::string_view)
    // gets a comment's text without the leading ':'. Views are valid only during the callback.
    template <class OnEvent, class OnComment = IgnoreSseComments>
    SseStatus feed(std::string_view bytes, OnEvent &&onEvent, OnComment &&onComment = {}) {
        if (status_ != SseStatus::ok) return status_;
        if (bomMatched_ < 3) bytes = skipBom(bytes);
        const char *begin = bytes.data();
        const std::size_t size = bytes.size();
        std::size_t pos = 0;
        if (skipLf_ && pos < size) {
            if (begin[pos] == '\n') ++pos;
            skipLf_ = false;
        }
        // Next "\n" and "\r" at or after pos; each is searched again only once pos passed it, so a stream that uses
        // one kind of line end is scanned once per kind, not once per line.
        std::ptrdiff_t lf = -1;
        std::ptrdiff_t cr = -1;
        while (pos < size) {
            if (lf < static_cast<std::ptrdiff_t>(pos)) lf = find(begin, pos, size, '\n');
            if (cr < static_cast<std::ptrdiff_t>(pos)) cr = find(begin, pos, size, '\r');
            std::size_t eol = static_cast<std::size_t>(lf < cr ? lf : cr);
            if (eol == size) {  // an incomplete line: keep it for the next feed
                if (pending_.size() + (size - pos) > max_) return status_ = SseStatus::tooLarge;
                pending_.append(begin + pos, size - pos);
                break;
            }
            std::string_view line(begin + pos, eol - pos);
            if (!pending_.empty()) {
                if (pending_.size() + line.size() > max_) return status_ = SseStatus::tooLarge;
                pending_.append(line);
                line = pending_;
            }
            if (begin[eol] == '\r') {
                if (eol + 1 == size) {
                    skipLf_ = true;  // the "\n" of a "\r\n" may start the next feed
                    pos = size;
                } else {
                    pos = eol + (begin[eol + 1] == '\n' ? 2 : 1);
                }
            } else {
                pos = eol + 1;
            }
            status_ = processLine(line, onEvent, onComment);
            pending_.clear();
            if (status_ != SseStatus::ok) return status_;
        }
        return status_;
    }

    // The stream ended: processes a last unterminated line and dispatches a pending event. The reader is then
    // ready for a new stream.
    template <class OnEvent, class OnComment = IgnoreSseComments>
    SseStatus finish(OnEvent &&onEvent, OnComment &&onComment = {}) {
        SseStatus result = status_;
        if (result == SseStatus::ok) {
            if (bomMatched_ > 0 && bomMatched_ < 3) pending_.insert(0, kBom, bomMatched_);
            if (!pending_.empty()) result = processLine(pending_, onEvent, onComment);
            if (result == SseStatus::ok) result = dispatch(onEvent);
        }
        reset();
        return result;
    }

    // Forgets everything, including the last event id, as for a new stream.
    void reset() {
        pending_.clear();
        data_.clear();
        event_.clear();
        id_.clear();
        hasData_ = false;
        skipLf_ = false;
        bomMatched_ = 0;
        status_ = SseStatus::ok;
    }

private:
    static constexpr char kBom[] = "\xEF\xBB\xBF";

    static std::ptrdiff_t find(const char *begin, std::size_t pos, std::size_t size, char c) {
        const void *hit = std::memchr(begin + pos, c, size - pos);
        return hit == nullptr ? static_cast<std::ptrdiff_t>(size) : static_cast<const char *>(hit) - begin;
    }

    // Consumes the BOM bytes at the start of the stream (it may arrive split); a partial match that turns out not
    // to be a BOM is given back as the start of the first line.
    std::string_view skipBom(std::string_view bytes) {
        std::size_t i = 0;
        while (bomMatched_ < 3 && i < bytes.size()) {
            if (bytes[i] != kBom[bomMatched_]) {
                pending_.append(kBom, bomMatched_);
                bomMatched_ = 3;
                return bytes.substr(i);
            }
            ++bomMatched_;
            ++i;
        }
        return bytes.substr(i);
    }

    template <class OnEvent, class OnComment>
    SseStatus processLine(std::string_view line, OnEvent &onEvent, OnComment &onComment) {
        if (line.empty()) return dispatch(onEvent);
        if (line.front() == ':') {
            onComment(line.substr(1));
            return SseStatus::ok;
        }
        // "data:" is nearly every line: recognised without searching for the colon.
        std::size_t colon = line.size() >= 5 && std::memcmp(line.data(), "data:", 5) == 0 ? 4 : line.find(':');
        std::string_view name = line.substr(0, colon);
        std::string_view value;
        if (colon != std::string_view::npos) {
            value = line.substr(colon + 1);
            if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        }
        if (name == "data") {
            if (data_.size() + value.size() + (hasData_ ? 1 : 0) > max_) return SseStatus::tooLarge;
            if (hasData_) data_ += '\n';
            data_.append(value);
            hasData_ = true;
        } else if (name == "event") {
            event_.assign(value);
        } else if (name == "id") {
            if (value.find('\0') == std::string_view::npos) id_.assign(value);
        }
        return SseStatus::ok;
    }

    template <class OnEvent>
    SseStatus dispatch(OnEvent &onEvent) {
        if (!hasData_) {  // a blank line without data: no event, but the event type ends here
            event_.clear();
            return SseStatus::ok;
        }
        bool more = onEvent(SseEvent{data_, event_, id_});
        data_.clear();  // keeps its capacity: no allocation per event once the largest one was seen
        event_.clear();
        hasData_ = false;
        return more ? SseStatus::ok : SseStatus::stopped;
    }

    std::size_t max_;
    std::string pending_;  // the start of a line split across feeds
    std::string data_;
    std::string event_;
    std::string id_;
    bool hasData_ = false;
    bool skipLf_ = false;
    unsigned bomMatched_ = 0;  // BOM bytes seen at the start of the stream; 3 once past it
    SseStatus status_ = SseStatus::ok;
};

}  // namespace moltbot::sdk
