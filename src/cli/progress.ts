import { Presets, SingleBar } from 'cli-progress';
import { terminalText } from '../terminal-text.ts';

/**
 * The live progress line of `swarm run` on a terminal (cli-progress): settled/total, running,
 * failed, elapsed time and the names of what runs or waits to retry, refreshed from a poll about ten times a second. Only ever created
 * when stdout is a TTY and neither --json nor --quiet was given. "Settled", not "done": the
 * bar fills with every task in a final state (failed, skipped and cancelled too), while
 * `swarm runs` calls done only the succeeded ones.
 */

export interface ProgressSample {
  settled: number;
  total: number;
  running: number;
  failed: number;
  /** A few names of what runs and what waits to retry now. */
  active?: { running: string[]; retrying: string[] };
}

/** "running: fetch, build +4 · retrying: deploy" (names cut to keep the line on the screen). */
export function describeActive(sample: ProgressSample): string {
  const parts: string[] = [];
  const named = (label: string, names: string[], count: number) => {
    if (count <= 0 || names.length === 0) return;
    const shown = names.map((n) => (n.length > 24 ? `${n.slice(0, 23)}…` : n)).join(', ');
    parts.push(`${label}: ${shown}${count > names.length ? ` +${count - names.length}` : ''}`);
  };
  named('running', sample.active?.running ?? [], sample.running);
  named('retrying', sample.active?.retrying ?? [], sample.active?.retrying.length ?? 0);
  return parts.join(' · ');
}

const POLL_MS = 100;

function activityOf(sample: ProgressSample): string {
  const text = describeActive(sample);
  // Braces would be read as cli-progress placeholders.
  return text === '' ? '' : `| ${text.replaceAll('{', '(').replaceAll('}', ')')}`;
}

export class RunProgress {
  private readonly bar: SingleBar;
  private timer: ReturnType<typeof setInterval> | undefined;
  private active = false;

  constructor(
    title: string,
    private readonly sample: () => ProgressSample,
  ) {
    this.bar = new SingleBar(
      {
        stream: process.stdout,
        format: `${terminalText(title).replaceAll('{', '(').replaceAll('}', ')')} [{bar}] {value}/{total} settled | {running} running | {failed} failed | {duration_formatted} {activity}`,
        hideCursor: true,
        clearOnComplete: true,
        // Redraw every frame, so the line comes back right after a log line was printed over it.
        forceRedraw: true,
        // Our own signal handlers stop the bar; cli-progress must not add its own.
        gracefulExit: false,
        fps: 10,
      },
      Presets.shades_classic,
    );
  }

  start(): void {
    const s = this.sample();
    this.bar.start(s.total, s.settled, { running: s.running, failed: s.failed, activity: activityOf(s) });
    this.active = true;
    this.timer = setInterval(() => this.refresh(), POLL_MS);
  }

  private refresh(): void {
    try {
      const s = this.sample();
      this.bar.setTotal(s.total);
      this.bar.update(s.settled, { running: s.running, failed: s.failed, activity: activityOf(s) });
    } catch {
      // A sample that fails (the store closing under us) just skips a frame.
    }
  }

  /** Removes the bar from the terminal; safe to call more than once. */
  stop(): void {
    if (!this.active) return;
    this.active = false;
    clearInterval(this.timer);
    this.refresh();
    this.bar.stop();
  }

  /**
   * Writes a line (a log line, a note) without tearing the bar: clears the bar's line, lets
   * `print` write, and moves the bar's saved cursor position below what was printed (the bar
   * restores that position when it stops). The next frame redraws the bar.
   */
  interleave(print: () => void): void {
    if (!this.active) {
      print();
      return;
    }
    process.stdout.write('\r\x1b[2K');
    print();
    process.stdout.write('\x1b7');
  }
}
