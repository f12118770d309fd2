#!/usr/bin/env bash
# Install everything corridor needs into .venv (Python packages pinned in requirements.lock).
# With --test, also the system packages the test suite drives: a Java 17 runtime (Spark),
# Debian's chromium (browser tests) and Debian's postgresql (the exchange registry's suite). Safe to run again: it only installs what is missing.
set -euo pipefail

# How long (seconds) to wait for another apt/dpkg process (unattended-upgrades, a second set-up) to
# release the package locks before giving up.
APT_LOCK_WAIT=${CORRIDOR_APT_LOCK_WAIT:-900}
APT_LOCK_POLL=${CORRIDOR_APT_LOCK_POLL:-5}

apt_wait() {
  # Run an apt-get command; while another process holds the dpkg or apt lists lock, wait and try again
  # (apt's own DPkg::Lock::Timeout covers the dpkg frontend lock; the retry covers the lists lock too).
  local waited=0 out status
  while true; do
    status=0
    out=$("$@" -o DPkg::Lock::Timeout="$APT_LOCK_WAIT" 2>&1) || status=$?
    if [ "$status" -eq 0 ]; then return 0; fi
    if printf '%s' "$out" | grep -qE 'Could not get lock|Unable to acquire|is another process using it|Unable to lock'; then
      if [ "$waited" -ge "$APT_LOCK_WAIT" ]; then
        printf '%s\n' "$out" >&2
        echo "setup: the package lock was still held after ${APT_LOCK_WAIT} s" >&2
        return "$status"
      fi
      [ "$waited" -eq 0 ] && echo "setup: another apt/dpkg process holds the package lock; waiting for it" >&2
      sleep "$APT_LOCK_POLL"
      waited=$((waited + APT_LOCK_POLL))
      continue
    fi
    printf '%s\n' "$out" >&2
    return "$status"
  done
}

apt_install() {
  # Install Debian packages when missing (root or sudo needed; CI and these machines run as root).
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  apt_wait "${sudo[@]}" apt-get update -qq
  apt_wait "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# `source scripts/setup.sh --functions` only defines the functions above (tests/test_setup_script.py)
if [ "${1:-}" = "--functions" ]; then return 0 2>/dev/null || exit 0; fi

cd "$(dirname "$0")/.."
want_test=0
[ "${1:-}" = "--test" ] && want_test=1

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
