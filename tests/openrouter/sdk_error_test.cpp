// sdk::setError, the one filler of a host-owned mb_error: the transport, the host services and the plugins use it.
#include <moltbot/sdk/guard.hpp>

#include <doctest/doctest.h>

#include <cstring>
#include <string>

using moltbot::sdk::setError;

namespace {

// An mb_error over a buffer of `capacity` bytes followed by guard bytes that must survive every write.
struct GuardedError {
    explicit GuardedError(uint32_t capacity) {
        std::memset(buffer, '#', sizeof buffer);
        error.struct_size = sizeof error;
        error.message = buffer;
        error.message_capacity = capacity;
    }
    bool guardsIntact() const {
        for (size_t i = error.message_capacity; i < sizeof buffer; ++i)
            if (buffer[i] != '#') return false;
        return true;
    }
    char buffer[64];
    mb_error error{};
};

}  // namespace

TEST_CASE("setError fills code, status and message") {
    GuardedError e(64);
    setError(&e.error, MB_ERR_TRANSPORT, "cannot connect to 127.0.0.1:1: Connection refused", 502);
    CHECK(e.error.code == MB_ERR_TRANSPORT);
    CHECK(e.error.http_status == 502);
    CHECK(e.error.retry_after_ms == -1);
    CHECK(std::string(e.error.message) == "cannot connect to 127.0.0.1:1: Connection refused");
}

TEST_CASE("setError truncates into a tiny buffer and always terminates") {
    GuardedError e(8);
    setError(&e.error, MB_ERR_TIMEOUT, "idle-read timeout: no data");
    CHECK(std::string(e.error.message) == "idle-re");
    CHECK(e.guardsIntact());

    GuardedError one(1);
    setError(&one.error, MB_ERR_TIMEOUT, "anything");
    CHECK(one.buffer[0] == '\0');
    CHECK(one.guardsIntact());

    GuardedError none(0);
    setError(&none.error, MB_ERR_TIMEOUT, "anything");
    CHECK(none.error.code == MB_ERR_TIMEOUT);
    CHECK(none.buffer[0] == '#');
}

TEST_CASE("setError never cuts a UTF-8 character in half") {
    GuardedError e(5);
    setError(&e.error, MB_ERR_TRANSPORT, "ab\xC3\xBC\xC3\xBC");  // "abüü": the second ü does not fit
    CHECK(std::string(e.error.message) == "ab\xC3\xBC");
    GuardedError cut(4);
    setError(&cut.error, MB_ERR_TRANSPORT, "ab\xE2\x82\xAC");  // "ab€": only two of its three bytes would fit
    CHECK(std::string(cut.error.message) == "ab");
}

TEST_CASE("setError accepts a NULL error, a NULL buffer, and leaves fields beyond a smaller struct_size alone") {
    setError(nullptr, MB_ERR_INTERNAL, "ignored");

    mb_error noBuffer{};
    noBuffer.struct_size = sizeof noBuffer;
    noBuffer.message_capacity = 16;
    setError(&noBuffer, MB_ERR_INTERNAL, "ignored");
    CHECK(noBuffer.code == MB_ERR_INTERNAL);

    GuardedError old(64);
    old.error.struct_size = offsetof(mb_error, http_status);  // a reader that knows only struct_size and code
    setError(&old.error, MB_ERR_TRANSPORT, "not written", 500);
    CHECK(old.error.code == MB_ERR_TRANSPORT);
    CHECK(old.error.http_status == 0);
    CHECK(old.buffer[0] == '#');
}
