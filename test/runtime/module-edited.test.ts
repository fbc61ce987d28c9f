import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'bun:test';
import { makeHarness, manifest, stopHarnesses, sym, taskOf } from './helpers.ts';

afterEach(stopHarnesses);

/**
 * A dispatcher (or worker) runs for days; a module edited meanwhile ran its old code in every
 * thread that had imported it once, and a run could mix old and new as threads were replaced.
 * A thread now imports a module file anew when it changed since (its modification time).
 */
describe('a module file edited while the dispatcher runs', () => {
  test('its next attempt runs the new code, in the thread that ran the old', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarm-module-edited-'));
    try {
      const file = join(dir, 'version.ts');
      writeFileSync(file, 'export default () => "v1";\n');
      // One thread: the second run goes where the first imported the module.
      const h = makeHarness({ localWorkers: 1 });
      const once = () => h.run(manifest('edited', [sym('v', { parameters: { operation: 'module', module: file } })]));
      expect(taskOf(await once(), 'v').output).toBe('v1');
      writeFileSync(file, 'export default () => "v2";\n');
      // A modification time surely different from the first write's (a coarse file system).
      const later = new Date(Date.now() + 5_000);
      utimesSync(file, later, later);
      expect(taskOf(await once(), 'v').output).toBe('v2');
      // Unchanged: the thread's copy (its top level does not run again).
      expect(taskOf(await once(), 'v').output).toBe('v2');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
