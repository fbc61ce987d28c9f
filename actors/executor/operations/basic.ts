import { SwarmError } from '../../../src/errors.ts';
import { abortableSleep, type Operation } from '../operation.ts';

export const noop: Operation = () => null;

/** Returns `parameters.message`, else all parameters. */
export const echo: Operation = ({ parameters }) =>
  parameters.message !== undefined ? parameters.message : parameters;

export const delay: Operation = async ({ parameters, signal }) => {
  const ms = Number(parameters.ms);
  await abortableSleep(ms, signal);
  return { waitedMs: ms };
};

/**
 * Fails with `parameters.message`. With `times: N` it fails only attempts 1..N and then
 * succeeds, which makes retry behaviour easy to try out in a manifest.
 */
export const fail: Operation = ({ parameters, request }) => {
  const times = typeof parameters.times === 'number' ? parameters.times : Infinity;
  if (request.attempt <= times) {
    const message = typeof parameters.message === 'string' ? parameters.message : 'the fail operation failed on purpose';
    throw new SwarmError('OPERATION_FAILED', message);
  }
  return { succeededOnAttempt: request.attempt };
};
