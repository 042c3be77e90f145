#include "core/http/transport.hpp"

#include <moltbot/sdk/guard.hpp>
#include <moltbot/sdk/structs.hpp>

#include <boost/dll/shared_library.hpp>
#include <curl/curl.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace moltbot::http {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char *kUserAgent = "moltbot/" MOLTBOT_VERSION;
constexpr milliseconds kCancelPollInterval{50};  // CallControl::cancelled is documented with this figure

// libcurl, loaded on the first transfer instead of at process start: it and the TLS, IDN, Kerberos, LDAP and SSH
// libraries it pulls in take longer to load and relocate than a command that makes no request takes to run.
// libcurl's ABI 4, the only one since 2006 and the one <curl/curl.h> describes: the OpenSSL build's soname, else the
// GnuTLS build's (Debian's libcurl4-gnutls-dev), whichever the machine has.
boost::dll::shared_library loadLibcurl() {
    boost::dll::fs::error_code error;
    for (const char *name : {"libcurl.so.4", "libcurl-gnutls.so.4"}) {
        boost::dll::shared_library library(name, boost::dll::load_mode::search_system_folders, error);
        if (!error) return library;
    }
    return boost::dll::shared_library("libcurl.so.4", boost::dll::load_mode::search_system_folders);  // throws, saying why
}

struct Curl {
    boost::dll::shared_library library = loadLibcurl();

    template <typename F>
    F *symbol(const char *name) const {
        return &library.get<F>(name);
    }
#define MOLTBOT_CURL_FUNCTION(name) decltype(&curl_##name) name = symbol<decltype(curl_##name)>("curl_" #name)
    MOLTBOT_CURL_FUNCTION(global_init);
    MOLTBOT_CURL_FUNCTION(easy_init);
    MOLTBOT_CURL_FUNCTION(easy_setopt);
    MOLTBOT_CURL_FUNCTION(easy_getinfo);
    MOLTBOT_CURL_FUNCTION(easy_strerror);
    MOLTBOT_CURL_FUNCTION(easy_cleanup);
    MOLTBOT_CURL_FUNCTION(easy_reset);
    MOLTBOT_CURL_FUNCTION(multi_init);
    MOLTBOT_CURL_FUNCTION(multi_add_handle);
    MOLTBOT_CURL_FUNCTION(multi_perform);
    MOLTBOT_CURL_FUNCTION(multi_info_read);
    MOLTBOT_CURL_FUNCTION(multi_poll);
    MOLTBOT_CURL_FUNCTION(multi_remove_handle);
    MOLTBOT_CURL_FUNCTION(multi_cleanup);
    MOLTBOT_CURL_FUNCTION(slist_append);
    MOLTBOT_CURL_FUNCTION(slist_free_all);
    MOLTBOT_CURL_FUNCTION(url);
    MOLTBOT_CURL_FUNCTION(url_set);
    MOLTBOT_CURL_FUNCTION(url_get);
    MOLTBOT_CURL_FUNCTION(url_cleanup);
    MOLTBOT_CURL_FUNCTION(free);
#undef MOLTBOT_CURL_FUNCTION

    Curl() {
        if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("curl_global_init failed");
    }
};

// Loads libcurl once per process and keeps it loaded; throws when it cannot be loaded (and retries on the next call).
const Curl &curl() {
    static const Curl *const loaded = new Curl();  // never unloaded: curl_global_cleanup at exit gains nothing
    return *loaded;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return (x | 0x20) == (y | 0x20);  // enough for ASCII header names
           });
}

// A method is an HTTP token; anything else would corrupt the request line.
bool validMethod(std::string_view method) {
    return !method.empty() && std::all_of(method.begin(), method.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
}

// "host:port" of an http(s) URL, for messages; empty when the URL is not one.
std::string targetOf(const char *url) {
    struct UrlDeleter {
        void operator()(CURLU *u) const { curl().url_cleanup(u); }
    };
    std::unique_ptr<CURLU, UrlDeleter> parsed(curl().url());
    if (!parsed || curl().url_set(parsed.get(), CURLUPART_URL, url, 0) != CURLUE_OK) return {};
    std::string target;
    for (auto [part, flags] : {std::pair{CURLUPART_SCHEME, 0u}, {CURLUPART_HOST, 0u}, {CURLUPART_PORT, 1u}}) {
        char *value = nullptr;
        if (curl().url_get(parsed.get(), part, &value, flags ? CURLU_DEFAULT_PORT : 0) != CURLUE_OK) return {};
        const std::string text = value;
        curl().free(value);
        if (part == CURLUPART_SCHEME) {
            if (text != "http" && text != "https") return {};
        } else {
            target += part == CURLUPART_PORT ? ":" + text : text;
        }
    }
    return target;
}

// Loopback always goes direct. CURLOPT_NOPROXY replaces no_proxy, so the user's list is kept beside ours.
std::string noProxyList() {
    const char *user = std::getenv("no_proxy");
    if (user == nullptr || *user == '\0') user = std::getenv("NO_PROXY");
    if (user != nullptr && std::string_view(user) == "*") return "*";
    std::string list = "localhost,127.0.0.0/8,::1";
    if (user != nullptr && *user != '\0') list.append(",").append(user);
    return list;
}

struct SlistDeleter {
    void operator()(curl_slist *list) const { curl().slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

void append(Slist &list, const std::string &line) {
    curl_slist *grown = curl().slist_append(list.get(), line.c_str());
    if (grown == nullptr) throw std::bad_alloc();
    (void)list.release();
    list.reset(grown);
}

// The request's "Name: value\n" lines, plus the headers that neutralise curl defaults the plugin did not ask for.
Slist buildHeaders(const mb_http_request &req, bool hasBody) {
    Slist list;
    bool hasExpect = false;
    bool hasContentType = false;
    std::string_view rest(req.headers != nullptr ? req.headers : "", req.headers != nullptr ? req.headers_len : 0);
    while (!rest.empty()) {
        const auto end = rest.find('\n');
        std::string_view line = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) continue;
        const std::string_view name = line.substr(0, line.find(':'));
        hasExpect = hasExpect || equalsIgnoreCase(name, "Expect");
        hasContentType = hasContentType || equalsIgnoreCase(name, "Content-Type");
        append(list, std::string(line));
    }
    // An empty value removes the header curl would add: 100-continue costs a round trip, and a form content type
    // would misdescribe the body.
    if (!hasExpect) append(list, "Expect:");
    if (hasBody && !hasContentType) append(list, "Content-Type:");
    return list;
}

// The state of one transfer, shared with curl's callbacks.
struct Transfer {
    explicit Transfer(const mb_http_request &request) : req(request) {}

    const mb_http_request &req;
    CURL *easy = nullptr;
    std::string head;        // the header block being received
    bool headDelivered = false;
    long status = 0;
    const char *abortedBy = nullptr;  // the callback that asked to stop
    bool connected = false;
    Clock::time_point lastActivity;  // of the connection, for the idle timeout
    curl_off_t uploaded = 0;
    char errorBuffer[CURL_ERROR_SIZE] = {};

    static size_t onHeader(char *data, size_t size, size_t count, void *self) {
        return static_cast<Transfer *>(self)->header(std::string_view(data, size * count));
    }
    static size_t onWrite(char *data, size_t size, size_t count, void *self) {
        return static_cast<Transfer *>(self)->body(data, size * count);
    }
    static int onProgress(void *self, curl_off_t, curl_off_t, curl_off_t, curl_off_t uploadedNow) {
        auto *t = static_cast<Transfer *>(self);
        if (uploadedNow != t->uploaded) {
            t->uploaded = uploadedNow;
            t->lastActivity = Clock::now();
        }
        return 0;
    }
    static int onConnected(void *self, char *, char *, int, int) {
        auto *t = static_cast<Transfer *>(self);
        t->connected = true;
        t->lastActivity = Clock::now();
        return CURL_PREREQFUNC_OK;
    }

    size_t header(std::string_view line) {
        lastActivity = Clock::now();
        if (headDelivered) return line.size();  // trailers after a chunked body
        const size_t received = line.size();
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
        if (!line.empty()) {
            head.append(line).append("\r\n");
            return received;
        }
        curl().easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        if (status >= 100 && status < 200) {  // an interim response: the final one follows
            head.clear();
            return received;
        }
        headDelivered = true;
        if (req.on_head != nullptr &&
            req.on_head(req.user, static_cast<int32_t>(status), head.data(), head.size()) != 0) {
            abortedBy = "head";
            return 0;
        }
        return received;
    }

    size_t body(const char *data, size_t len) {
        lastActivity = Clock::now();
        if (req.on_body != nullptr && req.on_body(req.user, data, len) != 0) {
            abortedBy = "body";
            return 0;
        }
        return len;
    }
};

template <typename T>
void setopt(CURL *easy, CURLoption option, T value) {
    if (curl().easy_setopt(easy, option, value) != CURLE_OK) throw std::runtime_error("curl_easy_setopt failed");
}

std::string errnoText(long osErrno) { return std::generic_category().message(static_cast<int>(osErrno)); }

}  // namespace

struct Transport::Impl {
    TransportOptions options;
    std::string noProxy = noProxyList();
    std::mutex mutex;
    // A transfer's curl handles: the multi (its connection cache keeps connections alive) and the easy (its buffers),
    // both reused, so a busy process neither reconnects nor reallocates per request.
    struct Handles {
        CURLM *multi = nullptr;
        CURL *easy = nullptr;
    };
    std::vector<Handles> idle;  // not in use, most recently used last

    ~Impl() {
        for (Handles &handles : idle) cleanup(handles);
    }

    static void cleanup(Handles &handles) {
        if (handles.easy != nullptr) curl().easy_cleanup(handles.easy);
        if (handles.multi != nullptr) curl().multi_cleanup(handles.multi);
    }

    // The handles for one transfer: the most recently used, whose connection cache is the warmest.
    Handles acquire() {
        {
            std::lock_guard lock(mutex);
            if (!idle.empty()) {
                Handles handles = idle.back();
                idle.pop_back();
                curl().easy_reset(handles.easy);  // options back to defaults; connections and caches stay
                return handles;
            }
        }
        Handles handles{curl().multi_init(), curl().easy_init()};
        if (handles.multi == nullptr || handles.easy == nullptr) {
            cleanup(handles);
            throw std::bad_alloc();
        }
        return handles;
    }

    void release(Handles handles) {
        {
            std::lock_guard lock(mutex);
            if (idle.size() < options.maxIdleHandles) {
                idle.push_back(handles);
                return;
            }
        }
        cleanup(handles);
    }

    int32_t perform(const mb_http_request &req, mb_error *error, const CallControl *control);
};

Transport::Transport(TransportOptions options) : impl_(std::make_unique<Impl>(options)) {}

Transport::~Transport() = default;

int32_t Transport::request(const mb_http_request &request, mb_error *error, const CallControl *control) noexcept {
    try {
        // A plugin built against an older header passes a smaller struct: zero-fill what it lacks.
        return impl_->perform(sdk::readStruct(&request), error, control);
    } catch (const std::exception &e) {
        sdk::setError(error, MB_ERR_INTERNAL, std::string("internal error in the HTTP transport: ") + e.what());
    } catch (...) {
        sdk::setError(error, MB_ERR_INTERNAL, "internal error in the HTTP transport");
    }
    return MB_ERR_INTERNAL;
}

int32_t Transport::Impl::perform(const mb_http_request &req, mb_error *error, const CallControl *control) {
    const std::string target = req.url != nullptr ? targetOf(req.url) : std::string();
    if (target.empty()) {
        sdk::setError(error, MB_ERR_INVALID_ARGUMENT, "the request URL is missing or not an absolute http(s) URL");
        return MB_ERR_INVALID_ARGUMENT;
    }
    const std::string_view method = req.method != nullptr ? req.method : "";
    if (!validMethod(method)) {
        sdk::setError(error, MB_ERR_INVALID_ARGUMENT, "the request method is missing or not an HTTP token");
        return MB_ERR_INVALID_ARGUMENT;
    }
    const CancelToken *cancel = control != nullptr ? control->cancel : nullptr;
    const std::function<bool()> *cancelledCheck =
        control != nullptr && control->cancelled ? &control->cancelled : nullptr;
    const auto cancelled = [&] {
        return (cancel != nullptr && cancel->cancelled()) || (cancelledCheck != nullptr && (*cancelledCheck)());
    };
    if (cancelled()) {
        sdk::setError(error, MB_ERR_CANCELLED, "request to " + target + " cancelled before it started");
        return MB_ERR_CANCELLED;
    }

    const Clock::time_point start = Clock::now();
    Clock::time_point deadline = Clock::time_point::max();
    if (req.timeout_ms != 0) deadline = start + milliseconds(req.timeout_ms);
    const bool callDeadline = control != nullptr && control->deadline < deadline;
    if (callDeadline) deadline = control->deadline;

    Transfer t(req);
    t.lastActivity = start;
    // Declared before the transfer's state that uses them, so the easy handle leaves the multi (Attached, below)
    // before both return to the pool.
    struct Lease {
        Impl &impl;
        Handles handles;
        ~Lease() { impl.release(handles); }
    } lease{*this, acquire()};
    t.easy = lease.handles.easy;
    CURL *e = lease.handles.easy;

    const bool isPost = method == "POST";
    const bool hasBody = req.body != nullptr || isPost;
    const Slist headers = buildHeaders(req, hasBody);
    const std::string methodText(method);
    setopt(e, CURLOPT_URL, req.url);
    setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    setopt(e, CURLOPT_NOSIGNAL, 1L);
    setopt(e, CURLOPT_NOPROXY, noProxy.c_str());
    setopt(e, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);  // a proxy's CONNECT answer is not the response
    setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connectTimeout.count()));
    setopt(e, CURLOPT_USERAGENT, kUserAgent);  // a User-Agent line among the request's headers replaces it
    setopt(e, CURLOPT_HTTPHEADER, headers.get());
    setopt(e, CURLOPT_ERRORBUFFER, t.errorBuffer);
    setopt(e, CURLOPT_HEADERFUNCTION, &Transfer::onHeader);
    setopt(e, CURLOPT_HEADERDATA, &t);
    setopt(e, CURLOPT_WRITEFUNCTION, &Transfer::onWrite);
    setopt(e, CURLOPT_WRITEDATA, &t);
    setopt(e, CURLOPT_XFERINFOFUNCTION, &Transfer::onProgress);
    setopt(e, CURLOPT_XFERINFODATA, &t);
    setopt(e, CURLOPT_NOPROGRESS, 0L);
    setopt(e, CURLOPT_PREREQFUNCTION, &Transfer::onConnected);
    setopt(e, CURLOPT_PREREQDATA, &t);
    if (method == "HEAD") {
        setopt(e, CURLOPT_NOBODY, 1L);
    } else if (hasBody) {
        setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body != nullptr ? req.body_len : 0));
        setopt(e, CURLOPT_POSTFIELDS, req.body != nullptr ? req.body : "");
        if (!isPost) setopt(e, CURLOPT_CUSTOMREQUEST, methodText.c_str());
    } else if (method != "GET") {
        setopt(e, CURLOPT_CUSTOMREQUEST, methodText.c_str());
    }

    if (curl().multi_add_handle(lease.handles.multi, e) != CURLM_OK) {
        throw std::runtime_error("curl_multi_add_handle failed");
    }
    struct Attached {
        CURLM *multi;
        CURL *easy;
        ~Attached() { curl().multi_remove_handle(multi, easy); }
    } attached{lease.handles.multi, e};

    const auto fail = [&](int32_t code, const std::string &message) {
        sdk::setError(error, code, message, t.headDelivered ? static_cast<int32_t>(t.status) : 0);
        return code;
    };
    const milliseconds idleTimeout = options.idleTimeout;
    CURLcode result = CURLE_OK;
    for (;;) {
        if (cancelled()) return fail(MB_ERR_CANCELLED, "request to " + target + " cancelled");
        int running = 0;
        if (curl().multi_perform(lease.handles.multi, &running) != CURLM_OK)
            throw std::runtime_error("curl_multi_perform failed");
        int queued = 0;
        if (CURLMsg *msg = curl().multi_info_read(lease.handles.multi, &queued); msg != nullptr && msg->msg == CURLMSG_DONE) {
            result = msg->data.result;
            break;
        }
        const Clock::time_point now = Clock::now();
        if (now >= deadline) {
            if (callDeadline) return fail(MB_ERR_TIMEOUT, "the call's deadline passed during the request to " + target);
            return fail(MB_ERR_TIMEOUT, "total timeout: no complete response from " + target + " within " +
                                            std::to_string(req.timeout_ms) + " ms");
        }
        Clock::time_point wakeAt = deadline;
        if (t.connected && idleTimeout.count() > 0) {
            const Clock::time_point idleEnd = t.lastActivity + idleTimeout;
            if (now >= idleEnd)
                return fail(MB_ERR_TIMEOUT, "idle-read timeout: no data from " + target + " for " +
                                                std::to_string(idleTimeout.count()) + " ms");
            wakeAt = std::min(wakeAt, idleEnd);
        }
        // Round up so a wait never ends just short of a deadline and spins. curl shortens the wait further for its
        // own timers; a polled cancellation check bounds it too, and a second is the safety net.
        const milliseconds longest = cancelledCheck != nullptr ? kCancelPollInterval : milliseconds(1000);
        const int waitMs = static_cast<int>(
            wakeAt - now >= longest ? longest.count() : std::chrono::ceil<milliseconds>(wakeAt - now).count());
        curl_waitfd cancelFd{cancel != nullptr ? cancel->fd() : -1, CURL_WAIT_POLLIN, 0};
        if (curl().multi_poll(lease.handles.multi, &cancelFd, cancel != nullptr ? 1 : 0, waitMs, nullptr) != CURLM_OK)
            throw std::runtime_error("curl_multi_poll failed");
    }

    const std::string detail = t.errorBuffer[0] != '\0' ? t.errorBuffer : curl().easy_strerror(result);
    switch (result) {
    case CURLE_OK:
        return MB_OK;
    case CURLE_WRITE_ERROR:
        if (t.abortedBy != nullptr)
            return fail(MB_ERR_CANCELLED,
                        "request to " + target + " aborted by the " + t.abortedBy + " callback");
        break;
    case CURLE_OPERATION_TIMEDOUT:  // the only curl timer set is the connect timeout
        return fail(MB_ERR_TIMEOUT, "connect timeout: no connection to " + target + " within " +
                                        std::to_string(options.connectTimeout.count()) + " ms");
    case CURLE_COULDNT_CONNECT: {
        long osErrno = 0;
        curl().easy_getinfo(e, CURLINFO_OS_ERRNO, &osErrno);
        return fail(MB_ERR_TRANSPORT,
                    "cannot connect to " + target + ": " + (osErrno != 0 ? errnoText(osErrno) : detail));
    }
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return fail(MB_ERR_TRANSPORT, "cannot resolve " + target + ": " + detail);
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
        return fail(MB_ERR_TRANSPORT, "TLS error with " + target + ": " + detail);
    case CURLE_GOT_NOTHING:
        return fail(MB_ERR_TRANSPORT, target + " closed the connection without a response");
    case CURLE_OUT_OF_MEMORY:
        throw std::bad_alloc();
    default:
        break;
    }
    return fail(MB_ERR_TRANSPORT, "request to " + target + " failed: " + detail);
}

}  // namespace moltbot::http
