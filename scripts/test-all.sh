#!/usr/bin/env bash
# The whole test suite, as `npm test` runs it: type-check (the runtime and the dashboard page),
# `bun test` (everything under test/ named *.test.ts), then the dashboard's browser tests under
# Node's own test runner (Playwright's pipe to the browser is not reliable under Bun; they need
# Debian's chromium: `apt-get install chromium`, or CHROMIUM_PATH). Every part runs even when
# an earlier one failed, so one run reports everything; the exit code is non-zero if any failed.
set -u
cd "$(dirname "$0")/.."
status=0
npx tsc --noEmit -p . && npx tsc --noEmit -p src/dashboard/page || status=1
npx bun test --timeout 60000 || status=1
node --test --test-concurrency=1 --test-reporter=spec test/browser/*.browser.mjs || status=1
exit $status
