#!/usr/bin/env bash
# Configures (once) and builds moltbot into build/ (or $BUILD_DIR) with warnings as errors. $BUILD_TARGETS, ninja
# targets separated by spaces, builds only those instead of everything.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
if [ ! -f "$build_dir/build.ninja" ]; then
  meson setup "$build_dir" --wrap-mode=nodownload -Dwerror=true "$@"
fi
read -r -a targets <<< "${BUILD_TARGETS:-}"
ninja -C "$build_dir" "${targets[@]}"
