import { afterEach, expect, test } from 'bun:test';
import { join } from 'node:path';
import { FIXTURE_MODULES, makeHarness, manifest, stopHarnesses, sym, taskOf } from './helpers.ts';

afterEach(stopHarnesses);

const mod = (module: string) => ({ retries: 0, parameters: { operation: 'module', module } });

test("a module that does not build says each error's file:line:column and message; a folder is said to be one", async () => {
  const h = makeHarness();
  const result = await h.run(
    manifest('module-load-errors', [sym('one', mod('./syntax-error.mjs')), sym('two', mod('./two-syntax-errors.mjs')), sym('folder', mod('./not-a-module'))]),
  );
  const message = (name: string) => taskOf(result, name).error?.message ?? '';
  const one = join(FIXTURE_MODULES, 'syntax-error.mjs');
  expect(message('one')).toBe(`module ${one} could not be loaded: ${one}:3:13: Unexpected ;`);
  const two = join(FIXTURE_MODULES, 'two-syntax-errors.mjs');
  expect(message('two')).toBe(
    `module ${two} could not be loaded: 2 errors: ${two}:4:9: "a" has already been declared; ${two}:7:16: "b" has already been declared`,
  );
  const folder = join(FIXTURE_MODULES, 'not-a-module');
  expect(message('folder')).toBe(
    `module ${folder} is a directory, not a module file (it has no index file); name a file in it in parameters.module.`,
  );
});
