import { SwarmError } from '../errors.ts';

/**
 * A machine uses a feature the compiled task engine does not implement: it refuses the machine
 * at start-up rather than run it differently from XState. The fix is in the machine, or
 * `[dispatcher] task_engine = "xstate"`, which runs every task as a real XState actor.
 */
export class MachineNotCompilableError extends SwarmError {
  override name = 'MachineNotCompilableError';
  constructor(machineId: string, what: string) {
    super(
      'MACHINE_NOT_COMPILABLE',
      `The "${machineId}" machine cannot be compiled: ${what}. Set [dispatcher] task_engine = "xstate" to run it as XState actors, or keep the machine to what the compiled engine supports (see docs/performance.md).`,
    );
  }
}
