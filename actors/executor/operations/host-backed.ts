import { statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SwarmError } from '../../../src/errors.ts';
import type { Operation } from '../operation.ts';
import { moduleHelpers } from './module-helpers.ts';
import { moduleLoadReason } from './module-load-failure.ts';
import { isDirectory } from '../../../src/path-problems.ts';

/** Writes a key of the shared `state` table; returns the key and the value written. */
export const stateSet: Operation = async (ctx) => {
  const { key, value } = ctx.parameters as { key: string; value: unknown };
  await ctx.host.stateSet(key, value ?? null, ctx.attemptKey);
  return { key, value: value ?? null };
};

/** Reads a key of the shared `state` table (null when absent). */
export const stateGet: Operation = async (ctx) => {
  const value = await ctx.host.stateGet(ctx.parameters.key as string, ctx.attemptKey);
  return value === undefined ? null : value;
};

/** Writes `parameters.message` to the swarm's log at `parameters.level` (info). */
export const log: Operation = async (ctx) => {
  const level = (ctx.parameters.level as 'error' | 'warn' | 'info' | 'debug' | 'verbose') ?? 'info';
  const message = String(ctx.parameters.message);
  await ctx.host.log(
    level,
    message,
    { runId: ctx.request.runId, symbol: ctx.request.symbol.name, attempt: ctx.request.attempt },
    ctx.attemptKey,
  );
  return { logged: message, level };
};

/**
 * Runs a function exported by a JS/TS module (path relative to the manifest's directory):
 * the user's own processor, in the worker thread. It receives a context with the parameters,
 * the dependencies' outputs, the attempt, an abort signal and the state table.
 */
/**
 * Module files this thread has imported, each with the modification time of the version it has:
 * their top level has run, and import() only finds them again — unless the file changed since,
 * when the thread drops its copy and imports it anew (a worker or dispatcher runs for days, and
 * ran an edited module's old code). Files a module imports itself are not looked at.
 */
const imported = new Map<string, number | null>();

/** The file `path` resolves to (as import() resolves it) and when it was last modified, or nulls. */
function versionOf(path: string): { file: string | null; modifiedAt: number | null } {
  try {
    const file = Bun.resolveSync(path, dirname(path));
    return { file, modifiedAt: statSync(file).mtimeMs };
  } catch {
    return { file: null, modifiedAt: null }; // missing: import() says why
  }
}

export const runModule: Operation = async (ctx) => {
  const { module, export: exportName = 'default' } = ctx.parameters as { module: string; export?: string };
  const base = ctx.request.baseDir ?? process.cwd();
  const path = isAbsolute(module) ? module : resolve(base, module);
  const { file, modifiedAt } = versionOf(path);
  if (imported.has(path) && imported.get(path) !== modifiedAt) {
    if (file !== null) delete require.cache[file];
    imported.delete(path);
  }
  // User code: the module's top level, run by its first import in this thread (which may run
  // it before import() returns), and its function, run after the await below (so a report
  // sent in a microtask goes before it, for all the requests started in this turn at once).
  if (imported.has(path)) ctx.reportSoon();
  else ctx.reportNow();
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    // The loader resolves as Bun does (no extension, .js for .ts, a folder's index), so only
    // its own "not found" says the file is missing; it also names the swarm's own file that
    // imported it, which is not the user's business.
    const why = moduleLoadReason(err).replace(/ imported from \S+$/, '');
    if ((err as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' && why.includes(path)) {
      if (isDirectory(path)) {
        throw new SwarmError('OPERATION_FAILED', `module ${path} is a directory, not a module file (it has no index file); name a file in it in parameters.module.`);
      }
      const from = isAbsolute(module) ? '' : ` (parameters.module is relative to ${ctx.request.baseDir === null ? 'the current directory' : "the manifest's directory"}, ${base})`;
      throw new SwarmError('OPERATION_FAILED', `module ${path} does not exist${from}; fix parameters.module or create the file.`);
    }
    throw new SwarmError('OPERATION_FAILED', `module ${path} could not be loaded: ${why}`);
  }
  const fn = loaded[exportName];
  if (typeof fn !== 'function') {
    throw new SwarmError(
      'OPERATION_FAILED',
      `module ${path} has no exported function "${exportName}"; export one (default or named in parameters.export).`,
    );
  }
  imported.set(path, modifiedAt);
  let returned = false;
  // The start was reported before the import, or in a message for every request of the turn:
  // either way, before the function of another request may have taken the thread for good.
  // Only this mark says this one's own code ran (see OperationContext.began).
  ctx.began();
  try {
    return await fn({
      parameters: ctx.parameters,
      dependencies: ctx.request.dependencies,
      attempt: ctx.request.attempt,
      runId: ctx.request.runId,
      symbol: ctx.request.symbol.name,
      signal: ctx.signal,
      ...moduleHelpers(ctx, () => returned),
    });
  } finally {
    returned = true;
  }
};
