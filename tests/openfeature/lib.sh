# Shared by the OpenFeature client tests (run_*_provider_test.sh): the pinned npm packages and
# `hotreload flags serve` started in the background. Source it after setting $cli and $prefix.
# No network or no node is a failure, never a skip.

# The packages every test installs, pinned; each test adds its provider.
openfeature_sdk="@openfeature/server-sdk@1.23.0"

fail() { echo "FAIL: $*" >&2; exit 1; }

# install_packages SPEC...: installs them into $prefix when one is missing or of another version.
install_packages() {
  command -v node >/dev/null || fail "node is not installed (Node 20 is needed for the OpenFeature tests)"
  command -v npm >/dev/null || fail "npm is not installed"
  local spec name needs_install=0
  for spec in "$@"; do
    name=${spec%@*}
    [[ $(node -e 'try { console.log(require(process.argv[1] + "/package.json").version) } catch { }' \
      "$prefix/node_modules/$name" 2>/dev/null) == "${spec##*@}" ]] || needs_install=1
  done
  if ((needs_install)); then
    mkdir -p "$prefix"
    # One install at a time: ctest may run two of these tests at once on the same $prefix.
    (flock 9 && npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "$@" >&2) 9>"$prefix.lock" ||
      fail "npm could not install $* (is the registry reachable?)"
  fi
}

work=$(mktemp -d)
servers=()
cleanup() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# serve NAME [OPTION...] -- FILE...: starts `hotreload flags serve` on the files (default
# $work/NAME.json), logging to $work/NAME.log and NAME.err; sets $port (OFREP) and, with --sync,
# $sync_port once it prints its listening lines (bounded wait).
serve() {
  local name=$1 options=() files=()
  shift
  while (($#)) && [[ $1 != -- ]]; do options+=("$1"); shift; done
  if (($#)); then shift; files=("$@"); else files=("$work/$name.json"); fi
  # Created here, not by the background job's redirections, which may run after the first sed below.
  : >"$work/$name.log"
  : >"$work/$name.err"
  "$cli" flags serve --ofrep 127.0.0.1:0 "${options[@]}" "${files[@]}" >>"$work/$name.log" 2>>"$work/$name.err" &
  servers+=($!)
  local wants_sync=0
  [[ " ${options[*]} " == *" --sync "* ]] && wants_sync=1
  port="" sync_port=""
  for _ in $(seq 1 400); do
    port=$(sed -n 's/^ofrep: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/$name.log")
    sync_port=$(sed -n 's/^sync: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/$name.log")
    [[ -n $port ]] && { ((!wants_sync)) || [[ -n $sync_port ]]; } && return 0
    kill -0 "${servers[-1]}" 2>/dev/null || fail "hotreload flags serve exited: $(cat "$work/$name.err")"
    sleep 0.05
  done
  fail "hotreload flags serve printed no listening line within 20 s"
}

# show_server NAME: its output, after a failure.
show_server() {
  echo "--- $1: stdout" >&2; cat "$work/$1.log" >&2
  echo "--- $1: stderr" >&2; cat "$work/$1.err" >&2
}
