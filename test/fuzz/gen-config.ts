import { stringify as tomlStringify } from 'smol-toml';
import type { Rng } from './prng.ts';
import { mutateText } from './mutate.ts';

/**
 * Config cases: swarm-config.toml documents made of a random subset of its keys with valid
 * values, mutated like the manifests (type swaps, nasty numbers and strings, unknown keys and
 * sections, deep nesting) and/or textually, plus a few adversarial TOML documents.
 */

export interface ConfigCase {
  label: string;
  bytes: Uint8Array;
}

type Kind = 'ms' | 'ms0' | 'count' | 'count0' | 'port' | 'bytes' | 'bool' | 'wsurl' | 'path' | 'host' | 'text' | 'level' | 'format' | 'hosts' | 'logfile';

const KEYS: Record<string, Record<string, Kind>> = {
  dispatcher: {
    coordinator_endpoint: 'wsurl',
    state_db_path: 'path',
    enable_websocket: 'bool',
    websocket_port: 'port',
    manifest_path: 'path',
    workflow_name: 'text',
    bind: 'host',
    local_workers: 'count0',
    tasks_per_thread: 'count',
    shutdown_grace: 'ms0',
    auth_token: 'text',
  },
  coordinator: {
    max_workers: 'count',
    heartbeat_interval: 'ms',
    heartbeat_timeout: 'ms',
    task_retry_limit: 'count0',
    enable_load_balancing: 'bool',
    priority_queue_enabled: 'bool',
    retry_backoff_base: 'ms0',
    retry_backoff_max: 'ms0',
    node_wait_timeout: 'ms0',
  },
  worker: {
    node_name: 'text',
    dispatcher_url: 'wsurl',
    heartbeat_interval: 'ms',
    max_concurrent_tasks: 'count',
    auth_token: 'text',
  },
  'worker.capabilities': { rust: 'bool', php: 'bool', powershell: 'bool', max_concurrent_tasks: 'count' },
  'backends.rust_injector': { enabled: 'bool', timeout: 'ms', max_output_size: 'bytes', binary_path: 'path' },
  'backends.php_engine': { enabled: 'bool', timeout: 'ms', max_output_size: 'bytes', php_binary: 'text', script_path: 'path' },
  'backends.powershell_engine': { enabled: 'bool', timeout: 'ms', max_output_size: 'bytes', pwsh_binary: 'text', script_path: 'path' },
  logging: { level: 'level', file: 'logfile', console: 'bool', format: 'format' },
  security: { enable_auth: 'bool', api_key: 'text', allowed_hosts: 'hosts', max_message_size: 'bytes' },
};

/** Keys whose value is a duration in ms (for the 2^31 check). */
export const DURATION_KEYS: string[] = Object.entries(KEYS).flatMap(([section, keys]) =>
  Object.entries(keys)
    .filter(([, kind]) => kind === 'ms' || kind === 'ms0')
    .map(([key]) => `${section}.${key}`),
);

function validValue(rng: Rng, kind: Kind): unknown {
  switch (kind) {
    case 'ms':
      return rng.int(1, 10_000);
    case 'ms0':
      return rng.int(0, 10_000);
    case 'count':
      return rng.int(1, 4);
    case 'count0':
      return rng.int(0, 2);
    case 'port':
      return rng.int(1, 65_535);
    case 'bytes':
      return rng.int(1_024, 2_000_000);
    case 'bool':
      return rng.chance(0.5);
    case 'wsurl':
      return rng.pick(['ws://localhost:8080', 'wss://example.org/x', 'ws://127.0.0.1:1']);
    case 'path':
      return rng.pick(['./x.db', ':memory:', '/tmp/none/x', 'rel/path']);
    case 'host':
      return rng.pick(['127.0.0.1', 'localhost', '::1']);
    case 'text':
      return rng.word();
    case 'level':
      return rng.pick(['error', 'warn', 'info', 'debug', 'verbose']);
    case 'format':
      return rng.pick(['text', 'json']);
    case 'hosts':
      return ['localhost', '127.0.0.1'];
    case 'logfile':
      // Unwritable places on purpose: a directory, a missing directory, /proc, a file under a file.
      return rng.pick(['', '', '', './swarm.log', '/nonexistent-dir/x.log', '/proc/swarm.log', '/', '/dev/null/x.log', '/etc/passwd']);
  }
}

function nastyFor(rng: Rng, kind: Kind): unknown {
  if (['ms', 'ms0', 'count', 'count0', 'port', 'bytes'].includes(kind) && rng.chance(0.7)) return rng.nastyNumber();
  return rng.weighted<() => unknown>([
    [3, () => rng.nastyString()],
    [2, () => rng.nastyNumber()],
    [1, () => rng.chance(0.5)],
    [1, () => []],
    [1, () => [rng.word(), 1]],
    [1, () => ({ a: 1 })],
    [1, () => rng.pick(['http://x', 'ws://', 'ws://[::1', 'ws://a b', 'javascript:alert(1)', 'wss://' + 'a'.repeat(70_000)])],
    [1, () => rng.pick(['0.0.0.0', '::', '256.1.1.1', 'a..b', '-', 'localhost.', '127.0.0.1:80'])],
  ])();
}

function setKey(doc: Record<string, any>, section: string, key: string, value: unknown): void {
  const [a, b] = section.split('.');
  const isTable = (v: unknown) => v === undefined || (typeof v === 'object' && v !== null && !Array.isArray(v));
  // A section already replaced by a non-table (a mutation) stays as it is.
  if (!isTable(doc[a]) || (b && !isTable(doc[a]?.[b]))) return;
  doc[a] ??= {};
  if (b) {
    doc[a][b] ??= {};
    doc[a][b][key] = value;
  } else doc[a][key] = value;
}

function adversarialConfig(rng: Rng): { label: string; text: string } {
  switch (rng.int(0, 6)) {
    case 0:
      return { label: 'config: 100k-deep table header', text: `[dispatcher]\nlocal_workers = 1\n[${Array(100_000).fill('x').join('.')}]\na = 1\n` };
    case 1:
      return { label: 'config: 100k-deep inline arrays in a known key', text: `[security]\nallowed_hosts = ${'['.repeat(100_000)}${']'.repeat(100_000)}\n` };
    case 2:
      return { label: 'config: 5000 unknown sections', text: Array.from({ length: 5_000 }, (_, i) => `[unknown${i}]\nk = ${i}\n`).join('') };
    case 3:
      return { label: 'config: integers beyond 2^53', text: `[coordinator]\nmax_workers = 9223372036854775807\n` };
    case 4:
      return { label: 'config: nan/inf durations', text: `[coordinator]\nheartbeat_interval = nan\nheartbeat_timeout = inf\n` };
    case 5:
      return { label: 'config: dates where numbers go', text: `[dispatcher]\nshutdown_grace = 1979-05-27T07:32:00Z\n` };
    default:
      return { label: 'config: allowed_hosts of 100k names', text: `[security]\nallowed_hosts = [${Array(100_000).fill('"h"').join(',')}]\n` };
  }
}

export function configCase(rng: Rng): ConfigCase {
  const encoder = new TextEncoder();
  const mode = rng.weighted<string>([
    [2, 'valid'],
    [5, 'structural'],
    [3, 'textual'],
    [2, 'both'],
    [0.7, 'adversarial'],
  ]);
  if (mode === 'adversarial') {
    const a = adversarialConfig(rng);
    return { label: a.label, bytes: encoder.encode(a.text) };
  }
  const doc: Record<string, any> = { logging: { file: '' } };
  const notes: string[] = [mode];
  for (const [section, keys] of Object.entries(KEYS)) {
    for (const [key, kind] of Object.entries(keys)) {
      if (rng.chance(0.25)) setKey(doc, section, key, validValue(rng, kind));
    }
  }
  // Keep the valid ones valid where rules tie keys together.
  if (doc.coordinator) delete doc.coordinator.heartbeat_timeout, delete doc.coordinator.retry_backoff_max;
  if (doc.worker) delete doc.worker.heartbeat_interval, delete doc.worker.auth_token;
  if (doc.security) delete doc.security.api_key, delete doc.security.enable_auth;
  if (doc['worker']?.capabilities) delete doc.worker.capabilities.max_concurrent_tasks;
  for (const b of ['rust_injector', 'php_engine', 'powershell_engine']) if (doc.backends?.[b]) doc.backends[b].enabled = false;
  if (mode === 'structural' || mode === 'both') {
    for (let k = rng.int(1, 3); k > 0; k--) {
      const what = rng.weighted<string>([
        [6, 'value'],
        [1, 'unknownKey'],
        [1, 'unknownSection'],
        [1, 'sectionType'],
        [1, 'deep'],
      ]);
      if (what === 'value') {
        const section = rng.pick(Object.keys(KEYS));
        const key = rng.pick(Object.keys(KEYS[section]));
        const value = nastyFor(rng, KEYS[section][key]);
        setKey(doc, section, key, value);
        notes.push(`${section}.${key} = ${String(JSON.stringify(value) ?? value).slice(0, 40)}`);
      } else if (what === 'unknownKey') {
        const section = rng.pick(Object.keys(KEYS));
        const key = rng.pick(['locl_workers', 'timout', 'hearbeat_interval', rng.word(), 'k'.repeat(5_000)]);
        setKey(doc, section, key, 1);
        notes.push(`unknown key ${section}.${key.slice(0, 20)}`);
      } else if (what === 'unknownSection') {
        doc[rng.pick(['dispatchr', 'logs', rng.word(), 'backends'])] = { x: 1, y: { z: 'w' } };
        notes.push('unknown section');
      } else if (what === 'sectionType') {
        const section = rng.pick(['dispatcher', 'coordinator', 'worker', 'logging', 'security', 'backends']);
        doc[section] = rng.pick<unknown>([1, 'x', [1, 2], true]);
        notes.push(`section ${section} is not a table`);
      } else {
        let deep: unknown = 1;
        for (let i = 0; i < 300; i++) deep = [deep];
        setKey(doc, rng.pick(Object.keys(KEYS)), 'deep', deep);
        notes.push('300-deep array under a section');
      }
    }
  }
  let text: string;
  try {
    text = tomlStringify(doc);
  } catch {
    text = '[dispatcher]\nlocal_workers = 1\n';
  }
  let bytes: Uint8Array = encoder.encode(text);
  if (mode === 'textual' || mode === 'both') {
    const mutated = mutateText(rng, bytes);
    bytes = mutated.bytes;
    notes.push(...mutated.notes);
  }
  return { label: notes.join('; '), bytes };
}
