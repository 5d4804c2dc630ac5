#!/usr/bin/env bash
# `make run`: the web server (gunicorn, 2 workers) and the task consumer (Huey) side by side.
# Ctrl-C (or the end of gunicorn) stops both. HOST (127.0.0.1), PORT (5000) and WORKERS (2)
# choose where and how many; the container (Dockerfile) listens on 0.0.0.0:8000.
# gunicorn.conf.py masks the links that are keys in gunicorn's logs; FIELDAPP_LOG_FORMAT=json
# makes its lines JSON.
set -euo pipefail
bin=${BIN:-.venv/bin}
export PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}$(pwd)"
"$bin/huey_consumer" fieldapp.tasks.huey --workers 1 --logfile instance/tasks.log &
consumer=$!
trap 'kill "$consumer" 2>/dev/null || true; wait "$consumer" 2>/dev/null || true' EXIT INT TERM
"$bin/gunicorn" --config gunicorn.conf.py --workers "${WORKERS:-2}" \
  --bind "${HOST:-127.0.0.1}:${PORT:-5000}" --access-logfile - wsgi:app
