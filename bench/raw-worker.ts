/**
 * The trivial piscina worker used as the throughput ceiling: it returns its input, nothing
 * else. Anything the swarm does per task costs on top of this.
 */
export default function echo<T>(input: T): T {
  return input;
}
