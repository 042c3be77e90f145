#!/usr/bin/env bash
# Configures (once) and builds moltbot into build/ (or $BUILD_DIR) with warnings as errors.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
if [ ! -f "$build_dir/build.ninja" ]; then
  meson setup "$build_dir" --wrap-mode=nodownload -Dwerror=true "$@"
fi
ninja -C "$build_dir"
