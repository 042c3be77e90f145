#include "core/state/redis_backend.hpp"

#include "core/config/files.hpp"
#include "core/limits/period.hpp"
#include "core/pipeline/cooldowns.hpp"

#include <Poco/DigestEngine.h>
#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <Poco/Redis/Array.h>
#include <Poco/Redis/Client.h>
#include <Poco/Redis/Command.h>
#include <Poco/Redis/Exception.h>
#include <Poco/Redis/Type.h>
#include <Poco/SHA1Engine.h>
#include <Poco/URI.h>

#include <sys/random.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <deque>
#include <mutex>
#include <sstream>
#include <thread>
#include <unordered_map>

namespace moltbot::state {

namespace {

using Poco::Redis::Client;

// ---- scripts -------------------------------------------------------------------------------------------------------
// Every number handed to redis.call goes through fmt: Lua would print a large one as 1e+14, which HINCRBY refuses.
// All checks come before the first write: Redis does not roll a script back.

constexpr const char *kPrelude = R"lua(
local function fmt(n) return string.format('%d', n) end
local function clock() local t = redis.call('TIME'); return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) end
)lua";

// KEYS: acct spend res resamt rpm tpm. ARGV: resid worst budget(-1: none) periodStartDay today isTotal(0/1)
// rpm(-1) tpm(-1) ttlMs. Returns {admitted, code, used, resetRequestsMs, windowTokens, resetTokensMs, spent, reserved}.
constexpr const char *kAdmit = R"lua(
local now = clock()
local acct, spend, res, resamt, rpmz, tpmz = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local worst, budget = tonumber(ARGV[2]), tonumber(ARGV[3])
local rpm, tpm, ttl = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
-- reservations whose instance never settled them (it died): their time is up, they stop counting
local dead = redis.call('ZRANGEBYSCORE', res, '-inf', now, 'LIMIT', 0, 1000)
if #dead > 0 then
  local freed = 0
  for _, a in ipairs(redis.call('HMGET', resamt, unpack(dead))) do if a then freed = freed + tonumber(a) end end
  redis.call('ZREM', res, unpack(dead))
  redis.call('HDEL', resamt, unpack(dead))
  redis.call('HINCRBY', acct, 'reserved', fmt(-freed))
end
redis.call('ZREMRANGEBYSCORE', rpmz, '-inf', now - 60000)
local used = redis.call('ZCARD', rpmz)
local resetReq = 0
if used > 0 then resetReq = tonumber(redis.call('ZRANGE', rpmz, 0, 0, 'WITHSCORES')[2]) + 60000 - now end
local old = redis.call('ZRANGEBYSCORE', tpmz, '-inf', now - 60000)
if #old > 0 then
  local drop = 0
  for _, m in ipairs(old) do drop = drop + tonumber(string.match(m, '|(%d+)$')) end
  redis.call('ZREMRANGEBYSCORE', tpmz, '-inf', now - 60000)
  redis.call('HINCRBY', acct, 'tpm_sum', fmt(-drop))
end
local tsum = tonumber(redis.call('HGET', acct, 'tpm_sum') or '0')
local resetTok = 0
if tpm >= 0 then
  -- when enough of the window's tokens will have left it: walk from the oldest entry only as far as that takes
  -- (one entry while under the limit; never the whole window per request, which grows with the traffic)
  local over, from, batch = tsum - tpm, 0, 1
  while true do
    local e = redis.call('ZRANGE', tpmz, from, from + batch - 1, 'WITHSCORES')
    local last = #e < 2 * batch
    for i = 1, #e, 2 do
      resetTok = tonumber(e[i + 1]) + 60000 - now
      over = over - tonumber(string.match(e[i], '|(%d+)$'))
      if over < 0 then last = true; break end
    end
    if last then break end
    from, batch = from + batch, 128
  end
end
if rpm >= 0 and used >= rpm then return {0, 'rate_limit_requests', used, resetReq, tsum, resetTok, 0, 0} end
if tpm >= 0 and tsum >= tpm then return {0, 'rate_limit_tokens', used, resetReq, tsum, resetTok, 0, 0} end
local spent = 0
if ARGV[6] == '1' then
  spent = tonumber(redis.call('HGET', spend, 'total') or '0')
else
  local f = {}
  for d = tonumber(ARGV[4]), tonumber(ARGV[5]) do f[#f + 1] = 'd' .. d end
  for _, v in ipairs(redis.call('HMGET', spend, unpack(f))) do if v then spent = spent + tonumber(v) end end
end
local reserved = tonumber(redis.call('HGET', acct, 'reserved') or '0')
if budget >= 0 and worst > budget - spent - reserved + 1 then
  return {0, 'budget_exceeded', used, resetReq, tsum, resetTok, spent, reserved}
end
if rpm >= 0 then
  redis.call('ZADD', rpmz, fmt(now), ARGV[1])
  used = used + 1
  if resetReq == 0 then resetReq = 60000 end
end
redis.call('ZADD', res, fmt(now + ttl), ARGV[1])
redis.call('HSET', resamt, ARGV[1], fmt(worst))
redis.call('HINCRBY', acct, 'reserved', fmt(worst))
return {1, 'ok', used, resetReq, tsum, resetTok, spent, reserved + worst}
)lua";

// KEYS: acct spend res resamt tpm done. ARGV: resid cost tokens today nowMs. Returns 1, or 0 when settled before.
constexpr const char *kSettle = R"lua(
local now = clock()
if redis.call('ZSCORE', KEYS[6], ARGV[1]) then return 0 end
local amt = redis.call('HGET', KEYS[4], ARGV[1])
if amt then
  redis.call('HINCRBY', KEYS[1], 'reserved', fmt(-tonumber(amt)))
  redis.call('HDEL', KEYS[4], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
end
redis.call('HINCRBY', KEYS[2], 'd' .. ARGV[4], ARGV[2])
redis.call('HINCRBY', KEYS[2], 'total', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'requests', 1)
if tonumber(ARGV[5]) > tonumber(redis.call('HGET', KEYS[1], 'last_used_ms') or '0') then
  redis.call('HSET', KEYS[1], 'last_used_ms', ARGV[5])
end
if tonumber(ARGV[3]) > 0 then
  redis.call('ZADD', KEYS[5], fmt(now), ARGV[1] .. '|' .. ARGV[3])
  redis.call('HINCRBY', KEYS[1], 'tpm_sum', ARGV[3])
end
redis.call('ZADD', KEYS[6], fmt(now), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', now - 86400000)
return 1
)lua";

// KEYS: acct spend res resamt. ARGV: periodStartDay today isTotal. Read only.
// Returns {spent, reserved (live reservations only), requests, lastUsedMs}.
constexpr const char *kUsage = R"lua(
local now = clock()
local spent = 0
if ARGV[3] == '1' then
  spent = tonumber(redis.call('HGET', KEYS[2], 'total') or '0')
else
  for d = tonumber(ARGV[1]), tonumber(ARGV[2]) do spent = spent + tonumber(redis.call('HGET', KEYS[2], 'd' .. d) or '0') end
end
local reserved = 0
local live = redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. fmt(now), '+inf')
for _, id in ipairs(live) do reserved = reserved + tonumber(redis.call('HGET', KEYS[4], id) or '0') end
local requests = tonumber(redis.call('HGET', KEYS[1], 'requests') or '0')
local last = tonumber(redis.call('HGET', KEYS[1], 'last_used_ms') or '0')
return {spent, reserved, requests, last}
)lua";

// KEYS: file version. ARGV: expected version, new JSON. A compare-and-set: 1 written, 0 changed meanwhile.
constexpr const char *kKeysPut = R"lua(
local v = tonumber(redis.call('GET', KEYS[2]) or '0')
if v ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('INCR', KEYS[2])
return 1
)lua";

// KEYS: models version. ARGV: ref reason wait1 wait2 wait3 wait4 (ms, the ladder after 1, 2, 3, 4+ failures).
// Returns {untilMs, failures}.
constexpr const char *kCooldownFail = R"lua(
local now = clock()
local cur = redis.call('HGET', KEYS[1], ARGV[1])
local failures = 1
if cur then
  local u, f = string.match(cur, '^(%d+) (%d+)')
  if u and tonumber(u) + 86400000 > now then failures = tonumber(f) + 1 end
end
local untilMs = now + tonumber(ARGV[2 + math.min(failures, 4)])
redis.call('HSET', KEYS[1], ARGV[1], fmt(untilMs) .. ' ' .. failures .. ' ' .. ARGV[2])
redis.call('INCR', KEYS[2])
return {untilMs, failures}
)lua";

// KEYS: models version. ARGV: ref. Returns how many entries went (0 or 1).
constexpr const char *kCooldownOk = R"lua(
local gone = redis.call('HDEL', KEYS[1], ARGV[1])
if gone == 1 then redis.call('INCR', KEYS[2]) end
return gone
)lua";

// KEYS: models version. Forgets every cooldown; returns how many there were.
constexpr const char *kCooldownClear = R"lua(
local n = redis.call('HLEN', KEYS[1])
if n > 0 then
  redis.call('DEL', KEYS[1])
  redis.call('INCR', KEYS[2])
end
return n
)lua";

// KEYS: sticky. ARGV: ttlMs. Returns {ref, provider, answers} and extends the record's life, or {} when none.
constexpr const char *kStickyGet = R"lua(
local r = redis.call('HMGET', KEYS[1], 'ref', 'provider', 'answers')
if not r[1] or not r[2] then return {} end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return {r[1], r[2], tonumber(r[3] or '0')}
)lua";

// KEYS: sticky. ARGV: ref provider cacheMissed(0/1) ttlMs. Returns {answers, warn(0/1)}.
constexpr const char *kStickyPut = R"lua(
redis.call('HSET', KEYS[1], 'ref', ARGV[1], 'provider', ARGV[2])
local answers = redis.call('HINCRBY', KEYS[1], 'answers', 1)
local warn = 0
if ARGV[3] == '1' and answers >= 2 and redis.call('HSETNX', KEYS[1], 'warned', '1') == 1 then warn = 1 end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {answers, warn}
)lua";

enum ScriptId { kAdmitScript, kSettleScript, kUsageScript, kKeysPutScript, kCooldownFailScript, kCooldownOkScript,
                kCooldownClearScript, kStickyGetScript, kStickyPutScript, kScriptCount };

struct Script {
    std::string text;
    std::string sha;
};

std::string sha1(const std::string &text) {
    Poco::SHA1Engine engine;
    engine.update(text);
    return Poco::DigestEngine::digestToHex(engine.digest());
}

int64_t steadyMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::string randomTag() {
    unsigned char bytes[4] = {};
    if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) {
        auto now = static_cast<uint32_t>(steadyMs());
        for (int i = 0; i < 4; ++i) bytes[i] = static_cast<unsigned char>(now >> (8 * i));
    }
    std::string tag;
    const char *hex = "0123456789abcdef";
    for (unsigned char byte : bytes) {
        tag += hex[byte >> 4];
        tag += hex[byte & 15];
    }
    return tag;
}

int64_t toNano(double usd) { return std::isfinite(usd) && usd > 0 ? std::llround(usd * 1e9) : 0; }
int64_t toNanoCeil(double usd) { return std::isfinite(usd) && usd > 0 ? static_cast<int64_t>(std::ceil(usd * 1e9)) : 0; }
double fromNano(int64_t nano) { return static_cast<double>(nano) / 1e9; }

struct Target {
    std::string host = "127.0.0.1";
    int port = 6379;
    std::string password;
    int db = 0;
    std::string display;  // redis://host:port/db, never the password
};

Target parseUrl(const std::string &url) {
    auto bad = [&](const std::string &why) {
        return config::ConfigError("state.redis.url: " + why + " (expected redis://[:password@]host[:port][/db], got '" +
                                   redisDisplayUrl(url) + "')");
    };
    Target target;
    Poco::URI uri;
    try {
        uri = Poco::URI(url);
    } catch (const Poco::Exception &error) {
        throw bad(error.message());
    }
    if (uri.getScheme() != "redis") throw bad("the scheme must be redis");
    if (uri.getHost().empty()) throw bad("no host");
    target.host = uri.getHost();
    if (uri.getPort() != 0) target.port = uri.getPort();
    std::string info = uri.getUserInfo();
    if (!info.empty()) target.password = info.find(':') == std::string::npos ? info : info.substr(info.find(':') + 1);
    std::string path = uri.getPath();
    if (!path.empty() && path != "/") {
        try {
            std::size_t used = 0;
            target.db = std::stoi(path.substr(1), &used);
            if (used != path.size() - 1 || target.db < 0) throw std::invalid_argument(path);
        } catch (const std::exception &) {
            throw bad("the path must be a database number");
        }
    }
    target.display = "redis://" + (target.host.find(':') != std::string::npos ? "[" + target.host + "]" : target.host) +
                     ":" + std::to_string(target.port) + "/" + std::to_string(target.db);
    return target;
}

// A Redis error reply (the command was wrong, not the connection): the connection stays usable.
struct ReplyError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace

std::string redisDisplayUrl(const std::string &url) {
    std::size_t scheme = url.find("://");
    std::size_t at = url.find('@');
    if (scheme == std::string::npos || at == std::string::npos || at < scheme) return url;
    return url.substr(0, scheme + 3) + "***" + url.substr(at);
}

struct RedisBackend::Impl {
    Options options;
    Target target;
    std::array<Script, kScriptCount> scripts;
    std::string tag = randomTag();  // names this process's reservations: "<tag>-<n>"
    std::atomic<uint64_t> nextReservation{1};

    // Connections and the breaker.
    std::mutex mutex;
    std::vector<std::unique_ptr<Client>> idle;
    uint64_t generation = 0;  // bumped when Redis is lost: older connections are not reused
    bool down = false;
    bool probing = false;
    int64_t retryAtMs = 0;  // steady clock
    int64_t backoffMs = 0;
    std::string why;
    std::string warnings;
    std::deque<std::array<std::string, 6>> replay;  // settles not written yet: keyId resid cost tokens today nowMs
    bool replaying = false;

    // Reservations this process holds: reservation -> key id. Those of the fallback ledger have kFallback set.
    static constexpr uint64_t kFallback = uint64_t{1} << 63;
    std::mutex reservationsMutex;
    std::unordered_map<uint64_t, std::string> reservations;
    std::unordered_map<std::string, int64_t> lastSpent;  // key id -> its period's spend as Redis last said (nano-USD)

    // onStateError "local": this instance's share of each limit, counted in memory while Redis is away.
    std::mutex fallbackMutex;
    std::unique_ptr<limits::Ledger> fallback;

    limits::Ledger &fallbackLedger() {
        std::lock_guard lock(fallbackMutex);
        if (!fallback) fallback = std::make_unique<limits::Ledger>(std::filesystem::path());
        return *fallback;
    }
    bool local() const { return options.onStateError == "local"; }

    // The keys as last read.
    std::mutex keysMutex;
    std::shared_ptr<const keys::KeySet> keySet;
    int64_t keysVersion = -1;  // -1: never read
    std::atomic<int64_t> cooldownsSeen{-1};
    int64_t cooldownsApplied = -1;

    std::string key(const std::string &tagged, const char *suffix) const {
        return options.keyPrefix + "{" + tagged + "}:" + suffix;
    }

    std::string unavailableMessage(const std::string &reason) const {
        return "the gateway cannot reach its shared state (" + target.display + "): " + reason +
               (local() ? "" : "; refusing rather than risking over-admission (state.onStateError: reject)");
    }

    std::unique_ptr<Client> connect() {
        auto client = std::make_unique<Client>();
        client->connect(target.host, target.port, Poco::Timespan(0, options.connectTimeoutMs * 1000L));
        client->setReceiveTimeout(Poco::Timespan(0, options.commandTimeoutMs * 1000L));
        if (!target.password.empty()) {
            Poco::Redis::Command auth("AUTH");
            auth << target.password;
            client->execute<std::string>(auth);
        }
        if (target.db != 0) {
            Poco::Redis::Command select("SELECT");
            select << std::to_string(target.db);
            client->execute<std::string>(select);
        }
        return client;
    }

    // Redis was lost: no connection is reused, and requests are refused at once until the backoff ends.
    void lost(const std::string &reason) {
        std::lock_guard lock(mutex);
        ++generation;
        idle.clear();
        if (!down) {
            down = true;
            backoffMs = 100;
            warnings += "warning: state backend " + target.display + " unreachable (" + reason + "): " +
                        (local() ? "admitting with per-instance limits (1/" + std::to_string(std::max(1, options.instances)) +
                                       " of each key's) until it is back (state.onStateError: local)\n"
                                 : "refusing keyed requests until it is back (state.onStateError: reject)\n");
        } else {
            backoffMs = std::min<int64_t>(backoffMs * 2, 2000);
        }
        probing = false;
        retryAtMs = steadyMs() + backoffMs;
        why = reason;
    }

    // Runs `body` on a connection. A connection from the pool that fails is dropped and the body tried once more on
    // a fresh one (Redis may have restarted since it was last used); a fresh one that fails opens the breaker.
    // Throws Unavailable.
    void run(const std::function<void(Client &)> &body) {
        for (int attempt = 0; attempt < 2; ++attempt) {
            std::unique_ptr<Client> client;
            uint64_t seen = 0;
            bool wasProbe = false;
            {
                std::lock_guard lock(mutex);
                if (down) {
                    int64_t now = steadyMs();
                    if (probing || now < retryAtMs) {
                        throw Unavailable("state_unavailable", unavailableMessage(why),
                                          std::max<int64_t>(1000, retryAtMs - now));
                    }
                    probing = true;
                    wasProbe = true;
                }
                seen = generation;
                if (!idle.empty()) {
                    client = std::move(idle.back());
                    idle.pop_back();
                }
            }
            bool reused = client != nullptr;
            std::string failure;
            try {
                if (!client) client = connect();
                body(*client);
                std::lock_guard lock(mutex);
                if (wasProbe || down) {
                    if (down) warnings += "state backend " + target.display + " is back\n";
                    down = false;
                    probing = false;
                    backoffMs = 0;
                }
                if (seen == generation && idle.size() < 64) idle.push_back(std::move(client));
                return;
            } catch (const ReplyError &error) {
                std::lock_guard lock(mutex);
                if (wasProbe) probing = false;
                if (seen == generation && idle.size() < 64) idle.push_back(std::move(client));
                throw Unavailable("state_unavailable", unavailableMessage(error.what()), 1000);
            } catch (const Poco::Exception &error) {
                failure = error.displayText();
            } catch (const std::exception &error) {
                failure = error.what();
            }
            client.reset();
            if (reused && !wasProbe) {
                std::lock_guard lock(mutex);
                if (seen == generation) {
                    ++generation;
                    idle.clear();
                }
                continue;
            }
            lost(failure);
            throw Unavailable("state_unavailable", unavailableMessage(failure), 1000);
        }
        lost("lost the connection twice");
        throw Unavailable("state_unavailable", unavailableMessage("lost the connection twice"), 1000);
    }

    // EVALSHA, loading the script when Redis does not know it (restarted, flushed). Error replies become ReplyError.
    template <typename T>
    T eval(Client &client, ScriptId id, const std::vector<std::string> &keys, const std::vector<std::string> &args) {
        for (int attempt = 0;; ++attempt) {
            Poco::Redis::Command command("EVALSHA");
            command << scripts[id].sha << std::to_string(keys.size());
            for (const auto &key : keys) command << key;
            for (const auto &arg : args) command << arg;
            try {
                return client.execute<T>(command);
            } catch (const Poco::Redis::RedisException &error) {
                if (!client.isConnected()) throw;
                if (attempt == 0 && error.message().rfind("NOSCRIPT", 0) == 0) {
                    Poco::Redis::Command load("SCRIPT");
                    load << "LOAD" << scripts[id].text;
                    client.execute<Poco::Redis::BulkString>(load);
                    continue;
                }
                throw ReplyError("redis refused a script: " + error.message());
            }
        }
    }

    std::vector<std::string> accountKeys(const std::string &keyId) const {
        return {key(keyId, "acct"), key(keyId, "spend"), key(keyId, "res"), key(keyId, "resamt"), key(keyId, "rpm"),
                key(keyId, "tpm"), key(keyId, "done")};
    }

    void writeSettle(Client &client, const std::array<std::string, 6> &s) {
        std::vector<std::string> all = accountKeys(s[0]);
        eval<Poco::Int64>(client, kSettleScript, {all[0], all[1], all[2], all[3], all[5], all[6]},
                          {s[1], s[2], s[3], s[4], s[5]});
    }

    // Writes the settles kept while Redis was away; one thread at a time, the others go on.
    void replayPending() {
        std::deque<std::array<std::string, 6>> pending;
        {
            std::lock_guard lock(mutex);
            if (replaying || replay.empty() || down) return;
            replaying = true;
            pending.swap(replay);
        }
        std::size_t written = 0;
        try {
            run([&](Client &client) {
                while (!pending.empty()) {
                    writeSettle(client, pending.front());
                    pending.pop_front();
                    ++written;
                }
            });
        } catch (const std::exception &) {
        }
        std::lock_guard lock(mutex);
        replaying = false;
        for (auto it = pending.rbegin(); it != pending.rend(); ++it) replay.push_front(*it);
        if (written > 0) {
            warnings += "state backend " + target.display + ": wrote " + std::to_string(written) +
                        " settled request(s) kept while it was unreachable\n";
        }
    }

    static int64_t integer(const Poco::Redis::Array &reply, std::size_t at) { return reply.get<Poco::Int64>(at); }

    // GET of a counter: 0 when absent.
    static int64_t counter(const Poco::Redis::Array &replies, std::size_t at) {
        if (replies.getType(at) != Poco::Redis::RedisTypeTraits<Poco::Redis::BulkString>::TypeId) return 0;
        Poco::Redis::BulkString value = replies.get<Poco::Redis::BulkString>(at);
        return value.isNull() ? 0 : std::stoll(value.value());
    }
};

RedisBackend::RedisBackend(const Options &options) : impl_(std::make_unique<Impl>()) {
    impl_->options = options;
    impl_->target = parseUrl(options.redisUrl);
    const char *texts[kScriptCount] = {kAdmit,        kSettle,      kUsage,         kKeysPut,   kCooldownFail,
                                       kCooldownOk,   kCooldownClear, kStickyGet, kStickyPut};
    for (int i = 0; i < kScriptCount; ++i) {
        impl_->scripts[static_cast<std::size_t>(i)].text = std::string(kPrelude) + texts[i];
        impl_->scripts[static_cast<std::size_t>(i)].sha = sha1(impl_->scripts[static_cast<std::size_t>(i)].text);
    }
}

RedisBackend::~RedisBackend() = default;

std::shared_ptr<const keys::KeySet> RedisBackend::keys() {
    Impl &impl = *impl_;
    const std::string versionKey = impl.key("keys", "version");
    const std::string cooldownsKey = impl.key("cooldowns", "version");
    int64_t version = 0;
    try {
        impl.run([&](Client &client) {
            // One round trip: the keys' and the cooldowns' change counters.
            std::vector<Poco::Redis::Array> commands;
            commands.push_back(Poco::Redis::Command::get(versionKey));
            commands.push_back(Poco::Redis::Command::get(cooldownsKey));
            Poco::Redis::Array replies = client.sendCommands(commands);
            version = Impl::counter(replies, 0);
            impl.cooldownsSeen = Impl::counter(replies, 1);
        });
    } catch (const Unavailable &) {
        // The last good keys while Redis is away. None known (never read, or an empty set that may since have got
        // keys): refuse rather than let everyone in.
        std::lock_guard lock(impl.keysMutex);
        if (impl.keysVersion >= 0 && impl.keySet && !impl.keySet->keys.empty()) return impl.keySet;
        throw;
    }
    {
        std::lock_guard lock(impl.keysMutex);
        if (version == impl.keysVersion) return impl.keySet;
        if (version == 0 && impl.keysVersion > 0) {
            // The counter is gone: Redis lost its data (restarted without persistence). An empty key set would open
            // the gateway to anyone; keep the keys read before.
            std::lock_guard warn(impl.mutex);
            if (impl.warnings.find("lost the gateway keys") == std::string::npos) {
                impl.warnings += "warning: state backend " + impl.target.display +
                                 " lost the gateway keys (restarted without persistence?); keeping the keys read "
                                 "before; run 'moltbot keys import' or create them again\n";
            }
            return impl.keySet;
        }
    }
    try {
        auto fresh = std::make_shared<keys::KeySet>();
        fresh->keys = loadKeys();
        std::lock_guard lock(impl.keysMutex);
        impl.keySet = std::move(fresh);
        impl.keysVersion = version;
        return impl.keySet;
    } catch (const config::ConfigError &error) {
        std::lock_guard lock(impl.keysMutex);
        if (impl.keysVersion < 0) throw Unavailable("state_unavailable", error.what(), 1000);
        std::lock_guard warn(impl.mutex);
        impl.warnings += std::string("warning: ") + error.what() + "; keeping the keys read before\n";
        impl.keysVersion = version;
        return impl.keySet;
    } catch (const Unavailable &) {
        std::lock_guard lock(impl.keysMutex);
        if (impl.keysVersion >= 0 && impl.keySet && !impl.keySet->keys.empty()) return impl.keySet;
        throw;
    }
}

std::vector<keys::GatewayKey> RedisBackend::loadKeys() {
    Impl &impl = *impl_;
    std::optional<std::string> text;
    impl.run([&](Client &client) {
        Poco::Redis::BulkString value = client.execute<Poco::Redis::BulkString>(
            Poco::Redis::Command::get(impl.key("keys", "file")));
        if (!value.isNull()) text = value.value();
    });
    if (!text) return {};
    return keys::parseKeys(*text, impl.target.display + " " + impl.key("keys", "file"), false);
}

void RedisBackend::editKeys(const std::function<bool(std::vector<keys::GatewayKey> &)> &change) {
    Impl &impl = *impl_;
    const std::string fileKey = impl.key("keys", "file"), versionKey = impl.key("keys", "version");
    for (int attempt = 0; attempt < 50; ++attempt) {
        if (attempt > 0) {
            // Another edit landed first: read again after a short random pause, so that racing editors spread out.
            unsigned char pause = 0;
            if (::getrandom(&pause, 1, 0) != 1) pause = static_cast<unsigned char>(attempt * 37);
            std::this_thread::sleep_for(std::chrono::milliseconds(1 + pause % (2 * std::min(attempt, 10))));
        }
        std::optional<std::string> text;
        int64_t version = 0;
        impl.run([&](Client &client) {
            Poco::Redis::Command both("MGET");
            both << fileKey << versionKey;
            Poco::Redis::Array replies = client.execute<Poco::Redis::Array>(both);
            Poco::Redis::BulkString file = replies.get<Poco::Redis::BulkString>(0);
            if (!file.isNull()) text = file.value();
            version = Impl::counter(replies, 1);
        });
        std::vector<keys::GatewayKey> list;
        if (text) list = keys::parseKeys(*text, impl.target.display + " " + fileKey, false);
        if (!change(list)) return;
        std::string json = keys::serializeKeys(list);
        int64_t written = 0;
        impl.run([&](Client &client) {
            written = impl.eval<Poco::Int64>(client, kKeysPutScript, {fileKey, versionKey},
                                             {std::to_string(version), json});
        });
        if (written == 1) return;
    }
    throw Unavailable("state_unavailable",
                      "the gateway keys in " + impl.target.display + " kept changing under this command; try again", 0);
}

std::string RedisBackend::keysLocation() const { return impl_->target.display + " " + impl_->key("keys", "file"); }

limits::Admission RedisBackend::admit(const std::string &keyId, const limits::Limits &limits, double worstCaseUsd,
                                      int64_t nowMs) {
    Impl &impl = *impl_;
    impl.replayPending();
    uint64_t reservation = impl.nextReservation++;
    std::string resid = impl.tag + "-" + std::to_string(reservation);
    int64_t today = limits::utcDay(nowMs);
    int64_t worst = toNanoCeil(worstCaseUsd);
    std::vector<std::string> all = impl.accountKeys(keyId);
    std::vector<std::string> args = {
        resid,
        std::to_string(worst),
        limits.budgetUsd ? std::to_string(toNano(*limits.budgetUsd)) : "-1",
        std::to_string(limits::periodStartDay(limits.period, today)),
        std::to_string(today),
        limits.period == limits::Period::Total ? "1" : "0",
        limits.rpm ? std::to_string(*limits.rpm) : "-1",
        limits.tpm ? std::to_string(*limits.tpm) : "-1",
        std::to_string(impl.options.reservationTtlMs),
    };
    std::optional<Poco::Redis::Array> answer;
    try {
        impl.run([&](Client &client) {
            answer.emplace(impl.eval<Poco::Redis::Array>(client, kAdmitScript, {all.begin(), all.begin() + 6}, args));
        });
    } catch (const Unavailable &) {
        if (!impl.local()) throw;
        // This instance's share: the budget left when Redis was last seen, and the rate limits, divided by the
        // number of instances.
        int64_t share = std::max(1, impl.options.instances);
        limits::Limits mine = limits;
        if (limits.budgetUsd) {
            int64_t spent = 0;
            {
                std::lock_guard lock(impl.reservationsMutex);
                if (auto seen = impl.lastSpent.find(keyId); seen != impl.lastSpent.end()) spent = seen->second;
            }
            mine.budgetUsd = std::max(0.0, *limits.budgetUsd - fromNano(spent)) / static_cast<double>(share);
        }
        if (limits.rpm) mine.rpm = std::max<int64_t>(1, *limits.rpm / share);
        if (limits.tpm) mine.tpm = std::max<int64_t>(1, *limits.tpm / share);
        limits::Admission admission = impl.fallbackLedger().admit(keyId, mine, worstCaseUsd, nowMs);
        if (admission.admitted) {
            admission.reservation |= Impl::kFallback;
            std::lock_guard lock(impl.reservationsMutex);
            impl.reservations.emplace(admission.reservation, keyId);
        }
        return admission;
    }
    const Poco::Redis::Array &reply = *answer;
    limits::Admission admission;
    int64_t used = Impl::integer(reply, 2), resetRequests = Impl::integer(reply, 3);
    int64_t windowTokens = Impl::integer(reply, 4), resetTokens = Impl::integer(reply, 5);
    limits::RateFigures &rate = admission.rate;
    if (limits.rpm) {
        rate.limitRequests = *limits.rpm;
        rate.remainingRequests = std::max<int64_t>(0, *limits.rpm - used);
        rate.resetRequestsMs = resetRequests;
    }
    if (limits.tpm) {
        rate.limitTokens = *limits.tpm;
        rate.remainingTokens = std::max<int64_t>(0, *limits.tpm - windowTokens);
        rate.resetTokensMs = resetTokens;
    }
    bool admitted = Impl::integer(reply, 0) == 1;
    admission.code = reply.get<Poco::Redis::BulkString>(1).value();
    if (limits.budgetUsd && (admitted || admission.code == "budget_exceeded")) {
        std::lock_guard lock(impl.reservationsMutex);
        impl.lastSpent[keyId] = Impl::integer(reply, 6);
    }
    if (admitted) {
        admission.admitted = true;
        admission.code.clear();
        admission.reservation = reservation;
        std::lock_guard lock(impl.reservationsMutex);
        impl.reservations.emplace(reservation, keyId);
        return admission;
    }
    if (admission.code == "rate_limit_requests") {
        admission.retryAfterMs = resetRequests;
        admission.message = limits::rateLimitMessage(*limits.rpm, "requests", resetRequests);
    } else if (admission.code == "rate_limit_tokens") {
        admission.retryAfterMs = resetTokens;
        admission.message = limits::rateLimitMessage(*limits.tpm, "tokens", resetTokens);
    } else {
        admission.message = limits::budgetMessage(limits, fromNano(Impl::integer(reply, 6)),
                                                  fromNano(Impl::integer(reply, 7)), worstCaseUsd);
    }
    return admission;
}

void RedisBackend::settle(uint64_t reservation, double costUsd, int64_t tokens, int64_t nowMs) noexcept {
    Impl &impl = *impl_;
    try {
        std::string keyId;
        {
            std::lock_guard lock(impl.reservationsMutex);
            auto found = impl.reservations.find(reservation);
            if (found == impl.reservations.end()) return;  // settled already: never count twice
            keyId = std::move(found->second);
            impl.reservations.erase(found);
        }
        bool fallback = (reservation & Impl::kFallback) != 0;
        if (fallback) impl.fallbackLedger().settle(reservation & ~Impl::kFallback, costUsd, tokens, nowMs);
        // A fallback admission has no reservation in Redis: its settle only adds the spend, under an id of its own.
        std::array<std::string, 6> entry = {keyId,
                                            impl.tag + (fallback ? "-f" : "-") +
                                                std::to_string(reservation & ~Impl::kFallback),
                                            std::to_string(toNano(costUsd)),
                                            std::to_string(std::max<int64_t>(0, tokens)),
                                            std::to_string(limits::utcDay(nowMs)),
                                            std::to_string(nowMs)};
        try {
            impl.run([&](Client &client) { impl.writeSettle(client, entry); });
        } catch (const Unavailable &) {
            std::lock_guard lock(impl.mutex);
            if (impl.replay.size() < 100'000) {
                impl.replay.push_back(std::move(entry));
            } else if (impl.warnings.find("settles lost") == std::string::npos) {
                impl.warnings += "warning: state backend " + impl.target.display +
                                 " unreachable for too long: settles lost (their reservations expire)\n";
            }
        }
    } catch (...) {
        // Out of memory: the reservation expires on its own.
    }
}

std::map<std::string, limits::KeyUsage> RedisBackend::usage(const std::map<std::string, limits::Period> &periods,
                                                            int64_t nowMs) {
    Impl &impl = *impl_;
    std::map<std::string, limits::KeyUsage> out;
    int64_t today = limits::utcDay(nowMs);
    impl.run([&](Client &client) {
        for (const auto &[keyId, period] : periods) {
            std::vector<std::string> all = impl.accountKeys(keyId);
            Poco::Redis::Array reply = impl.eval<Poco::Redis::Array>(
                client, kUsageScript, {all[0], all[1], all[2], all[3]},
                {std::to_string(limits::periodStartDay(period, today)), std::to_string(today),
                 period == limits::Period::Total ? "1" : "0"});
            limits::KeyUsage &usage = out[keyId];
            usage.spentUsd = fromNano(Impl::integer(reply, 0));
            usage.reservedUsd = fromNano(Impl::integer(reply, 1));
            usage.requests = Impl::integer(reply, 2);
            usage.lastUsedMs = Impl::integer(reply, 3);
        }
    });
    return out;
}

std::optional<pipeline::Cooldown> RedisBackend::recordFailure(const std::string &ref, int64_t retryAfterMs,
                                                              const std::string &reason) noexcept {
    Impl &impl = *impl_;
    try {
        std::vector<std::string> args = {ref, reason.empty() ? "failed" : reason};
        for (int failures = 1; failures <= 4; ++failures) {
            args.push_back(std::to_string(pipeline::Cooldowns::waitMs(failures, retryAfterMs)));
        }
        pipeline::Cooldown shared;
        impl.run([&](Client &client) {
            Poco::Redis::Array reply = impl.eval<Poco::Redis::Array>(
                client, kCooldownFailScript, {impl.key("cooldowns", "models"), impl.key("cooldowns", "version")}, args);
            shared.untilMs = Impl::integer(reply, 0);
            shared.failures = static_cast<int>(Impl::integer(reply, 1));
        });
        shared.reason = args[1];
        return shared;
    } catch (...) {
        return std::nullopt;  // the local cooldown stands
    }
}

void RedisBackend::recordSuccess(const std::string &ref) noexcept {
    Impl &impl = *impl_;
    try {
        impl.run([&](Client &client) {
            impl.eval<Poco::Int64>(client, kCooldownOkScript,
                                   {impl.key("cooldowns", "models"), impl.key("cooldowns", "version")}, {ref});
        });
    } catch (...) {
    }
}

std::optional<std::map<std::string, pipeline::Cooldown>> RedisBackend::changedCooldowns() noexcept {
    Impl &impl = *impl_;
    try {
        int64_t seen = impl.cooldownsSeen.load();
        {
            std::lock_guard lock(impl.keysMutex);
            // 0: no instance ever shared a cooldown, so there is nothing to replace the local table with.
            if (seen <= 0 || seen == impl.cooldownsApplied) return std::nullopt;
        }
        std::map<std::string, pipeline::Cooldown> table = *sharedCooldowns();
        std::lock_guard lock(impl.keysMutex);
        impl.cooldownsApplied = seen;
        return table;
    } catch (...) {
        return std::nullopt;
    }
}

std::optional<std::map<std::string, pipeline::Cooldown>> RedisBackend::sharedCooldowns() {
    Impl &impl = *impl_;
    std::map<std::string, pipeline::Cooldown> table;
    impl.run([&](Client &client) {
        Poco::Redis::Command all("HGETALL");
        all << impl.key("cooldowns", "models");
        Poco::Redis::Array reply = client.execute<Poco::Redis::Array>(all);
        for (std::size_t i = 0; !reply.isNull() && i + 1 < reply.size(); i += 2) {
            pipeline::Cooldown entry;
            std::istringstream fields(reply.get<Poco::Redis::BulkString>(i + 1).value());
            if (!(fields >> entry.untilMs >> entry.failures >> entry.reason)) continue;
            table[reply.get<Poco::Redis::BulkString>(i).value()] = std::move(entry);
        }
    });
    return table;
}

std::size_t RedisBackend::clearSharedCooldowns(const std::optional<std::string> &ref) {
    Impl &impl = *impl_;
    Poco::Int64 cleared = 0;
    std::vector<std::string> keys = {impl.key("cooldowns", "models"), impl.key("cooldowns", "version")};
    impl.run([&](Client &client) {
        cleared = ref ? impl.eval<Poco::Int64>(client, kCooldownOkScript, keys, {*ref})
                      : impl.eval<Poco::Int64>(client, kCooldownClearScript, keys, {});
    });
    return static_cast<std::size_t>(std::max<Poco::Int64>(0, cleared));
}

std::optional<StickyRecord> RedisBackend::stickyRecord(const std::string &session, int64_t ttlMs) {
    Impl &impl = *impl_;
    std::optional<StickyRecord> record;
    impl.run([&](Client &client) {
        Poco::Redis::Array reply = impl.eval<Poco::Redis::Array>(client, kStickyGetScript,
                                                                 {impl.key("s:" + session, "sticky")},
                                                                 {std::to_string(std::max<int64_t>(1, ttlMs))});
        if (reply.isNull() || reply.size() < 3) return;
        record.emplace();
        record->ref = reply.get<Poco::Redis::BulkString>(0).value();
        record->provider = reply.get<Poco::Redis::BulkString>(1).value();
        record->answers = Impl::integer(reply, 2);
    });
    return record;
}

StickyAfter RedisBackend::recordSticky(const std::string &session, const StickyRecord &served, bool cacheMissed,
                                       int64_t ttlMs) {
    Impl &impl = *impl_;
    StickyAfter after;
    impl.run([&](Client &client) {
        Poco::Redis::Array reply = impl.eval<Poco::Redis::Array>(
            client, kStickyPutScript, {impl.key("s:" + session, "sticky")},
            {served.ref, served.provider, cacheMissed ? "1" : "0", std::to_string(std::max<int64_t>(1, ttlMs))});
        after.answers = Impl::integer(reply, 0);
        after.warn = Impl::integer(reply, 1) == 1;
    });
    return after;
}

Health RedisBackend::health() {
    Impl &impl = *impl_;
    Health health{"redis", true, impl.target.display + " (onStateError: " + impl.options.onStateError + ")"};
    try {
        impl.run([&](Client &client) {
            Poco::Redis::Command ping("PING");
            client.execute<std::string>(ping);
        });
        impl.replayPending();
    } catch (const Unavailable &) {
        health.up = false;
        std::lock_guard lock(impl.mutex);
        health.detail = impl.target.display + ": " + impl.why + " (onStateError: " + impl.options.onStateError + ")";
    }
    return health;
}

std::string RedisBackend::takeWarnings() {
    std::lock_guard lock(impl_->mutex);
    return std::exchange(impl_->warnings, std::string());
}

}  // namespace moltbot::state
