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
servers=()
cleanup() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# serve NAME [OPTION...]: starts `hotreload flags serve` on $work/NAME.json, logging to
# $work/NAME.log and NAME.err, and sets $port once it prints its listening line (bounded wait).
serve() {
  local name=$1
  shift
  "$cli" flags serve --ofrep 127.0.0.1:0 "$@" "$work/$name.json" >"$work/$name.log" 2>"$work/$name.err" &
  servers+=($!)
  port=""
  for _ in $(seq 1 400); do
    port=$(sed -n 's/^ofrep: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/$name.log")
    [[ -n $port ]] && return 0
    kill -0 "${servers[-1]}" 2>/dev/null || fail "hotreload flags serve exited: $(cat "$work/$name.err")"
    sleep 0.05
  done
  fail "hotreload flags serve printed no listening line within 20 s"
}

cp "$here/flags.json" "$work/flags.json"
serve flags
open_port=$port
# A second server, behind a token, for the provider's headers.
cp "$here/flags.json" "$work/secured.json"
token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
(umask 077 && echo "$token" >"$work/token")
serve secured --token-file "$work/token"
secured_port=$port

status=0
OFREP_URL="http://127.0.0.1:$open_port" FLAG_FILE="$work/flags.json" SERVE_LOG="$work/flags.log" \
  SECURED_URL="http://127.0.0.1:$secured_port" OFREP_TOKEN="$token" HOTRELOAD_CLI="$cli" \
  NODE_PATH="$prefix/node_modules" node "$here/ofrep_provider_test.cjs" || status=$?
if ((status != 0)); then
  echo "--- server stdout" >&2; cat "$work/flags.log" >&2
  echo "--- server stderr" >&2; cat "$work/flags.err" >&2
fi
exit "$status"
