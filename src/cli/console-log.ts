import type pino from 'pino';
import { terminalText } from '../terminal-text.ts';
import { colourOn } from './colour.ts';
import type { LogFormat } from '../config/index.ts';
import { prettyLogLine } from '../logger.ts';

/**
 * The console side of logging while `swarm run` draws its progress bar (or runs with --quiet).
 *
 * The logger has one level for all its destinations, and the file must keep the configured
 * level. So the logger is configured as usual (file at `[logging] level`) but its console
 * destination is this stream: it receives every line as JSON, drops those below `warn`, and
 * prints the rest on stderr in the configured `[logging] format`, through `around` so a line
 * can be printed without tearing the progress bar. Info lines ("run accepted", task logs) would
 * otherwise scroll the bar away ten times a second.
 */

const SHOWN_LEVELS = new Set(['warn', 'error', 'fatal']);

export class WarnOnlyConsole implements pino.DestinationStream {
  /** Wraps each print; the run command points it at the progress bar once that exists. */
  around: (print: () => void) => void = (print) => print();
  private readonly format: (line: string) => string;
  /** Colour as every other line on stderr has it (a terminal, NO_COLOR unset). */
  private readonly colours = colourOn(process.env, process.stderr);

  constructor(format: LogFormat) {
    if (format === 'json') {
      this.format = (line) => line;
    } else {
      this.format = prettyLogLine(this.colours);
    }
  }

  write(line: string): void {
    let level: unknown;
    try {
      level = (JSON.parse(line) as { level?: unknown }).level;
    } catch {
      level = 'warn'; // not JSON: show it rather than lose it
    }
    if (typeof level !== 'string' || !SHOWN_LEVELS.has(level)) return;
    const text = this.format(line);
    this.around(() => process.stderr.write(terminalText(text.endsWith('\n') ? text : text + '\n', this.colours)));
  }
}
