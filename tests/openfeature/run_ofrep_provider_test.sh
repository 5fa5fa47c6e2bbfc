#!/usr/bin/env bash
# The OpenFeature Node SDK and its OFREP provider (pinned, from the npm registry) against
# `hotreload flags serve`. Usage: run_ofrep_provider_test.sh HOTRELOAD_CLI NPM_PREFIX
# Installs the packages into NPM_PREFIX when they are missing or of another version.
set -euo pipefail

cli=$1
prefix=$2
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
install_packages "$openfeature_sdk" "@openfeature/ofrep-provider@0.1.3"

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
((status == 0)) || show_server flags
exit "$status"
