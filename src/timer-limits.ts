/**
 * The longest delay a timer can wait: 2^31 - 1 ms, about 24.8 days. setTimeout (Bun, Node,
 * browsers) keeps its delay as a signed 32-bit number, so a longer one fires after ~1 ms: a
 * 30-day timeout would act as none at all. Every duration the swarm accepts (config keys,
 * symbol timeouts, the delay operation) is checked against this one constant.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** The limit in words, for error messages. */
export const MAX_TIMER_TEXT = `${MAX_TIMER_MS} ms (about 24.8 days, the longest a timer can wait)`;
