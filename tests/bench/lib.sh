# Shell helpers shared by the benchmark scripts of tests/bench/ (sourced, not run). The script sets `bench` (its name,
# for messages) before sourcing; this file makes `work` (a temporary folder) and `servers` (the PIDs of every server
# started, each stopped by PID on exit, however the script exits).
bench_root=$PWD
bench_here=$bench_root/tests/bench/gateway

log() { echo "$bench: $*" >&2; }
die() { log "$*"; exit 1; }

work=$(mktemp -d "/tmp/moltbot-bench-$bench.XXXXXX")
chmod 755 "$work"
servers=()

stop_pid() {  # stop_pid PID: TERM, then KILL after 5 s; bounded
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local pid
  for pid in "${servers[@]}"; do stop_pid "$pid"; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# render TEMPLATE OUT NAME=VALUE...: @NAME@ becomes VALUE; NAME=@FILE puts the file in as an nginx string (newlines
# as \n).
render() {
  python3 - "$@" <<'PY'
import sys
template, out, *pairs = sys.argv[1:]
text = open(template).read()
for pair in pairs:
    name, value = pair.split("=", 1)
    if value.startswith("@"):
        value = open(value[1:]).read()
        if name in ("CATALOG", "COMPLETION"):
            value = value.rstrip("\n")
        value = value.replace("\\", "\\\\").replace("\n", "\\n")
        assert "'" not in value and "$" not in value, name
    text = text.replace("@" + name + "@", value)
open(out, "w").write(text)
PY
}

wait_http() {  # wait_http URL PID: up to 15 s for URL to answer at all, while PID lives
  local i
  for ((i = 0; i < 150; i++)); do
    kill -0 "$2" 2>/dev/null || return 1
    curl -s -o /dev/null -m 1 "$1" && return 0
    sleep 0.1
  done
  return 1
}

# start_fixed_upstream SLOW_SECONDS: nginx answering an OpenRouter-shaped API from memory (tests/bench/gateway/), on
# up_fast (at once) and up_slow (each stream held SLOW_SECONDS); sets up_fast, up_slow, up_pid, access_log.
start_fixed_upstream() {
  local up_dir=$work/upstream
  mkdir -p "$up_dir/tmp" && chmod 777 "$up_dir/tmp"
  up_fast=$(free_port)
  up_slow=$(free_port)
  python3 - "$bench_here/stream.sse" "$work" <<'PY'
import sys
events = open(sys.argv[1]).read().split("\n\n")
open(sys.argv[2] + "/stream-first.sse", "w").write(events[0] + "\n\n")
open(sys.argv[2] + "/stream-rest.sse", "w").write("\n\n".join(events[1:]))
PY
  render "$bench_here/upstream.conf.in" "$up_dir/nginx.conf" PREFIX="$up_dir" FAST_PORT="$up_fast" \
    SLOW_PORT="$up_slow" SLOW_SECONDS="$1" CATALOG=@"$bench_here/catalog.json" \
    COMPLETION=@"$bench_here/completion.json" STREAM=@"$bench_here/stream.sse" \
    STREAM_FIRST=@"$work/stream-first.sse" STREAM_REST=@"$work/stream-rest.sse"
  nginx -p "$up_dir" -e "$up_dir/error.log" -c "$up_dir/nginx.conf" >"$up_dir/stdout.log" 2>&1 &
  up_pid=$!
  servers+=("$up_pid")
  wait_http "http://127.0.0.1:$up_fast/api/v1/models" "$up_pid" ||
    die "the fixed upstream did not start: $(cat "$up_dir/error.log")"
  access_log=$up_dir/access.log
}

# serve_port STDERR_LOG PID: the port `moltbot serve` says it listens on (up to 15 s), or "" when it did not start.
serve_port() {
  local i port=""
  for ((i = 0; i < 150; i++)); do
    port=$(sed -n 's|^moltbot: listening on http://127\.0\.0\.1:\([0-9]*\)$|\1|p' "$1" | head -1)
    [ -n "$port" ] && break
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  echo "$port"
}

# wrk_figures URL BODY HEADERS CONNECTIONS THREADS SECONDS: one wrk run posting BODY with HEADERS (one "Name: value" a
# line); prints "rps p50_ms p99_ms bad" (bad: non-2xx and socket errors).
wrk_figures() {
  local out=$work/wrk.out
  BENCH_BODY=$2 BENCH_HEADERS=$3 \
    wrk -t "$5" -c "$4" -d "${6}s" --timeout 10s --latency -s "$bench_here/post.lua" "$1" >"$out" 2>&1 ||
    die "wrk failed against $1: $(cat "$out")"
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
    /^Requests\/sec:/ { rps = $2 }
    /Non-2xx or 3xx responses:/ { bad += $NF }
    /Socket errors:/ { gsub(/,/, ""); bad += $4 + $6 + $8 + $10 }
    END { printf "%.1f %.4f %.4f %d\n", rps, p50, p99, bad }' "$out"
}
