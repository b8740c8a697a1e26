#!/usr/bin/env bash
# Builds the addon with AddressSanitizer in a scratch folder (the normal build is untouched) and runs the
# conformance suite and the engine tests against it. Usage: bash tools/asan.sh [conformance filter regex]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${ASAN_BUILD_DIR:-/tmp/onnxfleet-asan}
rm -rf "$work" && mkdir -p "$work" && cp -r "$root/native" "$work/" && rm -rf "$work/native/build"
nodedir=$(dirname "$(dirname "$(command -v node)")")
(
  cd "$work/native"
  export NODE_PATH="$root/node_modules" ONNXFLEET_ASAN=1
  node "$root/node_modules/node-gyp/bin/node-gyp.js" configure --nodedir="$nodedir" >/dev/null
  node "$root/node_modules/node-gyp/bin/node-gyp.js" build --jobs=max >/dev/null
)
export LD_PRELOAD=$(gcc -print-file-name=libasan.so)
# V8 and libgomp keep allocations until exit; leaks are not what this run looks for.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:halt_on_error=1
export ONNXFLEET_NATIVE="$work/native/build/Release/onnxfleet.node"
cd "$root"
filter=${1:-.}
npx tsx tools/conformance.ts --quiet --filter "$filter"
npx ava test/engine/session.test.ts
