import type { Command } from 'commander';
import { coordinatorMachine } from '../../../machines/coordinator-machine.ts';
import { dispatcherMachine } from '../../../machines/dispatcher-machine.ts';
import { nodeMachine } from '../../../machines/node-machine.ts';
import { taskMachine } from '../../../machines/task-machine.ts';
import { UsageError } from '../../errors.ts';
import { statechartToDot, statechartToMermaid } from '../../graph/formats.ts';
import { statechartOf } from '../../graph/statechart.ts';
import { action } from '../action.ts';
import { summaryOf } from '../command-index.ts';
import { out } from '../exit.ts';
import { printJson } from '../output.ts';

const FORMATS = ['mermaid', 'dot', 'json'] as const;

/**
 * `swarm machines [--format mermaid|dot|json] [--machine NAME]`: the four statecharts (task,
 * coordinator, node, dispatcher) read from their XState definitions with `xstate/graph`:
 * states, initial and final states, and every transition with its event (`after <delay>` for
 * a timer, `always` for an eventless one). Mermaid by default, one diagram per machine.
 */
export function registerMachines(program: Command): void {
  program
    .command('machines')
    .description(summaryOf('machines'))
    .option('--format <format>', `${FORMATS.join(', ')} (default mermaid)`, 'mermaid')
    .option('--json', 'the same as --format json (errors as JSON too)')
    .option('--machine <name>', 'only this machine: task, coordinator, node or dispatcher')
    .action(
      action(async (opts: { format: string; machine?: string; json?: boolean }) => {
        if (opts.json) opts.format = 'json';
        if (!(FORMATS as readonly string[]).includes(opts.format)) throw new UsageError(`--format expects ${FORMATS.join(', ')} (got "${opts.format}").`);
        const all = [
          statechartOf('task', taskMachine),
          statechartOf('coordinator', coordinatorMachine),
          statechartOf('node', nodeMachine),
          statechartOf('dispatcher', dispatcherMachine),
        ];
        const charts = opts.machine === undefined ? all : all.filter((c) => c.machine === opts.machine);
        if (charts.length === 0) throw new UsageError(`--machine expects task, coordinator, node or dispatcher (got "${opts.machine}").`);
        if (opts.format === 'json') await printJson({ machines: charts });
        else await out(charts.map(opts.format === 'dot' ? statechartToDot : statechartToMermaid).join('\n'));
        return 0;
      }),
    );
}
