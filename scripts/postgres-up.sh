#!/usr/bin/env bash
# A private, throw-away PostgreSQL cluster for tests and local trials (the PostgresStore).
#
#   scripts/postgres-up.sh          install the server if its binaries are missing (apt-get),
#                                   start a cluster on 127.0.0.1 on a free port, create the
#                                   database `swarm` (user `swarm`, trust auth), print its URL
#                                   on stdout and write it to DIR/url
#   scripts/postgres-up.sh stop     stop that cluster and remove DIR
#   scripts/postgres-up.sh down     stop that cluster but keep DIR: `up` starts it again, with
#                                   its data, at the same URL (an outage, for tests and trials)
#   scripts/postgres-up.sh url      print the URL of the running cluster (exit 1 if none)
#
# DIR is $SWARM_POSTGRES_DIR, else ${TMPDIR:-/tmp}/swarm-postgres; test/store-postgres.test.ts
# reads DIR/url when SWARM_TEST_POSTGRES_URL is not set. Idempotent: run again, it reuses the
# running cluster and prints the same URL. Nothing outside DIR is touched (no systemd, no
# /etc/postgresql, no system cluster). Works as root (CI): initdb and postgres refuse to run as
# root, so they run as the `postgres` user (su), which owns the data directory.
#
# Every wait is bounded (start WAIT_START, stop WAIT_STOP seconds). Progress and errors go to
# stderr; stdout holds only the URL.
set -euo pipefail

WAIT_START=${POSTGRES_UP_WAIT_START:-30}
WAIT_STOP=${POSTGRES_UP_WAIT_STOP:-20}
DIR=${SWARM_POSTGRES_DIR:-${TMPDIR:-/tmp}/swarm-postgres}
DATA=$DIR/pg
SOCKETS=$DIR/run
LOG=$DIR/pg.log # ours (initdb, pg_ctl)
SERVER_LOG=$DIR/server.log # the server's own, written by its owner
PORT_FILE=$DIR/port
URL_FILE=$DIR/url
MARKER=$DIR/.postgres-up # marks a DIR this script made, so `stop` only ever removes its own
DB_USER=swarm
DB_NAME=swarm

say() { printf 'postgres-up: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# The newest installed server's bin directory, or nothing.
pg_bin() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
  done
  return 1
}

install_server() {
  pg_bin >/dev/null && return 0
  [ "$(id -u)" -eq 0 ] || die "the PostgreSQL server is not installed; run this as root, or: apt-get install postgresql"
  command -v apt-get >/dev/null 2>&1 || die "the PostgreSQL server is not installed, and there is no apt-get to install it"
  say "installing postgresql (apt-get)"
  local policy=/usr/sbin/policy-rc.d made_policy=0 log
  # The package would start the system cluster; a policy-rc.d that exits 101 is Debian's
  # "start no services". The private cluster below is the only one this script wants.
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    made_policy=1
    # shellcheck disable=SC2064 # expanded now
    trap "rm -f '$policy'" EXIT
  fi
  log=$(mktemp "${TMPDIR:-/tmp}/postgres-up-apt.XXXXXX")
  if ! { DEBIAN_FRONTEND=noninteractive apt-get update -q &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql; } >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "apt-get failed (full log: $log)"
  fi
  rm -f "$log"
  if [ "$made_policy" -eq 1 ]; then
    rm -f "$policy"
    trap - EXIT
  fi
  pg_bin >/dev/null || die "still no PostgreSQL server binaries after apt-get install postgresql"
}

# Runs a command as the cluster's owner: `postgres` when we are root, else ourselves.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
  else
    "$@"
  fi
}

owner() { if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi; }

is_running() {
  [ -f "$DATA/PG_VERSION" ] && [ -f "$PORT_FILE" ] || return 1
  as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1 || return 1
  "$BIN/pg_isready" -q -h 127.0.0.1 -p "$(cat "$PORT_FILE")" -t 2
}

# A port nobody listens on 127.0.0.1 (below Linux's ephemeral range, so outgoing connections
# do not take it meanwhile). pg_ctl start still fails cleanly if it is taken in between.
free_port() {
  local port tries=0
  while [ $tries -lt 50 ]; do
    port=$((20000 + RANDOM % 12000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
    tries=$((tries + 1))
  done
  die "found no free port on 127.0.0.1"
}

init_cluster() {
  [ -f "$DATA/PG_VERSION" ] && return 0
  say "creating the cluster in $DATA"
  rm -rf "$DATA"
  mkdir -p "$DATA"
  chown "$(owner)" "$DATA"
  chmod 700 "$DATA"
  as_owner "$BIN/initdb" -D "$DATA" -A trust -U "$DB_USER" -E UTF8 --no-instructions >>"$LOG" 2>&1 ||
    { tail -n 20 "$LOG" >&2; die "initdb failed (log: $LOG)"; }
}

start_cluster() {
  local port attempt
  mkdir -p "$SOCKETS"
  touch "$SERVER_LOG"
  chown "$(owner)" "$SOCKETS" "$SERVER_LOG"
  for attempt in 1 2 3; do
    # The port of the last start when there was one (a stable URL across restarts), else a free one.
    if [ "$attempt" -eq 1 ] && [ -f "$PORT_FILE" ]; then port=$(cat "$PORT_FILE"); else port=$(free_port); fi
    if as_owner "$BIN/pg_ctl" -D "$DATA" -l "$SERVER_LOG" -w -t "$WAIT_START" \
      -o "-p $port -k $SOCKETS -c listen_addresses=127.0.0.1" start >/dev/null 2>>"$LOG"; then
      echo "$port" >"$PORT_FILE"
      return 0
    fi
    say "start on port $port failed (attempt $attempt); see $SERVER_LOG and $LOG"
    # A start that timed out may leave a server coming up: stop it before trying another port.
    as_owner "$BIN/pg_ctl" -D "$DATA" -m immediate -t "$WAIT_STOP" stop >/dev/null 2>&1 || true
  done
  tail -n 20 "$LOG" "$SERVER_LOG" >&2
  die "PostgreSQL did not start (3 attempts, each bounded by $WAIT_START s; logs: $SERVER_LOG, $LOG)"
}

create_database() {
  local port=$1 exists
  exists=$(PGCONNECT_TIMEOUT=5 "$BIN/psql" -h 127.0.0.1 -p "$port" -U "$DB_USER" -d postgres -tAX \
    -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'") || die "cannot query the new cluster on port $port"
  [ "$exists" = 1 ] || "$BIN/createdb" -h 127.0.0.1 -p "$port" -U "$DB_USER" "$DB_NAME" ||
    die "createdb $DB_NAME failed"
}

cmd_up() {
  install_server
  BIN=$(pg_bin)
  if [ -e "$DIR" ] && [ ! -f "$MARKER" ] && [ -n "$(ls -A "$DIR")" ]; then
    die "$DIR exists, is not empty and was not made by this script; set SWARM_POSTGRES_DIR to another directory"
  fi
  mkdir -p "$DIR"
  touch "$MARKER"
  # The server runs as `postgres`, which must reach the data and socket directories inside DIR.
  chmod 755 "$DIR"
  local started=$SECONDS
  if is_running; then
    say "already running on port $(cat "$PORT_FILE")"
  else
    init_cluster
    start_cluster
    say "started in $((SECONDS - started)) s (server log: $SERVER_LOG)"
  fi
  local port url
  port=$(cat "$PORT_FILE")
  create_database "$port"
  url="postgres://$DB_USER@127.0.0.1:$port/$DB_NAME"
  echo "$url" >"$URL_FILE"
  echo "$url"
}

cmd_stop() {
  if [ ! -e "$DIR" ]; then
    say "nothing to stop: $DIR does not exist"
    return 0
  fi
  if [ ! -f "$MARKER" ]; then
    say "nothing to stop: $DIR was not made by this script"
    return 0
  fi
  rm -f "$URL_FILE"
  if BIN=$(pg_bin) && [ -f "$DATA/PG_VERSION" ] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    # fast: rolls back open transactions and disconnects clients, then a clean shutdown.
    as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w -t "$WAIT_STOP" stop >/dev/null 2>>"$LOG" ||
      as_owner "$BIN/pg_ctl" -D "$DATA" -m immediate -w -t "$WAIT_STOP" stop >/dev/null 2>>"$LOG" ||
      die "PostgreSQL in $DATA did not stop within $((2 * WAIT_STOP)) s (log: $LOG)"
    say "stopped"
  fi
  rm -rf "$DIR"
}

cmd_down() {
  [ -f "$MARKER" ] || die "no cluster made by this script in $DIR"
  BIN=$(pg_bin) || die "PostgreSQL is not installed"
  if [ -f "$DATA/PG_VERSION" ] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    # fast: rolls back open transactions and ends every client's session, as a crash or a
    # restart does for the clients; the data stays.
    as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w -t "$WAIT_STOP" stop >/dev/null 2>>"$LOG" ||
      die "PostgreSQL in $DATA did not stop within $WAIT_STOP s (log: $LOG)"
    say "stopped (data kept; start it again with: $0)"
  else
    say "not running"
  fi
}

cmd_url() {
  BIN=$(pg_bin) || die "PostgreSQL is not installed"
  is_running || die "no cluster is running in $DIR; start one with scripts/postgres-up.sh"
  cat "$URL_FILE"
}

case ${1:-up} in
  up) [ $# -le 1 ] || usage; cmd_up ;;
  stop) [ $# -eq 1 ] || usage; cmd_stop ;;
  down) [ $# -eq 1 ] || usage; cmd_down ;;
  url) [ $# -eq 1 ] || usage; cmd_url ;;
  *) usage ;;
esac
