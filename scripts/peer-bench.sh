#!/usr/bin/env bash
# Installs the benchmark's peer, BullMQ on Redis, so `bun run bench` runs its rows beside the
# swarm's (bench/peer-scenario.ts) instead of skipping them: Debian's redis-server when it is
# missing, and the bullmq and ioredis dev dependencies (pinned in package.json and
# package-lock.json; bullmq 6 takes ioredis as a peer) when node_modules lacks them.
# Idempotent. The bench starts a private redis-server for each scenario, so this leaves no
# Redis service running: the package's service is kept from starting while it installs, and
# disabled where systemd would start it at boot.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] || { echo "peer-bench: redis-server is missing; run this as root to install it with apt-get" >&2; exit 1; }
  # Debian's maintainer scripts ask policy-rc.d before starting a service; 101 means "do not".
  # Only a policy put here by this script is removed again.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server
  if [ -d /run/systemd/system ]; then
    systemctl disable --now redis-server >/dev/null 2>&1 || true
  else
    # An existing policy-rc.d may have allowed the start: stop what the package started.
    service redis-server stop >/dev/null 2>&1 || true
  fi
  command -v redis-server >/dev/null 2>&1 || { echo "peer-bench: apt-get installed redis-server, but it is not on the PATH ($PATH)" >&2; exit 1; }
fi

if [ ! -f node_modules/bullmq/package.json ] || [ ! -f node_modules/ioredis/package.json ]; then
  # `npm install`, not `npm ci`: it adds what is missing from the lock file's versions and
  # leaves the rest of node_modules alone.
  npm install --no-audit --no-fund
fi

echo "peer-bench: redis-server $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p') and bullmq $(node -p "require('./node_modules/bullmq/package.json').version") ready: \`bun run bench\` runs the bullmq rows" >&2
