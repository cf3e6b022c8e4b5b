#!/usr/bin/env bash
# Make sure the PostgreSQL and Redis the test suite uses are answering; start them if installed.
# Stops with one sentence naming what to install when a service is missing.
set -euo pipefail

DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/supportdesk}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/15}

pg_host=$(python3 -c "import sys,urllib.parse as u; print(u.urlsplit(sys.argv[1]).hostname or '127.0.0.1')" "$DATABASE_URL")
pg_port=$(python3 -c "import sys,urllib.parse as u; print(u.urlsplit(sys.argv[1]).port or 5432)" "$DATABASE_URL")
redis_host=$(python3 -c "import sys,urllib.parse as u; print(u.urlsplit(sys.argv[1]).hostname or '127.0.0.1')" "$REDIS_URL")
redis_port=$(python3 -c "import sys,urllib.parse as u; print(u.urlsplit(sys.argv[1]).port or 6379)" "$REDIS_URL")

port_open() { python3 -c "import socket,sys; s=socket.socket(); s.settimeout(1); sys.exit(s.connect_ex((sys.argv[1], int(sys.argv[2]))))" "$1" "$2"; }
wait_for() { for _ in $(seq 1 30); do port_open "$1" "$2" && return 0; sleep 1; done; return 1; }

if ! port_open "$pg_host" "$pg_port"; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && ls /etc/postgresql >/dev/null 2>&1; then
    echo "Starting PostgreSQL..."
    for version in $(ls /etc/postgresql); do
      pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    done
    wait_for "$pg_host" "$pg_port" || { echo "PostgreSQL is installed but did not start on $pg_host:$pg_port."; exit 1; }
  else
    echo "PostgreSQL is not running on $pg_host:$pg_port and is not installed: install it (apt-get install postgresql) or set DATABASE_URL."
    exit 1
  fi
fi

if ! port_open "$redis_host" "$redis_port"; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "Starting Redis..."
    mkdir -p /tmp/supportdesk-redis
    redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no \
      --dir /tmp/supportdesk-redis --logfile /tmp/supportdesk-redis/redis.log
    wait_for "$redis_host" "$redis_port" || { echo "Redis is installed but did not start on $redis_host:$redis_port."; exit 1; }
  else
    echo "Redis is not running on $redis_host:$redis_port and is not installed: install it (apt-get install redis-server) or set REDIS_URL."
    exit 1
  fi
fi
