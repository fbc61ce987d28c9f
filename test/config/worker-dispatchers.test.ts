import { describe, expect, test } from 'bun:test';
import { validateConfig } from '../../src/config/index.ts';

describe('[worker] dispatcher_url', () => {
  test('takes one WebSocket URL or a list of them', () => {
    expect(validateConfig({ worker: { dispatcher_url: 'ws://a:1' } }, 'x.toml').config.worker.dispatcher_url).toBe('ws://a:1');
    expect(validateConfig({ worker: { dispatcher_url: ['ws://a:1', 'wss://b:2'] } }, 'x.toml').config.worker.dispatcher_url).toEqual(['ws://a:1', 'wss://b:2']);
  });

  test('an empty list, or a list with a URL that is not a WebSocket one, is an error naming the key', () => {
    expect(() => validateConfig({ worker: { dispatcher_url: [] } }, 'x.toml')).toThrow(/worker\.dispatcher_url: list at least one dispatcher/);
    expect(() => validateConfig({ worker: { dispatcher_url: ['ws://a:1', 'http://b:2'] } }, 'x.toml')).toThrow(/worker\.dispatcher_url\[1\]: expected a WebSocket URL/);
  });
});
