#!/bin/sh
# The Rust example plugin (docs/examples/rust-plugin): built with `cargo build --offline` (standard library only)
# from a copy in a temporary folder, dropped into the state dir's plugin folder of a temporary HOME and asked through
# the real binary. Without cargo the test is SKIPPED (exit 77), never passed.
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
(cd "$work/src" && CARGO_TARGET_DIR="$work/target" cargo build --release --offline --quiet) ||
    fail "cargo build --offline of docs/examples/rust-plugin failed"
so="$work/target/release/librust_example.so"

exports=$(nm -D --defined-only "$so" | awk '$2 == "T" { print $3 }')
[ "$exports" = moltbot_plugin_negotiate ] || fail "the cdylib must export only moltbot_plugin_negotiate, it exports: $exports"

plugins="$work/home/.moltbot/plugins"
mkdir -p "$plugins"
cp "$so" "$plugins/rust.so"
moltbot() {
    env -u MOLTBOT_PLUGIN_PATH -u MOLTBOT_STATE_DIR -u MOLTBOT_CONFIG_PATH HOME="$work/home" "$MOLTBOT_BIN" "$@"
}

list=$(moltbot plugins list)
echo "$list" | grep "org.example.rust-greeter" | grep -q "$plugins/rust.so" ||
    fail "plugins list does not show the Rust plugin from $plugins: $list"

answer=$(moltbot agent --model rust/anything -m hi 2>"$work/err") || fail "agent failed: $(cat "$work/err")"
[ "$answer" = "Hello from a Rust plugin." ] || fail "unexpected answer: $answer"

rm "$plugins/rust.so"
if moltbot agent --model rust/anything -m hi >/dev/null 2>"$work/err"; then
    fail "the provider is still served after its file was removed"
fi
grep -q "no plugin serves the prefix 'rust'" "$work/err" || fail "unexpected error: $(cat "$work/err")"
echo "PASS: the Rust plugin loads, answers and goes away with its file"
