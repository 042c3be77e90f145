#!/usr/bin/env bash
# The gateway benchmark: `moltbot serve` side by side with nginx proxy_pass (the floor) and the Portkey gateway, all in
# front of one fixed upstream (nginx answering an OpenRouter-shaped API from memory, tests/bench/gateway/), with wrk as
# the load tool. Prints one markdown table of figures with the budgets of issue 11 beside moltbot's; a missed budget is
# reported, never an error. Exits non-zero only when something could not run (a tool missing, a server that did not
# start or answered wrongly).
#
#   tests/bench/gateway.sh [--peers nginx,moltbot,moltbot-keys,portkey] [--output FILE]
#
# moltbot runs twice: as issue 11 measured it (no keys, no request log) and as moltbot-keys (a gateway key with a
# budget, rpm and tpm, and the request log on), for issue 12's budget: >= 90 % of the throughput, <= 0.1 ms added p50.
#
# Environment: MOLTBOT_BIN (default build-bench/host/moltbot, else build/host/moltbot), BENCH_SECONDS (one wrk run,
# default 5), BENCH_ROUNDS (default 3; the peers take turns run by run, figures are medians), BENCH_STREAMS (default
# 1000), BENCH_TTFT_COUNT (streamed requests per peer for the time to first token, default 200).
# Install what it needs with scripts/install-bench-deps.sh. Every server it starts listens on a free port of 127.0.0.1
# and is stopped by PID when the script exits, however it exits.
set -euo pipefail
cd "$(dirname "$0")/../.."
bench=gateway.sh
source tests/bench/lib.sh
root=$bench_root
here=$bench_here

seconds=${BENCH_SECONDS:-5}
rounds=${BENCH_ROUNDS:-3}
streams=${BENCH_STREAMS:-1000}
ttft_count=${BENCH_TTFT_COUNT:-200}
fixed_requests=10000
slow_seconds=40       # how long the slow upstream holds each stream open
hold_seconds=10       # how long wrk holds the open streams
peers_arg=nginx,moltbot,moltbot-keys,portkey
output=""
while [ $# -gt 0 ]; do
  case $1 in
    --peers) peers_arg=$2; shift 2 ;;
    --output) output=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "gateway.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
IFS=, read -r -a peers <<<"$peers_arg"
for peer in "${peers[@]}"; do
  case $peer in nginx|moltbot|moltbot-keys|portkey) ;; *) echo "gateway.sh: unknown peer $peer" >&2; exit 2 ;; esac
done

if [ -z "${MOLTBOT_BIN:-}" ]; then
  MOLTBOT_BIN=$root/build-bench/host/moltbot
  [ -x "$MOLTBOT_BIN" ] || MOLTBOT_BIN=$root/build/host/moltbot
fi
portkey_main=$here/node/node_modules/@portkey-ai/gateway/build/start-server.js
key=sk-or-v1-bench0000bench0000bench0000bench0000bench0000bench0000bench0000

for tool in nginx wrk python3 curl ss; do
  command -v "$tool" >/dev/null || die "$tool is missing; run scripts/install-bench-deps.sh"
done
[ -f /usr/lib/nginx/modules/ngx_http_echo_module.so ] || die "nginx's echo module is missing; run scripts/install-bench-deps.sh"
for peer in "${peers[@]}"; do
  case $peer in
    moltbot|moltbot-keys) "$MOLTBOT_BIN" serve --help >/dev/null 2>&1 || die "$MOLTBOT_BIN has no working 'serve' command" ;;
    portkey) command -v node >/dev/null && [ -f "$portkey_main" ] || die "the Portkey gateway is missing; run scripts/install-bench-deps.sh" ;;
  esac
done

# ---- the fixed upstream ----
start_fixed_upstream "$slow_seconds"

# ---- the peers ----
declare -A port pid path headers model
# Filled by the start_* functions: port, pid; path, headers, model per peer name.

start_nginx() {  # start_nginx NAME UPSTREAM_PORT
  local dir=$work/$1
  mkdir -p "$dir/tmp" && chmod 777 "$dir/tmp"
  port[$1]=$(free_port)
  render "$here/proxy.conf.in" "$dir/nginx.conf" PREFIX="$dir" PORT="${port[$1]}" UPSTREAM_PORT="$2"
  nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" >"$dir/stdout.log" 2>&1 &
  pid[$1]=$!
  servers+=("${pid[$1]}")
  path[$1]=/v1/chat/completions
  headers[$1]="Authorization: Bearer $key"
  model[$1]=openai/gpt-4o-mini
  wait_http "http://127.0.0.1:${port[$1]}/v1/models" "${pid[$1]}" || die "nginx ($1) did not start: $(cat "$dir/error.log")"
}

start_moltbot() {  # start_moltbot NAME UPSTREAM_PORT: without keys, the request log off (issue 11's gateway)
  local dir=$work/$1
  rm -rf "$dir/state"  # a fresh state folder at each start (the peak RSS part starts every peer again)
  mkdir -p "$dir/state"
  if [ "$1" = moltbot-keys ]; then
    # A gateway key with a budget, rpm and tpm far above what the run spends, and the request log on (issue 12).
    printf '{\n  "gateway": {"maxConcurrent": %d}\n}\n' $((streams + 100)) >"$dir/state/moltbot.json"
    secret=$(MOLTBOT_STATE_DIR=$dir/state "$MOLTBOT_BIN" keys create --name bench --budget 1000000 --rpm 100000000 \
      --tpm 100000000000 --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["key"])') ||
      die "moltbot keys create failed"
  else
    printf '{\n  "gateway": {"maxConcurrent": %d},\n  "logs": {"enabled": false}\n}\n' $((streams + 100)) \
      >"$dir/state/moltbot.json"
  fi
  MOLTBOT_STATE_DIR=$dir/state OPENROUTER_BASE_URL=http://127.0.0.1:$2/api/v1 OPENROUTER_API_KEY=$key \
    "$MOLTBOT_BIN" serve --port 0 --threads $((streams + 100)) >"$dir/stdout.log" 2>"$dir/stderr.log" &
  pid[$1]=$!
  servers+=("${pid[$1]}")
  port[$1]=$(serve_port "$dir/stderr.log" "${pid[$1]}")
  [ -n "${port[$1]}" ] || die "moltbot serve ($1) did not start: $(tail -5 "$dir/stderr.log")"
  path[$1]=/v1/chat/completions
  headers[$1]=""
  [ "$1" = moltbot-keys ] && headers[$1]="Authorization: Bearer $secret"
  model[$1]=openrouter/openai/gpt-4o-mini
}

start_portkey() {  # start_portkey NAME UPSTREAM_PORT
  local dir=$work/$1
  mkdir -p "$dir"
  port[$1]=$(free_port)
  (cd "$dir" && exec env NODE_ENV=production node --require "$here/loopback.cjs" "$portkey_main" \
    --port="${port[$1]}" --headless >"$dir/stdout.log" 2>"$dir/stderr.log") &
  pid[$1]=$!
  servers+=("${pid[$1]}")
  path[$1]=/v1/chat/completions
  headers[$1]="Authorization: Bearer $key
x-portkey-provider: openai
x-portkey-custom-host: http://127.0.0.1:$2/api/v1"
  model[$1]=openai/gpt-4o-mini
  wait_http "http://127.0.0.1:${port[$1]}/" "${pid[$1]}" || die "the Portkey gateway ($1) did not start: $(tail -5 "$dir/stderr.log")"
}

start_peer() {  # start_peer PEER UPSTREAM_PORT
  case $1 in
    nginx) start_nginx "$1" "$2" ;;
    moltbot|moltbot-keys) start_moltbot "$1" "$2" ;;
    portkey) start_portkey "$1" "$2" ;;
  esac
}

port[direct]=$up_fast
pid[direct]=$up_pid
path[direct]=/api/v1/chat/completions
headers[direct]="Authorization: Bearer $key"
model[direct]=openai/gpt-4o-mini

body() {  # body PEER [stream]
  if [ "${2:-}" = stream ]; then
    printf '{"model":"%s","messages":[{"role":"user","content":"Say hello."}],"stream":true,"stream_options":{"include_usage":true}}' "${model[$1]}"
  else
    printf '{"model":"%s","messages":[{"role":"user","content":"Say hello."}]}' "${model[$1]}"
  fi
}

curl_peer() {  # curl_peer PEER [stream [CURL_ARGS...]]: one request, the answer on stdout
  local args=(-s -m 10 -X POST "http://127.0.0.1:${port[$1]}${path[$1]}" -H 'Content-Type: application/json'
    --data-binary "$(body "$1" "${2:-}")" "${@:3}") line
  while IFS= read -r line; do [ -n "$line" ] && args+=(-H "$line"); done <<<"${headers[$1]}"
  curl "${args[@]}"
}

check_peer() {  # check_peer PEER: a correct answer, non-streamed and streamed, else the script stops
  local answer
  answer=$(curl_peer "$1") || true
  case $answer in *'"chat.completion"'*Hello*) ;; *) die "$1 answered a chat completion wrongly: ${answer:0:300}" ;; esac
  answer=$(curl_peer "$1" stream) || true
  case $answer in *'data: '*'"chat.completion.chunk"'*Hello*'data: [DONE]'*) ;;
    *) die "$1 answered a streamed chat completion wrongly: ${answer:0:300}" ;; esac
}

# run_wrk PEER CONNECTIONS THREADS SECONDS [stream]: prints "rps p50_ms p99_ms bad" (bad: non-2xx and socket errors)
run_wrk() {
  wrk_figures "http://127.0.0.1:${port[$1]}${path[$1]}" "$(body "$1" "${5:-}")" "${headers[$1]}" "$2" "$3" "$4"
}

# ---- round-robin measurements against the fast upstream ----
log "fixed upstream on 127.0.0.1:$up_fast (slow streams on :$up_slow); peers: ${peers[*]}; MOLTBOT_BIN=$MOLTBOT_BIN"
for peer in "${peers[@]}"; do
  start_peer "$peer" "$up_fast"
  check_peer "$peer"
  log "$peer on 127.0.0.1:${port[$peer]} (pid ${pid[$peer]})"
done
check_peer direct
all=(direct "${peers[@]}")

declare -A lat50 lat99 rps64 p99_64 bad
for peer in "${all[@]}"; do  # warm up: JIT, thread pools, upstream connection pools
  run_wrk "$peer" 64 2 1 >/dev/null
done
for ((round = 1; round <= rounds; round++)); do
  log "round $round of $rounds"
  for peer in "${all[@]}"; do
    read -r r p50 p99 b < <(run_wrk "$peer" 1 1 "$seconds")
    lat50[$peer]+=" $p50"; lat99[$peer]+=" $p99"; bad[$peer]=$((${bad[$peer]:-0} + b))
  done
  for peer in "${all[@]}"; do
    read -r r p50 p99 b < <(run_wrk "$peer" 64 2 "$seconds")
    rps64[$peer]+=" $r"; p99_64[$peer]+=" $p99"; bad[$peer]=$((${bad[$peer]:-0} + b))
  done
done

log "time to first token"
declare -A ttft
for peer in "${all[@]}"; do
  hargs=()
  while IFS= read -r line; do [ -n "$line" ] && hargs+=(--header "$line"); done <<<"${headers[$peer]}"
  read -r t50 t90 failed < <(python3 "$here/ttft.py" --port "${port[$peer]}" --path "${path[$peer]}" \
    --body "$(body "$peer" stream)" --count "$ttft_count" "${hargs[@]}")
  ttft[$peer]=$t50
  bad[$peer]=$((${bad[$peer]:-0} + failed))
done

# Upstream connections over a run of $fixed_requests requests at 64 connections, counted from the upstream's access log
# (one line per request with its connection serial number).
log "upstream connections over $fixed_requests requests"
declare -A conns reqs
for peer in "${all[@]}"; do
  sleep 0.5
  before=$(wc -l <"$access_log")
  # wrk stops sending at the count but runs out its duration: give it 1.5 times what the count takes at the rate
  # measured above, 2 to 60 s.
  limit=$(python3 -c 'import statistics, sys; r = statistics.median(map(float, sys.argv[2:])); print(min(60, max(2, int(1.5 * int(sys.argv[1]) / max(r, 1)) + 1)))' \
    "$fixed_requests" ${rps64[$peer]})
  BENCH_REQUESTS=$fixed_requests BENCH_BODY=$(body "$peer") BENCH_HEADERS=${headers[$peer]} \
    wrk -t 1 -c 64 -d "${limit}s" --timeout 10s -s "$here/post.lua" "http://127.0.0.1:${port[$peer]}${path[$peer]}" \
    >"$work/wrk.out" 2>&1 || die "wrk failed against $peer: $(cat "$work/wrk.out")"
  sleep 0.5
  read -r reqs[$peer] conns[$peer] < <(tail -n +$((before + 1)) "$access_log" |
    awk -v p="$up_fast" '$3 == p && $4 == "POST" { n++; if (!($1 in seen)) { seen[$1] = 1; c++ } } END { print n + 0, c + 0 }')
done

for peer in "${peers[@]}"; do
  stop_pid "${pid[$peer]}"
done

# ---- peak RSS with $streams open streams, each peer started afresh in front of the slow upstream ----
vmhwm_kb() {  # the VmHWM of PID and its children (nginx's workers), summed
  local total=0 p v
  for p in "$1" $(ps -o pid= --ppid "$1" 2>/dev/null); do
    v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null || true)
    total=$((total + ${v:-0}))
  done
  echo "$total"
}
declare -A rss open_streams left_open
for peer in "${peers[@]}"; do
  log "peak RSS with $streams open streams: $peer"
  start_peer "$peer" "$up_slow"
  # One stream first (catalog, pools), cut short by the client after 2 s.
  curl_peer "$peer" stream -m 2 >/dev/null 2>&1 || true
  BENCH_BODY=$(body "$peer" stream) BENCH_HEADERS=${headers[$peer]} \
    wrk -t 2 -c "$streams" -d "${hold_seconds}s" --timeout 60s -s "$here/post.lua" \
    "http://127.0.0.1:${port[$peer]}${path[$peer]}" >"$work/wrk-streams.out" 2>&1 &
  wrk_pid=$!
  sleep $((hold_seconds - 2))
  # Streams the peer holds open to the slow upstream right now.
  open_streams[$peer]=$(ss -Htn state established "( dport = :$up_slow )" 2>/dev/null | wc -l)
  wait "$wrk_pid" || true
  rss[$peer]=$(vmhwm_kb "${pid[$peer]}")
  # The clients are gone: streams the peer still holds open upstream a second later (not cancelled).
  sleep 1
  left_open[$peer]=$(ss -Htn state established "( dport = :$up_slow )" 2>/dev/null | wc -l)
  stop_pid "${pid[$peer]}"
done

# ---- the table ----
python3 - "$output" "$streams" "$fixed_requests" "$rounds" "$seconds" "${all[@]}" <<EOF
import statistics, sys, os
output, streams, fixed, rounds, seconds, *peers = sys.argv[1:]
def med(s): return statistics.median([float(x) for x in s.split()]) if s.strip() else float("nan")
data = {
$(for peer in "${all[@]}"; do
  echo "  '$peer': dict(l50=med('${lat50[$peer]}'), l99=med('${lat99[$peer]}'), rps=med('${rps64[$peer]}'),"
  echo "    p99=med('${p99_64[$peer]}'), ttft=float('${ttft[$peer]:-nan}'), bad=${bad[$peer]:-0},"
  echo "    reqs=${reqs[$peer]:-0}, conns=${conns[$peer]:-0}, rss=${rss[$peer]:-0}, open=${open_streams[$peer]:-0},"
  echo "    left=${left_open[$peer]:-0}),"
done)
}
names = {"direct": "direct upstream", "nginx": "nginx proxy_pass (floor)", "moltbot": "moltbot serve",
         "moltbot-keys": "moltbot serve, keys + limits + log", "portkey": "Portkey gateway"}
d = data["direct"]
rows = []
def row(label, fmt, budget="", verdict=""):
    rows.append([label] + [fmt(p) for p in peers] + [budget, verdict])
def ok(good): return "within budget" if good else "OVER BUDGET"
m = data.get("moltbot")
row("1 connection: latency p50", lambda p: f"{data[p]['l50']:.3f} ms")
row("1 connection: added p50 over direct", lambda p: "" if p == "direct" else f"{data[p]['l50'] - d['l50']:+.3f} ms",
    "<= 0.3 ms", ok(m["l50"] - d["l50"] <= 0.3) if m else "")
row("1 connection: latency p99", lambda p: f"{data[p]['l99']:.3f} ms")
row("1 connection: added p99 over direct", lambda p: "" if p == "direct" else f"{data[p]['l99'] - d['l99']:+.3f} ms")
row("64 connections: requests/s", lambda p: f"{data[p]['rps']:.0f}")
row("64 connections: p99", lambda p: f"{data[p]['p99']:.3f} ms")
if m and "nginx" in data:
    share = m["rps"] / data["nginx"]["rps"] * 100
    row("64 connections: moltbot / nginx", lambda p: f"{share:.0f} %" if p == "moltbot" else "", ">= 70 %", ok(share >= 70))
if m and "portkey" in data:
    times = m["rps"] / data["portkey"]["rps"]
    row("64 connections: moltbot / Portkey", lambda p: f"{times:.1f}x" if p == "moltbot" else "", ">= 10x", ok(times >= 10))
k = data.get("moltbot-keys")
if m and k:
    kept = k["rps"] / m["rps"] * 100
    row("64 connections: with keys, limits and log / without", lambda p: f"{kept:.0f} %" if p == "moltbot-keys" else "",
        ">= 90 %", ok(kept >= 90))
    row("1 connection: p50 added by keys, limits and log", lambda p: f"{k['l50'] - m['l50']:+.3f} ms" if p == "moltbot-keys" else "",
        "<= 0.1 ms", ok(k["l50"] - m["l50"] <= 0.1))
row("stream: time to first token (median)", lambda p: f"{data[p]['ttft']:.3f} ms")
row("stream: added time to first token", lambda p: "" if p == "direct" else f"{data[p]['ttft'] - d['ttft']:+.3f} ms",
    "<= 0.5 ms", ok(m["ttft"] - d["ttft"] <= 0.5) if m else "")
row(f"peak RSS, {streams} open streams", lambda p: "" if p == "direct" else
    f"{data[p]['rss'] / 1024:.1f} MB ({data[p]['open']} open upstream)", "<= 64 MB", ok(m["rss"] / 1024 <= 64) if m else "")
row(f"upstream streams still open 1 s after those {streams} clients left", lambda p: "" if p == "direct" else str(data[p]["left"]))
row(f"upstream connections over {fixed} requests", lambda p: f"{data[p]['conns']} for {data[p]['reqs']}")
row("failed requests (non-2xx, socket errors, bad streams)", lambda p: str(data[p]["bad"]))
head = ["figure"] + [names[p] for p in peers] + ["budget (moltbot)", ""]
lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)] + ["| " + " | ".join(r) + " |" for r in rows]
text = "\n".join(lines) + "\n"
note = (f"\n{rounds} rounds of {seconds} s per wrk run, peers taking turns; medians. nginx's RSS is its master and "
        f"workers summed. Time to first token: median of {os.environ.get('BENCH_TTFT_COUNT', '200')} streamed requests, "
        "each on a new connection, to the first data: line with content.\n")
sys.stdout.write(text + note)
if output:
    open(output, "w").write(text + note)
EOF
