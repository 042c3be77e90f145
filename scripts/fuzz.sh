#!/usr/bin/env bash
# A bounded fuzz run: builds the libFuzzer targets of tests/fuzz with clang-14 (ASan+UBSan) into build-fuzz/ (or
# $FUZZ_BUILD_DIR) and runs each for SECONDS_PER_TARGET (default 20) on a copy of its seed corpus. Exits non-zero on
# any crash, leak, timeout or sanitizer report, printing the saved input's path. See docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
build_dir=${FUZZ_BUILD_DIR:-build-fuzz}
targets=(json5 config-path model-ref sse openrouter-stream chat-request)

scripts/install-deps.sh clang-14 libclang-rt-14-dev

# The libraries get coverage instrumentation (fuzzer-no-link); only the targets link libFuzzer itself. Debian's
# rapidjson 1.1 predates C++20, whose reversed operator== clang (unlike g++) flags in every caller's code, and
# tests/fuzz/ubsan.ignorelist says which of its UB clang reports but is not ours. clang-14's "undefined" group leaves
# out float-cast-overflow, which parsers of untrusted numbers need most.
if [ ! -f "$build_dir/build.ninja" ]; then
  flags="-fsanitize=fuzzer-no-link,float-cast-overflow -fno-sanitize-recover=all"
  flags+=" -fsanitize-ignorelist=$PWD/tests/fuzz/ubsan.ignorelist"
  CC=clang-14 CXX=clang++-14 meson setup "$build_dir" --wrap-mode=nodownload -Dwerror=true -Dfuzz=true \
    -Db_sanitize=address,undefined -Db_lundef=false -Dc_args="$flags" \
    -Dcpp_args="$flags -Wno-ambiguous-reversed-operator"
fi
ninja -C "$build_dir" -j2 "${targets[@]/#/tests/fuzz/fuzz-}"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
artifacts=${FUZZ_ARTIFACTS:-$build_dir/fuzz-artifacts}
mkdir -p "$artifacts"
status=0
for target in "${targets[@]}"; do
  # The fuzzer adds to the corpus folder it is given: a copy keeps the repo's seeds as they are.
  cp -r "tests/fuzz/corpus/$target" "$work/$target"
  mkdir -p "$artifacts/$target"
  echo "fuzz: $target for ${seconds}s"
  if ! "$build_dir/tests/fuzz/fuzz-$target" "$work/$target" -max_total_time="$seconds" -rss_limit_mb=2048 \
      -timeout=10 -print_final_stats=1 -artifact_prefix="$artifacts/$target/" >"$work/$target.log" 2>&1; then
    status=1
    tail -n 60 "$work/$target.log"
    crash=$(grep -o "Test unit written to .*" "$work/$target.log" | tail -n 1 | cut -d' ' -f5- || true)
    echo "fuzz: $target FAILED; input: ${crash:-(none saved, see the log above)}" >&2
  else
    grep -E "^(stat::number_of_executed_units|stat::new_units_added)" "$work/$target.log" | tr '\n' ' '
    echo
  fi
done
exit $status
