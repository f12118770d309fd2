#!/usr/bin/env bash
# Install everything (Python packages, Java 17 for Spark, chromium for browser tests) and run the
# whole test suite. Under CI (CI=true) a missing data mirror fails the tests instead of skipping them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
for jdk in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk-arm64; do
  [ -x "$jdk/bin/java" ] && export JAVA_HOME="$jdk" && break
done
export SPARK_LOCAL_IP=127.0.0.1
exec .venv/bin/python -m pytest "$@"
