#!/usr/bin/env bash
# The container's start: bring the schema up to date, then serve (gunicorn + task consumer).
set -euo pipefail
bin=${BIN:-.venv/bin}
"$bin/flask" --app fieldapp db upgrade
exec bash scripts/serve.sh
