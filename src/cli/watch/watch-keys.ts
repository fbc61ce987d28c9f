/** The keys of `swarm watch`, from raw terminal input to what they ask for. */
export type WatchKey = 'back' | 'forward' | 'back10' | 'forward10' | 'first' | 'live' | 'up' | 'down' | 'quit';

const SEQUENCES: [string, WatchKey][] = [
  ['\x1b[D', 'back'],
  ['\x1b[C', 'forward'],
  ['\x1b[A', 'up'],
  ['\x1b[B', 'down'],
  ['\x1b[5~', 'back10'],
  ['\x1b[6~', 'forward10'],
  ['\x1b[H', 'first'],
  ['\x1b[1~', 'first'],
  ['\x1bOH', 'first'],
  ['\x1b[F', 'live'],
  ['\x1b[4~', 'live'],
  ['\x1bOF', 'live'],
  ['h', 'back'],
  ['l', 'forward'],
  ['k', 'up'],
  ['j', 'down'],
  ['g', 'first'],
  ['G', 'live'],
  ['q', 'quit'],
  ['\x03', 'quit'],
];

/** Every key in a chunk of input, in order; unknown bytes are skipped. */
export function parseKeys(input: string): WatchKey[] {
  const keys: WatchKey[] = [];
  let i = 0;
  outer: while (i < input.length) {
    for (const [sequence, key] of SEQUENCES) {
      if (input.startsWith(sequence, i)) {
        keys.push(key);
        i += sequence.length;
        continue outer;
      }
    }
    i += 1;
  }
  return keys;
}
