#!/usr/bin/env bash
# The OpenFeature Node SDK and its OFREP provider (pinned, from the npm registry) against
# `hotreload flags serve`. Usage: run_ofrep_provider_test.sh HOTRELOAD_CLI NPM_PREFIX
# Installs the packages into NPM_PREFIX when they are missing or of another version; no network
# or no node is a failure, never a skip.
set -euo pipefail

cli=$1
prefix=$2
here=$(cd "$(dirname "$0")" && pwd)
packages=("@openfeature/server-sdk@1.23.0" "@openfeature/ofrep-provider@0.1.3")

fail() { echo "FAIL: $*" >&2; exit 1; }

command -v node >/dev/null || fail "node is not installed (Node 20 is needed for the OpenFeature test)"
command -v npm >/dev/null || fail "npm is not installed"

installed_version() {  # package -> its version under $prefix, or nothing
  node -e 'try { console.log(require(process.argv[1] + "/package.json").version) } catch { }' \
    "$prefix/node_modules/$1" 2>/dev/null || true
}
needs_install=0
for spec in "${packages[@]}"; do
  name=${spec%@*}
  [[ $(installed_version "$name") == "${spec##*@}" ]] || needs_install=1
done
if ((needs_install)); then
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "${packages[@]}" >&2 ||
    fail "npm could not install ${packages[*]} (is the registry reachable?)"
fi

work=$(mktemp -d)
server=""
cleanup() {
  if [[ -n $server ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

cp "$here/flags.json" "$work/flags.json"
"$cli" flags serve --ofrep 127.0.0.1:0 "$work/flags.json" >"$work/serve.log" 2>"$work/serve.err" &
server=$!

# The listening line is printed once connections are accepted; wait for it (bounded).
port=""
for _ in $(seq 1 400); do
  port=$(sed -n 's/^ofrep: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/serve.log")
  [[ -n $port ]] && break
  kill -0 "$server" 2>/dev/null || fail "hotreload flags serve exited: $(cat "$work/serve.err")"
  sleep 0.05
done
[[ -n $port ]] || fail "hotreload flags serve printed no listening line within 20 s"

status=0
OFREP_URL="http://127.0.0.1:$port" FLAG_FILE="$work/flags.json" SERVE_LOG="$work/serve.log" HOTRELOAD_CLI="$cli" \
  NODE_PATH="$prefix/node_modules" node "$here/ofrep_provider_test.cjs" || status=$?
if ((status != 0)); then
  echo "--- server stdout" >&2; cat "$work/serve.log" >&2
  echo "--- server stderr" >&2; cat "$work/serve.err" >&2
fi
exit "$status"
