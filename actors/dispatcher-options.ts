import type { Clock } from '../src/clock.ts';
import type { CommandLine } from '../src/command-line.ts';
import type { SwarmConfig } from '../src/config/schema.ts';
import type { SwarmLogger } from '../src/logger.ts';
import type { SwarmStore } from '../src/store/types.ts';

export interface DispatcherOptions {
  config: SwarmConfig;
  /** Use this store instead of opening `[dispatcher] state_db_url` or `state_db_path`; the caller closes it. */
  store?: SwarmStore;
  clock?: Clock;
  random?: () => number;
  now?: () => number;
  logger?: SwarmLogger;
  /**
   * Whether remote workers can join (the long-lived dispatcher with its /workers route). Then
   * a task whose dispatch no node offers waits up to `[coordinator] node_wait_timeout` for one
   * to connect; otherwise (`swarm run`, an embedded dispatcher) it fails with NO_CAPABLE_NODE
   * at once, since no node can ever come.
   */
  acceptsRemoteNodes?: boolean;
  /**
   * How the hints of this dispatcher's refusals write a swarm command about its database
   * (`['run', '--resume', id]` → a command line): the CLI's carries the config and --db it was
   * given. Default: `swarm` and the words, as a dispatcher process (which knows no CLI's flags)
   * writes them.
   */
  commandLine?: CommandLine;
}
