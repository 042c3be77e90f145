#!/bin/sh
# The Rust example plugin (docs/examples/rust-plugin), from a copy in a temporary folder, standard library only:
#  1. `cargo test`: its bindings (src/abi.rs) against the C header of this tree: sizes, offsets, every MB_* value;
#  2. `cargo build`: dropped into the state dir's plugin folder of a temporary HOME, it answers through the real binary,
#     streamed and with --no-stream (complete), and goes away with its file;
#  3. `cargo build --features panic-on-call`: stream and complete panic; the host must get MB_ERR_INTERNAL with the
#     message and exit 2 (docs/cli.md), not die of the panic (which `panic = "abort"` or a missing catch_unwind would
#     cause: SIGABRT, exit 134).
# Without cargo the test is SKIPPED (exit 77), never passed.
set -eu

if ! command -v cargo >/dev/null 2>&1; then
    echo "SKIP: cargo is not on PATH, so the Rust plugin example cannot be built here" >&2
    exit 77
fi
: "${MOLTBOT_BIN:?run this with meson test}" "${MOLTBOT_SOURCE_ROOT:?run this with meson test}"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R "$MOLTBOT_SOURCE_ROOT/docs/examples/rust-plugin" "$work/src"
rm -rf "$work/src/target"  # a stray in-tree build must not be reused
export CARGO_TARGET_DIR="$work/target" RUST_BACKTRACE=0
cargo_in() { (cd "$work/src" && cargo "$@" --offline --quiet); }

MOLTBOT_PLUGIN_CFLAGS="-I$MOLTBOT_SOURCE_ROOT/plugins/common/include" cargo_in test >"$work/test.log" 2>&1 ||
    fail "cargo test (src/abi.rs against plugins/common/include/moltbot/plugin.h) failed: $(cat "$work/test.log")"

cargo_in build --release || fail "cargo build --offline of docs/examples/rust-plugin failed"
so="$work/target/release/librust_example.so"

exports=$(nm -D --defined-only "$so" | awk '$2 == "T" { print $3 }')
[ "$exports" = moltbot_plugin_negotiate ] || fail "the cdylib must export only moltbot_plugin_negotiate, it exports: $exports"

plugins="$work/home/.moltbot/plugins"
mkdir -p "$plugins"
cp "$so" "$plugins/rust.so"
home="$work/home"
moltbot() {
    env -u MOLTBOT_PLUGIN_PATH -u MOLTBOT_STATE_DIR -u MOLTBOT_CONFIG_PATH HOME="$home" "$MOLTBOT_BIN" "$@"
}

list=$(moltbot plugins list)
echo "$list" | grep "org.example.rust-greeter" | grep -q "$plugins/rust.so" ||
    fail "plugins list does not show the Rust plugin from $plugins: $list"

answer=$(moltbot agent --model rust/anything -m hi 2>"$work/err") || fail "agent failed: $(cat "$work/err")"
[ "$answer" = "Hello from a Rust plugin." ] || fail "unexpected answer: $answer"
answer=$(moltbot agent --model rust/anything -m hi --no-stream 2>"$work/err") ||
    fail "agent --no-stream failed: $(cat "$work/err")"
[ "$answer" = "Hello from a Rust plugin." ] || fail "unexpected answer from complete: $answer"

rm "$plugins/rust.so"
if moltbot agent --model rust/anything -m hi >/dev/null 2>"$work/err"; then
    fail "the provider is still served after its file was removed"
fi
grep -q "no plugin serves the prefix 'rust'" "$work/err" || fail "unexpected error: $(cat "$work/err")"

# A panicking plugin: the host reports the failed call and carries on to its normal exit.
cargo_in build --release --features panic-on-call || fail "cargo build --features panic-on-call failed"
home="$work/panic-home"
mkdir -p "$home/.moltbot/plugins"
cp "$so" "$home/.moltbot/plugins/rust.so"
for function in stream complete; do
    flag=
    [ "$function" = complete ] && flag=--no-stream
    status=0
    moltbot agent --model rust/anything -m hi $flag >"$work/out" 2>"$work/err" || status=$?
    [ "$status" -eq 2 ] || fail "a panic in $function: exit $status instead of 2 (the request failed): $(cat "$work/err")"
    grep -q "^moltbot: .*rust/anything: panicked: rust example: $function panics" "$work/err" ||
        fail "a panic in $function: no MB_ERR_INTERNAL message from the guard: $(cat "$work/err")"
    grep -q "(internal)" "$work/err" || fail "a panic in $function is not reported as internal: $(cat "$work/err")"
    [ ! -s "$work/out" ] || fail "a panic in $function printed an answer: $(cat "$work/out")"
done
echo "PASS: the Rust bindings match the header; the plugin loads, answers, goes away with its file, and its panics" \
     "fail the call with MB_ERR_INTERNAL"
