#!/usr/bin/env bash
# Install everything (Python packages, Java 17 for Spark, chromium for browser tests, PostgreSQL for the
# exchange registry), start a throwaway PostgreSQL cluster and run the
# whole test suite. Under CI (CI=true) a missing data mirror fails the tests instead of skipping them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
for jdk in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk-arm64; do
  [ -x "$jdk/bin/java" ] && export JAVA_HOME="$jdk" && break
done
export SPARK_LOCAL_IP=127.0.0.1

# PostgreSQL for the exchange suite: a throwaway cluster of Debian's server on a Unix socket (no TCP),
# run by the postgres user when we are root. If it cannot start, CORRIDOR_EXCHANGE_TEST_PG stays unset
# and the PostgreSQL half of tests/exchange fails under CI (CI=true) instead of being skipped.
start_postgres() {
  local bin root port as_pg=()
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$bin" ] || { echo "test: PostgreSQL is not installed (scripts/setup.sh --test installs it)" >&2; return 1; }
  root=${CORRIDOR_PG_DIR:-/tmp/corridor-pg-$(id -u)}
  port=${CORRIDOR_PG_PORT:-55432}
  mkdir -p "$root"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$root"
    as_pg=(runuser -u postgres --)
  fi
  if [ ! -f "$root/data/PG_VERSION" ]; then
    "${as_pg[@]}" "$bin/initdb" -D "$root/data" -A trust -U postgres >/dev/null || return 1
  fi
  if ! "${as_pg[@]}" "$bin/pg_ctl" -D "$root/data" status >/dev/null 2>&1; then
    "${as_pg[@]}" "$bin/pg_ctl" -D "$root/data" -l "$root/server.log" -w \
      -o "-p $port -k $root -c listen_addresses=''" start >/dev/null || return 1
  fi
  if ! "${as_pg[@]}" "$bin/psql" -h "$root" -p "$port" -U postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'corridor_exchange_test'" | grep -q 1; then
    "${as_pg[@]}" "$bin/createdb" -h "$root" -p "$port" -U postgres corridor_exchange_test || return 1
  fi
  export CORRIDOR_EXCHANGE_TEST_PG="postgresql+psycopg://postgres@/corridor_exchange_test?host=$root&port=$port"
}
start_postgres || echo "test: PostgreSQL could not be started; its exchange tests fail under CI" >&2
exec .venv/bin/python -m pytest "$@"
