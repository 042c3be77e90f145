#!/usr/bin/env bash
# The tests of plugin loading and concurrent calls under ThreadSanitizer: configures build-tsan/ (or $TSAN_BUILD_DIR)
# once with -Db_sanitize=thread through scripts/build.sh, builds only those tests and what they need, and runs them.
# A TSan report fails the test that made it; tests/tsan.supp lists the third-party reports that are not ours.
# See docs/sanitizers.md.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${TSAN_BUILD_DIR:-build-tsan}
# The meson tests that load plugins or call one instance, the transport, the simulator or the gateway (moltbot serve,
# itself built with TSan: a report in the server ends it and fails the test) from several threads, and
# their executables; meson test builds the rest they depend on (plugins, fixtures, the CLI, the simulator program).
tests=(plugins openrouter openrouter-e2e http simulator gateway-unit gateway-serve limits keys-unit requestlog-unit
  state scaleout)
executables=(tests/plugins/plugin-tests tests/openrouter/openrouter-tests tests/openrouter/openrouter-e2e
  tests/http/http-tests tests/simulator/simulator-tests tests/gateway/gateway-unit-tests
  tests/gateway/gateway-serve-tests tests/limits/limits-tests tests/keys/keys-unit-tests
  tests/requestlog/requestlog-unit-tests tests/state/state-tests tests/scaleout/scaleout-tests)

scripts/install-deps.sh
BUILD_DIR=$build_dir BUILD_TARGETS="${executables[*]}" scripts/build.sh -Db_sanitize=thread -Db_lundef=false

export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp"
# TSan makes the tests several times slower than their timeouts assume. Without address randomisation: g++ 12's TSan
# stops at start on kernels that randomise mmap more than it expects (vm.mmap_rnd_bits above 28).
setarch "$(uname -m)" -R meson test -C "$build_dir" --print-errorlogs --timeout-multiplier 3 "${tests[@]}"
