/**
 * Failure classes the fuzzers are known to find while their fixes are in flight (issue 9's list).
 * A class here is still a failure: the report marks it KNOWN instead of NEW, and only under
 * FUZZ_ALLOW_KNOWN=1 does it stop failing the test. Delete an entry once its fix has landed
 * and the fuzzers pass without it.
 */
export const KNOWN: { pattern: RegExp; issue: string }[] = [
  { pattern: /duration .*>= 2\^31|timeout .*>= 2\^31/, issue: 'durations >= 2^31 ms accepted' },
  { pattern: /local_workers/, issue: 'unbounded local_workers' },
  { pattern: /valid but not storable|topologicalOrder threw/, issue: 'self-referencing YAML aliases / 100k-deep TOML pass validate and fail at store' },
  { pattern: /hung|no result within/, issue: 'quadratic manifest validation' },
  { pattern: /GET \/api\/runs\/%/, issue: 'GET /api/runs/% answers 500' },
  { pattern: /Host header/, issue: 'malformed Host headers get Bun\'s development error page' },
  { pattern: /without a token|wrong token/, issue: 'token not enforced on loopback' },
  { pattern: /log fields override/, issue: 'worker log fields override the dispatcher\'s' },
  { pattern: /worker name/, issue: 'huge/NUL worker names' },
  { pattern: /outcome without started|never ended/, issue: 'an outcome frame without started leaves a task assigned' },
  { pattern: /log file/, issue: 'unwritable log file hangs exit' },
];

export function knownIssueOf(cls: string): string | null {
  return KNOWN.find((k) => k.pattern.test(cls))?.issue ?? null;
}
