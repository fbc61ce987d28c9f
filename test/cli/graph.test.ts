/** `swarm graph`, `swarm machines`, and the dependency edges in validate/show JSON. */
import { afterEach, describe, expect, test } from 'bun:test';
import { coordinatorMachine } from '../../machines/coordinator-machine.ts';
import { dispatcherMachine } from '../../machines/dispatcher-machine.ts';
import { nodeMachine } from '../../machines/node-machine.ts';
import { taskMachine } from '../../machines/task-machine.ts';
import { loadManifestFile } from '../../src/manifest/index.ts';
import { removeTempDirs, sandbox, swarm, swarmJson, TIMEOUT, writeManifest } from './helpers.ts';

afterEach(removeTempDirs);

const expectedEdges = () =>
  loadManifestFile('examples/hello.yaml').manifest.symbols.flatMap((s) => s.dependencies.map((d) => ({ from: d, to: s.name })));

describe('swarm graph', () => {
  test('a manifest as JSON, Mermaid, DOT and SVG: every symbol and every dependency', async () => {
    const { config } = sandbox();
    const symbols = loadManifestFile('examples/hello.yaml').manifest.symbols.map((s) => s.name);
    const json = await swarmJson(['graph', 'examples/hello.yaml', '--format', 'json'], config);
    expect(json.json.nodes.map((n: { id: string }) => n.id)).toEqual(symbols);
    expect(json.json.edges).toEqual(expectedEdges());
    const mermaid = await swarm(['graph', 'examples/hello.yaml'], config);
    expect(mermaid.stdout.startsWith('flowchart TD')).toBe(true);
    expect(mermaid.stdout.match(/^ {2}n\d+\["/gm)?.length).toBe(symbols.length);
    expect(mermaid.stdout.match(/ --> /g)?.length).toBe(expectedEdges().length);
    const dot = await swarm(['graph', 'examples/hello.yaml', '--format', 'dot'], config);
    expect(dot.stdout.match(/ -> /g)?.length).toBe(expectedEdges().length);
    const svg = await swarm(['graph', 'examples/hello.yaml', '--format', 'svg'], config);
    expect(svg.code).toBe(0);
    expect(svg.stdout).toContain('<svg');
    for (const name of symbols) expect(svg.stdout).toContain(`>${name.replaceAll('-', '&#45;')}<`);
  }, TIMEOUT);

  test('a mistyped manifest path is a missing file, not an unknown run', async () => {
    const { dir, config, db } = sandbox();
    for (const target of ['examples/nosuch.yml', `${dir}/flow.toml`, 'flow.yaml']) {
      const result = await swarm(['graph', target, config, '--db', db]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('cannot read the manifest file: no such file');
      expect(result.stderr).not.toContain('No run');
    }
  }, TIMEOUT);

  test('hostile text stays text in every format', async () => {
    const { dir, config } = sandbox();
    const file = writeManifest(dir, 'evil.yaml', 'name: "x\\" onload=\\"alert(1)\\" <script>]\\n"\nsymbols:\n  - {name: a, type: action, parameters: {operation: noop}}\n');
    const svg = await swarm(['graph', file, '--format', 'svg'], config);
    expect(svg.code).toBe(0);
    expect(svg.stdout).not.toContain('<script>');
    const dot = await swarm(['graph', file, '--format', 'dot'], config);
    expect(dot.stdout.split('\n')[0]).toBe('digraph "x\\" onload=\\"alert(1)\\" <script>]\\n" {');
  }, TIMEOUT);

  test('SVG of a graph too big for Graphviz: refused up front with what to use instead, no stack', async () => {
    const { dir, config } = sandbox();
    // One root with 2,500 dependents: 5,001 symbols and dependencies, one past the limit.
    // Graphviz would take seconds here, and past ~9,000 edges overflow its stack or lay out
    // for minutes (src/graph/svg.ts).
    const lines = ['name: wide', 'symbols:', '  - {name: root, type: action, parameters: {operation: noop}}'];
    for (let i = 0; i < 2_500; i++) lines.push(`  - {name: s${i}, type: action, parameters: {operation: noop}, dependencies: [root]}`);
    const file = writeManifest(dir, 'wide.yaml', lines.join('\n') + '\n');
    const svg = await swarm(['graph', file, '--format', 'svg'], config);
    expect(svg.stderr).toContain('This graph has 2501 symbols and 2500 dependencies: more than Graphviz lays out as SVG here');
    expect(svg.stderr).toContain('use --format dot');
    expect(svg.code).toBe(2);
    expect(svg.stdout).toBe('');
    for (const text of [svg.stdout, svg.stderr]) {
      expect(text).not.toMatch(/^\s+at /m);
      expect(text).not.toContain('RangeError');
      expect(text).not.toContain('unexpected error');
    }
    // One fewer dependent is drawn.
    lines.pop();
    const fits = await swarm(['graph', writeManifest(dir, 'fits.yaml', lines.join('\n') + '\n'), '--format', 'svg'], config);
    expect(fits.code).toBe(0);
    expect(fits.stdout).toStartWith('<?xml');
  }, TIMEOUT);

  test('SVG of a small graph whose dependencies span many layers is refused too: dot ran for minutes on one', async () => {
    const { dir, config } = sandbox();
    // A chain of 200 whose steps also depend on the first: 597 symbols and dependencies, but the
    // dependencies on the first pass through 19,701 layers; Graphviz did not finish in minutes.
    const lines = ['name: skip', 'symbols:', '  - {name: c0, type: action, parameters: {operation: noop}}', '  - {name: c1, type: action, parameters: {operation: noop}, dependencies: [c0]}'];
    for (let i = 2; i < 200; i++) lines.push(`  - {name: c${i}, type: action, parameters: {operation: noop}, dependencies: [c${i - 1}, c0]}`);
    const svg = await swarm(['graph', writeManifest(dir, 'skip.yaml', lines.join('\n') + '\n'), '--format', 'svg'], config);
    expect(svg.stderr).toContain('This graph has 200 symbols and 397 dependencies, and its dependencies pass through 19701 layers in all');
    expect(svg.code).toBe(2);
  }, TIMEOUT);

  test("a run: its tasks' states in the nodes, and --at an earlier state", async () => {
    const { config, db } = sandbox();
    const run = await swarmJson(['run', 'examples/retry-and-rollback.yaml', '--db', db], config);
    const end = await swarmJson(['graph', run.json.runId, '--db', db, '--format', 'json'], config);
    const stateOf = (g: any, name: string) => g.nodes.find((n: { id: string }) => n.id === name).state;
    expect(stateOf(end.json, 'flaky')).toBe('succeeded');
    expect(stateOf(end.json, 'after-doomed')).toBe('skipped');
    const first = (await swarmJson(['history', run.json.runId, '--db', db], config)).json.transitions[0].seq;
    const start = await swarmJson(['graph', run.json.runId, '--db', db, '--format', 'json', '--at', String(first)], config);
    expect(stateOf(start.json, 'flaky')).toBe('pending');
    const mermaid = await swarm(['graph', run.json.runId, '--db', db], config);
    expect(mermaid.stdout).toContain('[rolled_back]');
    expect((await swarmJson(['graph', 'nope', '--db', db], config)).code).toBe(2);
  }, TIMEOUT);

  test('validate --json and show --json carry the dependency edges', async () => {
    const { config, db } = sandbox();
    expect((await swarmJson(['validate', 'examples/hello.yaml'], config)).json.edges).toEqual(expectedEdges());
    const run = await swarmJson(['run', 'examples/hello.yaml', '--db', db], config);
    expect(run.json.edges).toEqual(expect.arrayContaining(expectedEdges()));
    expect((await swarmJson(['show', run.json.runId, '--db', db], config)).json.edges).toHaveLength(expectedEdges().length);
  }, TIMEOUT);
});

describe('swarm machines', () => {
  test('every state of each machine, from its definition, in JSON and Mermaid', async () => {
    const { config } = sandbox();
    const json = await swarmJson(['machines', '--format', 'json'], config);
    const mermaid = await swarm(['machines'], config);
    const machines = { task: taskMachine, coordinator: coordinatorMachine, node: nodeMachine, dispatcher: dispatcherMachine };
    for (const [name, machine] of Object.entries(machines)) {
      const states = Object.keys((machine.root as unknown as { states: object }).states);
      const chart = json.json.machines.find((m: { machine: string }) => m.machine === name);
      expect(chart.states).toEqual(states);
      for (const state of states) expect(mermaid.stdout).toMatch(new RegExp(`\\b${state}\\b`));
    }
    const task = json.json.machines.find((m: { machine: string }) => m.machine === 'task');
    expect(task.edges).toContainEqual({ from: 'running', to: 'failed', event: 'after attemptTimeout' });
    expect(task.edges).toContainEqual({ from: 'failed', to: 'retrying', event: 'always' });
    const dot = await swarm(['machines', '--format', 'dot', '--machine', 'node'], config);
    expect(dot.stdout.startsWith('digraph "node"')).toBe(true);
  }, TIMEOUT);
});
