import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { UsageError } from '../../errors.ts';
import { action } from '../action.ts';
import { summaryOf } from '../command-index.ts';
import { loadCliConfig } from '../context.ts';
import { DispatcherClient, dispatcherUrls } from '../dispatcher-client.ts';
import { out } from '../exit.ts';
import { printJson } from '../output.ts';
import { swarmCommandLine, type CommandLine } from '../../command-line.ts';

/** What each verb says once done; `commandLine` writes a hint's command as this one was given. */
const VERBS: Record<'cancel' | 'pause' | 'resume', { done: (id: string, commandLine: CommandLine) => string }> = {
  cancel: {
    done: (id) => `Run ${id} is being cancelled; running tasks get [dispatcher] shutdown_grace to finish.`,
  },
  pause: {
    done: (id, commandLine) => `Run ${id} is paused: no new task starts until \`${commandLine(['resume', id])}\`.`,
  },
  resume: {
    done: (id) => `Run ${id} goes on.`,
  },
};

/**
 * `swarm cancel|pause|resume <run> [config] [--url URL] [--json]`: control of a run that the
 * running dispatcher hosts. A run of `swarm run` is controlled where it runs (Ctrl-C cancels
 * it). Exit 0 done, 2 the run is unknown or not active there, 3 no dispatcher answers.
 */
export function registerControl(program: Command): void {
  for (const [verb, { done }] of Object.entries(VERBS)) {
    program
      .command(verb)
      .description(summaryOf(verb))
      .argument('<run>', 'run id')
      .argument('[config]', 'config file (default: $SWARM_CONFIG, else ./swarm-config.toml, else built-in defaults)')
      .option('--url <url>', 'the dispatcher, or several separated by commas (the first that answers; default: [dispatcher] coordinator_endpoint, ws:// read as http://)')
      .option('--json', 'print the answer as JSON')
      .action(
        action(async (runId: string, configPath: string | undefined, opts: { url?: string; json?: boolean }) => {
          if (runId.trim() === '') throw new UsageError(`swarm ${verb} needs a run id (or a unique prefix of one); \`swarm status\` lists the dispatcher's runs.`);
          if (configPath === undefined && runId.endsWith('.toml') && existsSync(runId)) {
            throw new UsageError(`"${runId}" is a config file, not a run: the run comes first (swarm ${verb} <run> ${runId}).`);
          }
          const { config } = await loadCliConfig(configPath);
          const client = new DispatcherClient(dispatcherUrls(config, opts.url), config);
          // Only the dispatcher hosting the run acts on it, and a second cancel (pause, resume) changes nothing.
          const answer = await client.post<{ runId: string; status: string }>(`/api/runs/${encodeURIComponent(runId)}/${verb}`, {}, { repeatable: true });
          // The same dispatcher (--url) and config, so the hint reaches the run when pasted.
          const url = opts.url === undefined ? [] : ['--url', opts.url];
          if (opts.json) await printJson(answer);
          else await out(done(answer.runId, (words) => swarmCommandLine([...words, ...url], configPath, undefined)));
          return 0;
        }),
      );
  }
}
