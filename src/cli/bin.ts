#!/usr/bin/env bun
/** The `swarm` executable: `bun run swarm …`, or `swarm …` once the package is linked. */
import { npmInvocationDirectory } from './npm-directory.ts';
import { main } from './program.ts';

const typedIn = npmInvocationDirectory(process.env, process.cwd());
if (typedIn) process.chdir(typedIn);
await main(process.argv);
