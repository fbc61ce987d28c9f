#!/usr/bin/env bash
# Installs the benchmark's peer, BullMQ on Redis, so `bun run bench` runs it beside the swarm
# (bench/peer-scenario.ts): Debian's redis-server when missing, and the bullmq and ioredis dev
# dependencies when node_modules lacks them. Idempotent. The bench starts a private Redis of
# its own for each scenario, so the system service that the package starts is stopped and
# disabled again.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] || { echo "peer-bench: redis-server is missing; run this as root to install it with apt" >&2; exit 1; }
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
  # The bench runs its own servers; the package's service is not wanted.
  (systemctl disable --now redis-server || service redis-server stop) >/dev/null 2>&1 || true
fi
if [ ! -d node_modules/bullmq ] || [ ! -d node_modules/ioredis ]; then
  # Both are pinned dev dependencies (package.json): `npm ci` installs exactly them.
  npm ci --no-audit --no-fund
fi
echo "peer-bench: $(redis-server --version | cut -d' ' -f3) and bullmq $(node -p "require('./node_modules/bullmq/package.json').version") ready" >&2
