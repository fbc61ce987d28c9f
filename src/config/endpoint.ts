import type { SwarmConfig } from './schema.ts';

/**
 * Where clients (`deploy`, `status`, the control commands) reach the dispatcher:
 * `[dispatcher] coordinator_endpoint` when it is set, else the dispatcher's own `bind` and
 * `websocket_port`, so changing the port alone is enough on one host. A bind on every address
 * (0.0.0.0, ::) is reached through localhost. Null when nothing can be derived: port 0 means
 * "any free port", which only the dispatcher itself learns.
 */
export function coordinatorEndpoint(config: SwarmConfig): string | null {
  const { coordinator_endpoint, bind, websocket_port } = config.dispatcher;
  if (coordinator_endpoint !== undefined) return coordinator_endpoint;
  if (websocket_port === 0) return null;
  const host = bind === '0.0.0.0' || bind === '::' ? 'localhost' : bind.includes(':') ? `[${bind}]` : bind;
  return `ws://${host}:${websocket_port}`;
}
