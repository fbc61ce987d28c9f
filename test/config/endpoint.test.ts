import { describe, expect, test } from 'bun:test';
import { coordinatorEndpoint, validateConfig } from '../../src/config/index.ts';

const config = (dispatcher: Record<string, unknown>) => validateConfig({ dispatcher }).config;

describe('where clients find the dispatcher', () => {
  test('unset, coordinator_endpoint follows bind and websocket_port', () => {
    expect(coordinatorEndpoint(config({}))).toBe('ws://127.0.0.1:8080');
    expect(coordinatorEndpoint(config({ websocket_port: 9191 }))).toBe('ws://127.0.0.1:9191');
    expect(coordinatorEndpoint(config({ bind: '0.0.0.0', websocket_port: 9191, auth_token: 't' }))).toBe('ws://localhost:9191');
    expect(coordinatorEndpoint(config({ bind: '::1', websocket_port: 9191 }))).toBe('ws://[::1]:9191');
  });

  test('set, it wins; with port 0 and none set there is nothing to derive', () => {
    expect(coordinatorEndpoint(config({ coordinator_endpoint: 'ws://far.example:7000', websocket_port: 9191 }))).toBe('ws://far.example:7000');
    expect(coordinatorEndpoint(config({ websocket_port: 0 }))).toBeNull();
  });
});
