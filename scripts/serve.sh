#!/usr/bin/env bash
# `make run`: the web server (gunicorn, 2 workers) and the task consumer (Huey) side by side.
# Ctrl-C (or the end of gunicorn) stops both. gunicorn.conf.py masks the links that are keys in
# gunicorn's logs; FIELDAPP_LOG_FORMAT=json makes its lines JSON.
set -euo pipefail
bin=${BIN:-.venv/bin}
export PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}$(pwd)"
"$bin/huey_consumer" fieldapp.tasks.huey --workers 1 --logfile instance/tasks.log &
consumer=$!
trap 'kill "$consumer" 2>/dev/null || true; wait "$consumer" 2>/dev/null || true' EXIT INT TERM
"$bin/gunicorn" --config gunicorn.conf.py --workers 2 --bind "127.0.0.1:${PORT:-5000}" --access-logfile - wsgi:app
