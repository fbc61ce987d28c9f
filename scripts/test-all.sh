#!/usr/bin/env bash
# The whole test suite, as `npm test` runs it:
#   1. type-check (the runtime and the dashboard page);
#   2. `bun test`: everything under test/ named *.test.ts, on the default (compiled) task engine;
#   3. the runtime tests again on the XState reference engine (SWARM_TASK_ENGINE=xstate): every
#      task a real XState actor (actors/task-engine/);
#   4. every journal the runtime tests of 2 and 3 wrote re-simulates with the real machines
#      (test/support/journal-audit.ts records them, journal-audit.check.ts checks them);
#   5. the dashboard's browser tests under Node's own test runner (Playwright's pipe to the
#      browser is not reliable under Bun; they need Debian's chromium: `apt-get install
#      chromium`, or CHROMIUM_PATH).
# Every part runs even when an earlier one failed, so one run reports everything; the exit code
# is non-zero if any failed.
set -u
cd "$(dirname "$0")/.."
status=0
audit=$(mktemp -d)
trap 'rm -rf "$audit"' EXIT
npx tsc --noEmit -p . && npx tsc --noEmit -p src/dashboard/page || status=1
SWARM_JOURNAL_AUDIT="$audit/compiled.jsonl" npx bun test --preload ./test/support/journal-audit.ts --timeout 60000 || status=1
SWARM_TASK_ENGINE=xstate SWARM_JOURNAL_AUDIT="$audit/xstate.jsonl" npx bun test --preload ./test/support/journal-audit.ts --timeout 60000 \
  test/runtime test/remote test/scheduling test/server test/journal \
  test/cli/crash-recovery test/cli/rollback test/cli/run-control test/cli/orphan-adoption test/cli/interrupted || status=1
SWARM_JOURNAL_AUDIT_DIR="$audit" npx bun test ./test/support/journal-audit.check.ts || status=1
node --test --test-concurrency=1 --test-reporter=spec test/browser/*.browser.mjs || status=1
exit $status
