import { realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * The directory a user typed `npm run swarm -- …` in, when it is not the package's own.
 *
 * Why: npm runs a package script from the package's root, so from `examples/` the path in
 * `npm run swarm -- run hello.yaml` would be looked for at the root. npm records where the
 * user was in INIT_CWD (`bun run`, in npm_config_local_prefix). Only that exact launch is trusted (the `swarm` script, still in the
 * package's root): a CLI started any other way inherits INIT_CWD from some outer npm process,
 * and its working directory is the one it was given.
 */
export function npmInvocationDirectory(env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  const { npm_lifecycle_event: script, npm_package_json: packageJson } = env;
  // `bun run` sets no INIT_CWD; it gives the directory it was typed in as npm_config_local_prefix
  // (npm itself gives the package's root there).
  const initCwd = env.INIT_CWD ?? (env.npm_config_user_agent?.startsWith('bun/') ? env.npm_config_local_prefix : undefined);
  if (script !== 'swarm' || !initCwd || !packageJson) return undefined;
  // Real paths: `npm --prefix <a symlink>` names the package by the link, the script runs in its target.
  if (realPath(dirname(packageJson)) !== realPath(cwd)) return undefined;
  return realPath(initCwd) === realPath(cwd) ? undefined : initCwd;
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}
