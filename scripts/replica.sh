#!/usr/bin/env bash
# A real PostgreSQL streaming replica of the running server (127.0.0.1:5432) on
# 127.0.0.1:5433, for the replica tests and for trying DATABASE_REPLICA_URL by hand.
#
#   scripts/replica.sh start   # pg_basebackup -R from the primary, then start it
#   scripts/replica.sh stop    # stop it and remove its folder
#
# The primary must allow replication connections from 127.0.0.1: when run as root on a
# Debian cluster whose pg_hba.conf has no such line, one line ("host replication all
# 127.0.0.1/32 trust", like the machine's other lines) is added and the server reloaded.
set -euo pipefail

PRIMARY_HOST=${PRIMARY_HOST:-127.0.0.1}
PRIMARY_PORT=${PRIMARY_PORT:-5432}
PORT=${REPLICA_PORT:-5433}
DIR=${REPLICA_DIR:-/tmp/shegong-replica}
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

allow_replication() {
  local hba
  hba=$(psql -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -Atc "SHOW hba_file" postgres)
  if grep -Eq '^[[:space:]]*host[[:space:]]+replication[[:space:]]' "$hba" 2>/dev/null; then
    return
  fi
  if [ ! -w "$hba" ]; then
    echo "replica: $hba allows no replication connection and cannot be written here" >&2
    exit 1
  fi
  echo "host replication all 127.0.0.1/32 trust  # added by shegong scripts/replica.sh" >>"$hba"
  psql -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -qAtc "SELECT pg_reload_conf()" postgres >/dev/null
  sleep 1
}

start() {
  stop_quiet
  allow_replication
  mkdir -p "$(dirname "$DIR")"
  if [ "$(id -u)" = 0 ]; then install -d -o postgres -g postgres -m 700 "$DIR"; else install -d -m 700 "$DIR"; fi
  # -R writes standby.signal and primary_conninfo; -X stream copies the WAL written meanwhile
  as_postgres "$BIN/pg_basebackup" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres \
    -D "$DIR" -R -X stream -c fast
  # Debian keeps the configuration in /etc, so the copy has none: give it its own
  as_postgres bash -c "cat > '$DIR/postgresql.conf'" <<EOF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR'
hot_standby = on
hot_standby_feedback = on
EOF
  as_postgres bash -c "cat > '$DIR/pg_hba.conf'" <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF
  as_postgres "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 start >/dev/null
  for _ in $(seq 1 60); do
    if [ "$(psql -h 127.0.0.1 -p "$PORT" -U postgres -Atc 'SELECT pg_is_in_recovery()' postgres 2>/dev/null)" = t ]; then
      echo "replica: streaming from $PRIMARY_HOST:$PRIMARY_PORT on 127.0.0.1:$PORT ($DIR)"
      return
    fi
    sleep 1
  done
  echo "replica: did not start; see $DIR/server.log" >&2
  exit 1
}

stop_quiet() {
  if [ -f "$DIR/postmaster.pid" ]; then
    as_postgres "$BIN/pg_ctl" -D "$DIR" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$DIR"
}

case "${1:-}" in
  start) start ;;
  stop) stop_quiet; echo "replica: stopped" ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
