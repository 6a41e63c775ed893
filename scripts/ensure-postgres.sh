#!/usr/bin/env bash
# Starts the local PostgreSQL cluster if it is installed and not running. The PostgreSQL tests
# skip (or, under CI=true, fail) when it cannot be reached.
set -uo pipefail
if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then
  exit 0
fi
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  version=$(ls /etc/postgresql | head -n 1)
  echo "postgres: starting cluster $version/main"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p 5432 && exit 0
    sleep 1
  done
fi
echo "postgres: not reachable on 127.0.0.1:5432; its tests will skip (or fail under CI=true)" >&2
exit 0
