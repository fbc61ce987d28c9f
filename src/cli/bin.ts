#!/usr/bin/env bun
/** The `swarm` executable: `bun run swarm …`, or `swarm …` once the package is linked. */
import { main } from './program.ts';

await main(process.argv);
