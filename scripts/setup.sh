#!/usr/bin/env bash
# Install everything corridor needs into .venv (Python packages pinned in requirements.lock).
# With --test, also the system packages the test suite drives: a Java 17 runtime (Spark),
# Debian's chromium (browser tests) and Debian's postgresql (the exchange registry's suite). Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

apt_install() {
  # Install Debian packages when missing (root or sudo needed; CI and these machines run as root).
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c "import ensurepip" >/dev/null 2>&1; then
  apt_install python3-venv
fi
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=.venv/.corridor-lock
if [ ! -f "$stamp" ] || ! cmp -s requirements.lock "$stamp"; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r requirements.lock
  cp requirements.lock "$stamp"
fi
.venv/bin/python -m pip install -q --no-deps -e .

if [ "$want_test" -eq 1 ]; then
  if [ ! -x /usr/lib/jvm/java-17-openjdk-amd64/bin/java ] && [ ! -x /usr/lib/jvm/java-17-openjdk-arm64/bin/java ]; then
    apt_install openjdk-17-jre-headless
  fi
  command -v chromium >/dev/null 2>&1 || apt_install chromium
  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || apt_install postgresql
fi
