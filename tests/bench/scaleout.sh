#!/usr/bin/env bash
# The scale-out benchmark (issue 13): what the Redis state backend adds to a keyed request, and requests per second
# through HAProxy with one, two and three `moltbot serve` instances sharing one Redis, beside one instance without
# HAProxy. Every instance asks the same fixed upstream (nginx answering from memory, tests/bench/gateway/), with a
# gateway key (budget, rpm, tpm far above what the run spends) so that every request is admitted and settled through
# the state backend. wrk is the load; HAProxy runs docs/examples/deploy/haproxy.cfg with loopback addresses.
# Prints one markdown table; a missed budget is reported, never an error. Exits non-zero only when something could
# not run.
#
#   tests/bench/scaleout.sh [--output FILE]
#
# Environment: MOLTBOT_BIN (default build-bench/host/moltbot, else build/host/moltbot), BENCH_SECONDS (one wrk run,
# default 5), BENCH_ROUNDS (default 3; the set-ups take turns run by run, figures are medians), BENCH_CONNECTIONS
# (for requests per second, default 32). On a 2-core machine with the upstream, Redis and wrk beside the instances,
# more instances cannot be faster: the figures are there to catch a regression (a Redis round trip per chunk, say).
set -euo pipefail
cd "$(dirname "$0")/../.."
bench=scaleout.sh
source tests/bench/lib.sh

seconds=${BENCH_SECONDS:-5}
rounds=${BENCH_ROUNDS:-3}
connections=${BENCH_CONNECTIONS:-32}
output=""
while [ $# -gt 0 ]; do
  case $1 in
    --output) output=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1" ;;
  esac
done
if [ -z "${MOLTBOT_BIN:-}" ]; then
  MOLTBOT_BIN=$bench_root/build-bench/host/moltbot
  [ -x "$MOLTBOT_BIN" ] || MOLTBOT_BIN=$bench_root/build/host/moltbot
fi
for tool in nginx wrk python3 curl redis-server redis-cli haproxy; do
  command -v "$tool" >/dev/null || die "$tool is missing; run scripts/install-deps.sh and scripts/install-bench-deps.sh"
done
[ -f /usr/lib/nginx/modules/ngx_http_echo_module.so ] || die "nginx's echo module is missing; run scripts/install-bench-deps.sh"
key=sk-or-v1-bench0000bench0000bench0000bench0000bench0000bench0000bench0000
body='{"model":"openrouter/openai/gpt-4o-mini","messages":[{"role":"user","content":"Say hello."}]}'

start_fixed_upstream 1

# ---- Redis ----
redis_port=$(free_port)
mkdir -p "$work/redis"
redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$work/redis" --save "" --appendonly no \
  >"$work/redis/log" 2>&1 &
servers+=("$!")
for ((i = 0; i < 100; i++)); do
  redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break
  sleep 0.1
done
redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG || die "redis-server did not start: $(cat "$work/redis/log")"

# ---- the instances ----
declare -A port pid secret
# start_instance NAME BACKEND: a moltbot serve with its own state folder and a key made there (local) or in Redis.
start_instance() {
  local dir=$work/$1 state=""
  mkdir -p "$dir"
  if [ "$2" = redis ]; then
    state="\"state\": {\"backend\": \"redis\", \"redis\": {\"url\": \"redis://127.0.0.1:$redis_port/0\", \"keyPrefix\": \"bench:\"}},"
  fi
  printf '{\n  %s\n  "gateway": {"maxConcurrent": 512}\n}\n' "$state" >"$dir/moltbot.json"
  # One key in Redis for every instance there (made once); a key of its own for the local one.
  if [ "$2" = local ] || [ -z "${secret[redis]:-}" ]; then
    secret[$2]=$(MOLTBOT_STATE_DIR=$dir "$MOLTBOT_BIN" keys create --name "bench-$1" --budget 1000000 \
      --rpm 100000000 --tpm 100000000000 --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["key"])') ||
      die "moltbot keys create failed for $1"
  fi
  MOLTBOT_STATE_DIR=$dir OPENROUTER_BASE_URL=http://127.0.0.1:$up_fast/api/v1 OPENROUTER_API_KEY=$key \
    "$MOLTBOT_BIN" serve --port 0 >"$dir/stdout.log" 2>"$dir/stderr.log" &
  pid[$1]=$!
  servers+=("${pid[$1]}")
  port[$1]=$(serve_port "$dir/stderr.log" "${pid[$1]}")
  [ -n "${port[$1]}" ] || die "moltbot serve ($1) did not start: $(tail -5 "$dir/stderr.log")"
}
start_instance local local
for name in r1 r2 r3; do start_instance "$name" redis; done

# start_haproxy NAME INSTANCE...: the docs' example in front of the instances named.
start_haproxy() {
  local name=$1 dir=$work/$1 servers_text="" i=0
  shift
  mkdir -p "$dir"
  port[$name]=$(free_port)
  for instance in "$@"; do
    servers_text+="    server g$i 127.0.0.1:${port[$instance]}\n"
    i=$((i + 1))
  done
  python3 - "$bench_root/docs/examples/deploy/haproxy.cfg" "$dir/haproxy.cfg" "${port[$name]}" "$servers_text" <<'PY'
import sys
example, out, port, servers = sys.argv[1:]
text = open(example).read()
fixed = "    server a 10.0.0.11:4000\n    server b 10.0.0.12:4000\n    server c 10.0.0.13:4000\n"
for old, new in (("bind :4000", "bind 127.0.0.1:" + port), (fixed, servers.replace("\\n", "\n"))):
    assert old in text, "docs/examples/deploy/haproxy.cfg no longer has " + repr(old)
    text = text.replace(old, new)
open(out, "w").write(text)
PY
  haproxy -db -f "$dir/haproxy.cfg" >"$dir/log" 2>&1 &
  pid[$name]=$!
  servers+=("${pid[$name]}")
  wait_http "http://127.0.0.1:${port[$name]}/ready" "${pid[$name]}" || die "haproxy ($name) did not start: $(cat "$dir/log")"
}
start_haproxy ha1 r1
start_haproxy ha2 r1 r2
start_haproxy ha3 r1 r2 r3

check() {  # check SETUP KEY: one correct answer, else the script stops
  local answer
  answer=$(curl -s -m 10 -X POST "http://127.0.0.1:${port[$1]}/v1/chat/completions" -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $2" --data-binary "$body") || true
  case $answer in *'"chat.completion"'*Hello*) ;; *) die "$1 answered wrongly: ${answer:0:300}" ;; esac
}
check local "${secret[local]}"
for setup in r1 ha1 ha2 ha3; do check "$setup" "${secret[redis]}"; done

# ---- measurements, the set-ups taking turns ----
declare -A lat50 rps bad
figures() {  # figures SETUP KEY CONNECTIONS THREADS
  wrk_figures "http://127.0.0.1:${port[$1]}/v1/chat/completions" "$body" "Authorization: Bearer $2" "$3" "$4" "$seconds"
}
for setup in local r1 ha1 ha2 ha3; do  # warm up: pools, catalogs, Lua scripts loaded
  k=${secret[redis]}; [ "$setup" = local ] && k=${secret[local]}
  figures "$setup" "$k" 8 2 >/dev/null
done
for ((round = 1; round <= rounds; round++)); do
  log "round $round of $rounds"
  for setup in local r1; do
    k=${secret[redis]}; [ "$setup" = local ] && k=${secret[local]}
    read -r r p50 p99 b < <(figures "$setup" "$k" 1 1)
    lat50[$setup]+=" $p50"; bad[$setup]=$((${bad[$setup]:-0} + b))
  done
  for setup in r1 ha1 ha2 ha3; do
    read -r r p50 p99 b < <(figures "$setup" "${secret[redis]}" "$connections" 2)
    rps[$setup]+=" $r"; bad[$setup]=$((${bad[$setup]:-0} + b))
  done
done

python3 - "$output" "$rounds" "$seconds" "$connections" <<EOF
import statistics, sys
output, rounds, seconds, connections = sys.argv[1:]
def med(s): return statistics.median([float(x) for x in s.split()]) if s.strip() else float("nan")
local50, redis50 = med("${lat50[local]}"), med("${lat50[r1]}")
added = redis50 - local50
rows = [
    ("1 connection: p50, local state backend", f"{local50:.3f} ms", "", ""),
    ("1 connection: p50, Redis state backend", f"{redis50:.3f} ms", "", ""),
    ("1 connection: p50 added by Redis", f"{added:+.3f} ms", "<= 0.3 ms", "within budget" if added <= 0.3 else "OVER BUDGET"),
    (f"{connections} connections: requests/s, one instance (Redis), no balancer", f"{med('${rps[r1]}'):.0f}", "", ""),
    (f"{connections} connections: requests/s, HAProxy + 1 instance", f"{med('${rps[ha1]}'):.0f}", "", ""),
    (f"{connections} connections: requests/s, HAProxy + 2 instances", f"{med('${rps[ha2]}'):.0f}", "", ""),
    (f"{connections} connections: requests/s, HAProxy + 3 instances", f"{med('${rps[ha3]}'):.0f}", "", ""),
    ("failed requests (non-2xx, socket errors)", str(${bad[local]:-0} + ${bad[r1]:-0} + ${bad[ha1]:-0} + ${bad[ha2]:-0} + ${bad[ha3]:-0}), "0", ""),
]
lines = ["| figure | moltbot | budget | |", "|---|---|---|---|"] + ["| " + " | ".join(r) + " |" for r in rows]
note = (f"\n{rounds} rounds of {seconds} s per wrk run, set-ups taking turns; medians. Every request carries a gateway "
        "key, so it is admitted and settled through the state backend (three Redis round trips with Redis).\n")
text = "\n".join(lines) + "\n" + note
sys.stdout.write(text)
if output:
    open(output, "w").write(text)
EOF
