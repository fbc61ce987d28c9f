import * as Comlink from 'comlink';
import type { HostServices } from './thread-protocol.ts';

/**
 * Host services cross between the main thread and its worker threads through comlink, on the
 * pool's BroadcastChannel. Comlink carries a thrown Error's name, message and stack, but not its
 * `code`: a module could not tell a refused call (ATTEMPT_ENDED) or a value the state table
 * cannot hold from any other failure, and the attempt's error lost its code. Both ends use this
 * file, so both have the handler that keeps it.
 */
const plain = Comlink.transferHandlers.get('throw')!;
Comlink.transferHandlers.set('throw', {
  canHandle: plain.canHandle,
  serialize(thrown: unknown) {
    const [serialized, transferables] = plain.serialize(thrown);
    const { value } = thrown as { value: unknown };
    const code = value instanceof Error ? (value as { code?: unknown }).code : undefined;
    const carried = serialized as { isError?: boolean; value?: Record<string, unknown> };
    if (carried.isError && typeof code === 'string') carried.value!.code = code;
    return [serialized, transferables];
  },
  deserialize: plain.deserialize,
});

/** Main thread: answers the threads' calls on `channel` with `host`. */
export function exposeHost(host: HostServices, channel: BroadcastChannel): void {
  Comlink.expose(host, channel);
}

/** Worker thread: `HostServices` whose calls go to the main thread on `channel`. */
export function wrapHost(channel: BroadcastChannel): HostServices {
  return Comlink.wrap<HostServices>(channel) as unknown as HostServices;
}
