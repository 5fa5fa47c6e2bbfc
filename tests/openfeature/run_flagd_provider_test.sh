#!/usr/bin/env bash
# The OpenFeature Node SDK and the flagd provider in in-process mode (pinned, from the npm
# registry) syncing from `hotreload flags serve --sync`, on the flagd test-bed's flag file.
# Usage: run_flagd_provider_test.sh HOTRELOAD_CLI NPM_PREFIX SHARED_DIR
# Without the test-bed under SHARED_DIR it skips (exit 77) and says why.
set -euo pipefail

cli=$1
prefix=$2
testbed_flags=$3/conformance/flagd-testbed/flags/testkit-flags.json
here=$(cd "$(dirname "$0")" && pwd)
if [[ ! -f $testbed_flags ]]; then
  echo "SKIP: the flagd test-bed is not at $testbed_flags (../shared/conformance is absent)"
  exit 77
fi
source "$here/lib.sh"
install_packages "$openfeature_sdk" "@openfeature/flagd-provider@0.16.1"

cp "$testbed_flags" "$work/flags.json"
echo '{"flags": {"extra-flag": {"state": "ENABLED", "variants": {"x": "from-extra"}, "defaultVariant": "x"}}}' \
  >"$work/extra.json"
# --lenient: the test-bed has rules flagd only warns about (an unknown operator, a $ref to nothing).
serve flags --sync 127.0.0.1:0 --lenient -- "$work/flags.json" "$work/extra.json"

status=0
SYNC_ADDRESS="127.0.0.1:$sync_port" FLAG_FILE="$work/flags.json" EXTRA_FILE="$work/extra.json" \
  TESTBED_FLAGS="$testbed_flags" SERVE_LOG="$work/flags.log" HOTRELOAD_CLI="$cli" \
  NODE_PATH="$prefix/node_modules" node "$here/flagd_provider_test.cjs" || status=$?
((status == 0)) || show_server flags
exit "$status"
