#!/usr/bin/env bash
# A private, throw-away WordPress for tests and examples, from Debian's packages.
#
#   scripts/wordpress-up.sh install                 install php-cli php-mysql mariadb-server wordpress
#                                                   (only what is missing; apt-get update first)
#   scripts/wordpress-up.sh up DIR [--owner PID]    install if needed, then start a private MariaDB
#                                                   and an installed WordPress site under DIR, and
#                                                   print the facts as KEY=value lines on stdout
#   scripts/wordpress-up.sh down DIR                stop that MariaDB (by its pid) and remove DIR
#
# `up` is idempotent: run again on the same DIR it reuses the running server, the database and
# the site, and prints the same facts. Nothing outside DIR is touched (no systemd, no /etc, no
# system MariaDB): the server listens only on a Unix socket inside DIR (no TCP port to collide
# with), the site is a copy of /usr/share/wordpress with its own wp-config.php, and it is
# installed from the PHP CLI (no web server).
#
# --owner PID: also start a watchdog that runs `down DIR` once process PID has exited, so a
# test that is killed before its cleanup runs still leaves no mariadbd behind.
#
# The facts (also written to DIR/wordpress.env) are:
#   WP_ROOT WP_URL WP_VERSION WP_ADMIN_USER WP_ADMIN_PASSWORD
#   DB_NAME DB_USER DB_PASSWORD DB_HOST DB_SOCKET DB_TABLE_PREFIX DB_ADMIN_USER
#   MARIADB_PID MARIADB_PID_FILE MARIADB_LOG
# Each line is KEY=value; the value runs to the end of the line (no quoting).
#
# Every wait is bounded (server start WAIT_START seconds, stop WAIT_STOP seconds); progress
# and errors go to stderr, so stdout holds only the facts.
set -euo pipefail

WAIT_START=${WORDPRESS_UP_WAIT_START:-30}
WAIT_STOP=${WORDPRESS_UP_WAIT_STOP:-20}
PACKAGES=(php-cli php-mysql mariadb-server wordpress)
WP_SOURCE=/usr/share/wordpress
MARKER=.wordpress-up # marks a DIR this script made, so `down` only ever removes its own folders

say() { printf 'wordpress-up: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# ---- packages ------------------------------------------------------------------------------

missing_packages() {
  local missing=()
  command -v php >/dev/null 2>&1 || missing+=(php-cli)
  if command -v php >/dev/null 2>&1 && ! php -r 'exit(extension_loaded("mysqli") ? 0 : 1);' 2>/dev/null; then
    missing+=(php-mysql)
  fi
  { command -v mariadbd && command -v mariadb-install-db && command -v mariadb && command -v mariadb-admin; } \
    >/dev/null 2>&1 || missing+=(mariadb-server)
  [ -f "$WP_SOURCE/wp-load.php" ] || missing+=(wordpress)
  echo "${missing[@]:-}"
}

install_packages() {
  local missing
  missing=$(missing_packages)
  if [ -z "$missing" ]; then
    say "packages present: ${PACKAGES[*]}"
    return 0
  fi
  [ "$(id -u)" -eq 0 ] || die "missing: $missing; run this as root, or: apt-get install ${PACKAGES[*]}"
  command -v apt-get >/dev/null 2>&1 || die "missing: $missing, and there is no apt-get to install it"
  say "installing ${PACKAGES[*]} (missing: $missing)"
  local started=$SECONDS policy=/usr/sbin/policy-rc.d made_policy=0
  # The packages' maintainer scripts would start the system MariaDB and apache2 (which
  # `wordpress` pulls in). A policy-rc.d that exits 101 is Debian's way of saying "start no
  # services"; container images usually have one already, other machines get one for the
  # duration of the install.
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    made_policy=1
    # shellcheck disable=SC2064 # expanded now: $policy is local
    trap "rm -f '$policy'" EXIT
  fi
  # apt's and dpkg's chatter goes to a log, shown only when something fails.
  local log
  log=$(mktemp "${TMPDIR:-/tmp}/wordpress-up-apt.XXXXXX")
  if ! { DEBIAN_FRONTEND=noninteractive apt-get update -q &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"; } >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "apt-get failed (full log: $log)"
  fi
  rm -f "$log"
  if [ "$made_policy" -eq 1 ]; then
    rm -f "$policy"
    trap - EXIT
  fi
  missing=$(missing_packages)
  [ -z "$missing" ] || die "still missing after apt-get install: $missing"
  say "installed in $((SECONDS - started)) s"
}

# ---- the private server --------------------------------------------------------------------

# Paths inside DIR. A Unix socket path is limited to 107 bytes, hence the short names.
layout() {
  DIR=$1
  DATA_DIR=$DIR/db
  RUN_DIR=$DIR/run
  SOCKET=$RUN_DIR/mysqld.sock
  PID_FILE=$RUN_DIR/mysqld.pid
  LOG=$DIR/mysqld.log
  SITE=$DIR/site
  ENV_FILE=$DIR/wordpress.env
  SECRETS=$DIR/secrets
  WATCHDOG_PID_FILE=$RUN_DIR/watchdog.pid
  [ "${#SOCKET}" -le 100 ] || die "the socket path $SOCKET is too long for a Unix socket; use a shorter DIR"
}

# Run as root, mariadbd must drop to the mysql user (it refuses to run as root); as another
# user it simply runs as that user. The account that administers the server is the OS user
# itself, authenticated over the socket (no password to keep).
server_user() { if [ "$(id -u)" -eq 0 ]; then echo mysql; else id -un; fi; }
admin_user() { if [ "$(id -u)" -eq 0 ]; then echo root; else id -un; fi; }

# Whether a process runs. Not `kill -0` alone: a server that was started in the background and
# has exited stays a zombie until its parent (often init) reaps it, and kill -0 succeeds on one.
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

# The pid in the pid file, if that process is alive and is a mariadbd (a stale pid file may
# name a pid the system has since given to something else).
server_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid=$(tr -dc '0-9' <"$PID_FILE")
  [ -n "$pid" ] && alive "$pid" || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = mariadbd ] || return 1
  echo "$pid"
}

sql() { mariadb --no-defaults --socket="$SOCKET" --user="$(admin_user)" "$@"; }

ping_server() { mariadb-admin --no-defaults --socket="$SOCKET" --user="$(admin_user)" --connect-timeout=2 ping >/dev/null 2>&1; }

start_server() {
  local pid
  if pid=$(server_pid) && ping_server; then
    say "MariaDB already running (pid $pid)"
    return 0
  fi
  mkdir -p "$RUN_DIR"
  rm -f "$SOCKET" "$PID_FILE"
  local user
  user=$(server_user)
  if [ ! -d "$DATA_DIR/mysql" ]; then
    say "creating the data directory $DATA_DIR"
    rm -rf "$DATA_DIR"
    mkdir -p "$DATA_DIR"
    chown "$user" "$DATA_DIR"
    mariadb-install-db --no-defaults --user="$user" --datadir="$DATA_DIR" \
      --auth-root-authentication-method=socket --auth-root-socket-user="$(admin_user)" \
      --skip-test-db >>"$LOG" 2>&1 || { tail -n 20 "$LOG" >&2; die "mariadb-install-db failed (log: $LOG)"; }
  fi
  chown "$user" "$RUN_DIR"
  # No TCP at all (--skip-networking): the socket in DIR is the only way in, so servers of
  # parallel test runs never compete for a port. Its output goes to the log, never to this
  # script's stdout, which the caller reads to its end.
  mariadbd --no-defaults --user="$user" --datadir="$DATA_DIR" --socket="$SOCKET" \
    --pid-file="$PID_FILE" --skip-networking --log-error="$LOG" \
    --innodb-buffer-pool-size=32M --innodb-log-file-size=16M --skip-log-bin \
    </dev/null >>"$LOG" 2>&1 &
  local started=$! deadline=$((SECONDS + WAIT_START))
  until ping_server; do
    if ! alive "$started"; then
      tail -n 20 "$LOG" >&2
      die "mariadbd exited during start-up (log: $LOG)"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      kill -KILL "$started" 2>/dev/null || true
      tail -n 20 "$LOG" >&2
      die "mariadbd did not answer within $WAIT_START s (log: $LOG)"
    fi
    sleep 0.1
  done
  say "MariaDB running (pid $started, socket $SOCKET)"
}

stop_server() {
  local pid
  if ! pid=$(server_pid); then
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + WAIT_STOP))
  while alive "$pid"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "mariadbd (pid $pid) still running after $WAIT_STOP s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
      break
    fi
    sleep 0.1
  done
  say "MariaDB stopped (pid $pid)"
}

# ---- the site ------------------------------------------------------------------------------

secret() { head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20; }

load_secrets() {
  if [ ! -f "$SECRETS" ]; then
    (umask 077 && printf 'DB_PASSWORD=%s\nWP_ADMIN_PASSWORD=%s\n' "$(secret)" "$(secret)" >"$SECRETS")
  fi
  DB_PASSWORD=$(sed -n 's/^DB_PASSWORD=//p' "$SECRETS")
  WP_ADMIN_PASSWORD=$(sed -n 's/^WP_ADMIN_PASSWORD=//p' "$SECRETS")
}

DB_NAME=wordpress
DB_USER=wordpress
TABLE_PREFIX=wp_
WP_URL=http://localhost
WP_ADMIN_USER=admin

create_database() {
  sql <<SQL
CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL PRIVILEGES ON \`$DB_NAME\`.* TO '$DB_USER'@'localhost';
SQL
}

# PHP single-quoted string literal.
php_quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/\\\\/\\\\\\\\/g; s/'/\\\\'/g")"; }

copy_site() {
  if [ -f "$SITE/wp-load.php" ] && [ -f "$SITE/wp-config.php" ]; then
    return 0
  fi
  say "copying $WP_SOURCE to $SITE"
  rm -rf "$SITE"
  mkdir -p "$SITE"
  # -L: Debian's tree links wp-config.php to /etc/wordpress and wp-content to /var/lib; the
  # copy must be self-contained, so links are followed (Debian's wp-config.php is replaced).
  cp -RL "$WP_SOURCE/." "$SITE/"
  rm -f "$SITE/wp-config.php"
  local salts="" key
  for key in AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY AUTH_SALT SECURE_AUTH_SALT LOGGED_IN_SALT NONCE_SALT; do
    salts+="define('$key', '$(secret)$(secret)');"$'\n'
  done
  cat >"$SITE/wp-config.php" <<PHP
<?php
// Written by scripts/wordpress-up.sh for a private test site; not Debian's multi-host config.
define('DB_NAME', $(php_quote "$DB_NAME"));
define('DB_USER', $(php_quote "$DB_USER"));
define('DB_PASSWORD', $(php_quote "$DB_PASSWORD"));
// 'localhost' alone would mean the system socket /run/mysqld/mysqld.sock; this names ours.
define('DB_HOST', $(php_quote "localhost:$SOCKET"));
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
$salts
\$table_prefix = $(php_quote "$TABLE_PREFIX");
define('WP_HOME', $(php_quote "$WP_URL"));
define('WP_SITEURL', $(php_quote "$WP_URL"));
// No debug output (WordPress 6.1 on PHP 8.2 prints deprecations), no cron, updates or
// outgoing HTTP: a test site has no web server and no network.
define('WP_DEBUG', false);
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('FS_METHOD', 'direct');
if (!defined('ABSPATH')) {
    define('ABSPATH', __DIR__ . '/');
}
require_once ABSPATH . 'wp-settings.php';
PHP
}

install_site() {
  # Installs from the CLI: WP_INSTALLING lets wp-load.php through on an empty database, and a
  # pre-initialised pre_http_request filter stops wp_install() from requesting the site (for
  # its permalink check), which would otherwise wait on a web server that does not exist.
  # (php -r, not a script on stdin: PHP defines STDERR only for code it did not read from stdin.)
  local code
  code=$(cat <<'PHP'
define('WP_INSTALLING', true);
$_SERVER['HTTP_HOST'] = 'localhost';
$_SERVER['REQUEST_URI'] = '/';
$GLOBALS['wp_filter']['pre_http_request'][10][] = [
    'function' => static fn () => new WP_Error('wordpress-up', 'no HTTP during a CLI install'),
    'accepted_args' => 1,
];
require getenv('SITE') . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
if (is_blog_installed()) {
    fwrite(STDERR, "wordpress-up: site already installed\n");
    exit(0);
}
$result = wp_install(getenv('TITLE'), getenv('ADMIN'), 'admin@example.invalid', false, '', wp_slash(getenv('PASS')));
if (!is_blog_installed()) {
    fwrite(STDERR, "wordpress-up: wp_install() did not install the site\n");
    exit(1);
}
fwrite(STDERR, "wordpress-up: site installed (user id {$result['user_id']})\n");
PHP
)
  SITE="$SITE" TITLE="WP Praxis test site" ADMIN="$WP_ADMIN_USER" PASS="$WP_ADMIN_PASSWORD" \
    php -d display_errors=stderr -r "$code" </dev/null
}

wp_version() { sed -n "s/^\$wp_version = '\(.*\)';/\1/p" "$SITE/wp-includes/version.php"; }

# ---- watchdog ------------------------------------------------------------------------------

start_watchdog() {
  local owner=$1
  kill -0 "$owner" 2>/dev/null || die "--owner $owner: no such process"
  stop_watchdog
  # setsid + fds on /dev/null: the watchdog belongs to no terminal or pipe of the caller, so it
  # neither holds the caller's stdout open nor dies with the caller's process group.
  setsid bash -c '
    owner=$1 script=$2 dir=$3
    while kill -0 "$owner" 2>/dev/null; do sleep 1; done
    "$script" down "$dir"
  ' watchdog "$owner" "$(readlink -f "$0")" "$DIR" </dev/null >/dev/null 2>>"$DIR/watchdog.log" &
  echo $! >"$WATCHDOG_PID_FILE"
}

stop_watchdog() {
  [ -f "$WATCHDOG_PID_FILE" ] || return 0
  local pid
  pid=$(tr -dc '0-9' <"$WATCHDOG_PID_FILE")
  rm -f "$WATCHDOG_PID_FILE"
  # Only if it is still our watchdog (its command line names this DIR), and never ourselves
  # (down may be run by the watchdog).
  if [ -n "$pid" ] && [ "$pid" != "$$" ] && [ "$pid" != "$PPID" ] &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$DIR"; then
    kill -TERM "$pid" 2>/dev/null || true
  fi
}

# ---- commands ------------------------------------------------------------------------------

facts() {
  cat <<EOF
WP_ROOT=$SITE
WP_URL=$WP_URL
WP_VERSION=$(wp_version)
WP_ADMIN_USER=$WP_ADMIN_USER
WP_ADMIN_PASSWORD=$WP_ADMIN_PASSWORD
DB_NAME=$DB_NAME
DB_USER=$DB_USER
DB_PASSWORD=$DB_PASSWORD
DB_HOST=localhost:$SOCKET
DB_SOCKET=$SOCKET
DB_TABLE_PREFIX=$TABLE_PREFIX
DB_ADMIN_USER=$(admin_user)
MARIADB_PID=$(server_pid || true)
MARIADB_PID_FILE=$PID_FILE
MARIADB_LOG=$LOG
EOF
}

cmd_up() {
  local dir="" owner=""
  while [ $# -gt 0 ]; do
    case $1 in
      --owner) owner=${2:?--owner needs a pid}; shift 2 ;;
      -*) usage ;;
      *) [ -z "$dir" ] || usage; dir=$1; shift ;;
    esac
  done
  [ -n "$dir" ] || usage
  install_packages
  if [ -e "$dir" ] && [ ! -f "$dir/$MARKER" ] && [ -n "$(ls -A "$dir")" ]; then
    die "$dir exists, is not empty and was not made by this script; give an empty or new directory"
  fi
  mkdir -p "$dir"
  layout "$(cd "$dir" && pwd -P)"
  touch "$DIR/$MARKER"
  # The server runs as the mysql user, which must reach DIR (mkdtemp makes it 0700).
  chmod 755 "$DIR"
  local started=$SECONDS
  start_server
  [ -z "$owner" ] || start_watchdog "$owner"
  load_secrets
  create_database
  copy_site
  install_site
  facts | tee "$ENV_FILE"
  say "ready in $((SECONDS - started)) s: $SITE (facts in $ENV_FILE)"
}

cmd_down() {
  [ $# -eq 1 ] || usage
  [ -e "$1" ] || { say "nothing to stop: $1 does not exist"; return 0; }
  layout "$(cd "$1" && pwd -P)"
  stop_watchdog
  stop_server
  if [ -f "$DIR/$MARKER" ]; then
    rm -rf "$DIR"
    say "removed $DIR"
  else
    say "not removing $DIR: it was not made by this script"
  fi
}

case ${1:-} in
  install) [ $# -eq 1 ] || usage; install_packages ;;
  up) shift; cmd_up "$@" ;;
  down) shift; cmd_down "$@" ;;
  *) usage ;;
esac
