# Shared by scripts/demo, scripts/test and scripts/bench: package installation and builds.
# shellcheck shell=bash

HOTRELOAD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# libtest-json-schema-acceptance-perl ships the upstream JSON-Schema-Test-Suite whole (draft7 and
# draft2020-12 with remotes/, under /usr/share/perl5/auto/share/dist/Test-JSON-Schema-Acceptance);
# Debian's json-schema-test-suite package stops at draft7 and is older.
HOTRELOAD_PACKAGES=(
  cmake ninja-build g++ clang libclang-rt-14-dev pkg-config
  libyaml-cpp-dev libyaml-dev libsimdjson-dev nlohmann-json3-dev libtomlplusplus-dev libcli11-dev
  libmurmurhash-dev libcpp-httplib-dev libssl-dev libre2-dev libgtest-dev libgmock-dev libbenchmark-dev
  libtest-json-schema-acceptance-perl vim sed
  etcd-server etcd-client
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
)

# Installs the Debian packages that are missing (needs root, or passwordless sudo).
install_packages() {
  local missing=()
  for package in "${HOTRELOAD_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  echo "==> installing: ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# build_dir NAME [cmake args...]: configures (once) and builds build/NAME.
build() {
  local name="$1"
  shift
  local dir="$HOTRELOAD_ROOT/build/$name"
  cmake -S "$HOTRELOAD_ROOT" -B "$dir" -G Ninja "$@" >/dev/null
  # HOTRELOAD_BUILD_TARGET: build only that target (default: everything).
  cmake --build "$dir" --parallel "$(nproc)" ${HOTRELOAD_BUILD_TARGET:+--target "$HOTRELOAD_BUILD_TARGET"}
}

# Prints the path of a promtool extracted into build/tools/ (Debian's prometheus package pulls
# ~330 MB of dependencies; promtool itself is one static binary). Idempotent: a promtool already
# extracted is reused. `apt-get download` needs no root, only the apt package lists; when it
# fails, says so on stderr and returns nonzero.
fetch_promtool() {
  local tools="$HOTRELOAD_ROOT/build/tools"
  local promtool="$tools/prometheus/usr/bin/promtool"
  if [ -x "$promtool" ]; then
    echo "$promtool"
    return 0
  fi
  mkdir -p "$tools/download"
  rm -f "$tools"/download/prometheus_*.deb
  if ! (cd "$tools/download" && apt-get download prometheus >/dev/null 2>&1); then
    echo "fetch_promtool: 'apt-get download prometheus' failed; run 'apt-get update' (as root) so the" \
      "package lists exist, or install promtool and set HOTRELOAD_PROMTOOL to it" >&2
    return 1
  fi
  rm -rf "$tools/prometheus"
  if ! dpkg -x "$tools"/download/prometheus_*.deb "$tools/prometheus" || [ ! -x "$promtool" ]; then
    echo "fetch_promtool: could not extract usr/bin/promtool from $(ls "$tools"/download/prometheus_*.deb)" >&2
    return 1
  fi
  echo "$promtool"
}
