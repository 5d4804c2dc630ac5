#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server and a throwaway Redis server on private
# ports (Debian's postgresql and redis-server): initdb into a temporary folder (as the postgres
# user when we are root), start both, run, stop both.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
# In memory (/dev/shm) where the machine has it: each test's CREATE DATABASE copies files.
shm=/dev/shm; [ -w "$shm" ] || shm=/tmp
dir=$(mktemp -d "$shm/fieldapp-pg.XXXXXX")
chmod 755 "$dir"
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" -eq 0 ] && chown postgres "$dir"
port=${FIELDAPP_PG_PORT:-54329}
as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w start -o "-p $port -k $dir \
  -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
  -c max_connections=200" >/dev/null
redis_port=${FIELDAPP_REDIS_PORT:-63799}
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
# Stop both and wait until each has exited before removing the folder: Redis opens its log file
# anew for every line, so one still shutting down writes redis.log back into a folder being
# removed ("rm: Directory not empty" failed a CI run whose tests had all passed). The command's
# exit status is kept whatever the clean-up meets.
stop() {
  local status=$?
  as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
  if [ -f "$dir/redis.pid" ]; then
    local pid; pid=$(cat "$dir/redis.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$dir" 2>/dev/null || { sleep 1; rm -rf "$dir" || echo "with-postgres: left $dir" >&2; }
  exit "$status"
}
trap stop EXIT
export FIELDAPP_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
export FIELDAPP_TEST_REDIS_URL="redis://127.0.0.1:$redis_port/0"
"$@"
