#!/usr/bin/env bash
# Shegong behind pgbouncer in transaction pooling (CI, PostgreSQL leg; #18). Starts Debian's
# pgbouncer on 127.0.0.1:6433 in front of 127.0.0.1:5432 (installed with apt when missing),
# then, through it with SHEGONG_PGBOUNCER=1: migrates a scratch database, loads the demo
# (bulk writes by COPY, facts, aggregates, imports, exchange), reads every role's home page
# and the main lists, imports a roster and checks the aggregates against a rebuild. (Tried
# without SHEGONG_PGBOUNCER=1 it passed as well: it shows Shegong works behind pgbouncer,
# not that every setting the flag makes is needed; Django's documentation asks for them.)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
if ! command -v pgbouncer >/dev/null && [ ! -x /usr/sbin/pgbouncer ]; then
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get install -y -qq pgbouncer >/dev/null
fi
work=$(mktemp -d)
db="shegong_pgb_$$"
port=6433
cat >"$work/pgbouncer.ini" <<INI
[databases]
$db = host=127.0.0.1 port=5432 dbname=$db
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $work/users.txt
pool_mode = transaction
default_pool_size = 4
; four server connections open from the start, used in turn: consecutive transactions of
; one client land on different server connections, as under load
min_pool_size = 4
server_round_robin = 1
max_client_conn = 200
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
logfile = $work/pgbouncer.log
pidfile = $work/pgbouncer.pid
INI
echo '"postgres" ""' >"$work/users.txt"
psql -h 127.0.0.1 -U postgres -q -c "CREATE DATABASE $db" postgres
cleanup() {
  [ -f "$work/pgbouncer.pid" ] && kill "$(cat "$work/pgbouncer.pid")" 2>/dev/null || true
  sleep 1
  psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" postgres || true
  rm -rf "$work"
}
trap cleanup EXIT
user=$( [ "$(id -u)" = 0 ] && echo postgres || id -un )
if [ "$(id -u)" = 0 ]; then
  chown -R postgres "$work"
  su postgres -s /bin/sh -c "/usr/sbin/pgbouncer -d $work/pgbouncer.ini"
else
  /usr/sbin/pgbouncer -d "$work/pgbouncer.ini"
fi
for _ in $(seq 1 20); do pg_isready -q -h 127.0.0.1 -p $port && break; sleep 0.5; done
export DATABASE_URL="postgres://postgres@127.0.0.1:$port/$db"
export SHEGONG_PGBOUNCER=1 SHEGONG_DEBUG=1 SHEGONG_MEDIA_ROOT="$work/media"
echo "== migrate through pgbouncer (transaction pooling)"
$PY manage.py migrate --noinput -v0
$PY manage.py import_divisions --only 43 >/dev/null
echo "== the demo through pgbouncer"
$PY manage.py load_demo >/dev/null
echo "== pages, an import and the aggregates through pgbouncer"
$PY manage.py shell -v0 -c "$(cat scripts/pgbouncer_pages.py)"
echo "pgbouncer check passed (as $user)"
