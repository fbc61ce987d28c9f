/**
 * The header every JSON answer of a swarm dispatcher carries (its value: the answer's format,
 * 1). A client pointed at another server that happens to answer JSON says so, instead of
 * misreading that server's answers (a run "undefined" followed for good, a status that crashes).
 */
export const DISPATCHER_ANSWER_HEADER = 'x-swarm-dispatcher';
export const DISPATCHER_ANSWER_FORMAT = '1';
