# Shared by scripts/demo, scripts/test and scripts/bench: package installation and builds.
# shellcheck shell=bash

HOTRELOAD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOTRELOAD_PACKAGES=(
  cmake ninja-build g++ clang libclang-rt-14-dev pkg-config
  libyaml-cpp-dev nlohmann-json3-dev libtomlplusplus-dev libcli11-dev
  libmurmurhash-dev libgtest-dev libgmock-dev libbenchmark-dev json-schema-test-suite vim sed
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
  cmake --build "$dir" --parallel "$(nproc)"
}
