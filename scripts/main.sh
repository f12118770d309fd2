#!/usr/bin/env bash
# The main job: install, fetch every release (mirror or official address, checksums verified),
# build the warehouse, print a summary and serve the portal on http://127.0.0.1:8000/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/corridor run "$@"
