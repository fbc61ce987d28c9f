import { accessSync, constants, statSync } from 'node:fs';
import type { ConfiguredPath } from './backend-command.ts';

/**
 * What can be wrong with a configured executable or script, found before anything runs (the
 * health check) or read off a failed spawn (the runner), and told as a problem plus its fix.
 */
export type PathProblem =
  | 'missing'
  | 'not-on-path'
  | 'not-a-file'
  | 'not-executable'
  | 'not-readable'
  | 'interpreter-missing'
  | 'not-a-program';

/** A name without a slash ("php") is looked up on PATH; anything else is a path. */
export function isBareCommand(command: string): boolean {
  return !/[\\/]/.test(command);
}

/** Where `command` resolves to, as the OS would find it, or why it does not. */
export function findExecutable(command: string, PATH: string | undefined): { path: string } | { problem: PathProblem } {
  if (isBareCommand(command)) {
    const found = Bun.which(command, { PATH: PATH ?? '' });
    return found === null ? { problem: 'not-on-path' } : { path: found };
  }
  const problem = fileProblem(command, constants.X_OK);
  return problem === null ? { path: command } : { problem: problem === 'not-readable' ? 'not-executable' : problem };
}

/** Null when `path` is a file this process can read. */
export function readableFileProblem(path: string): PathProblem | null {
  return fileProblem(path, constants.R_OK);
}

function fileProblem(path: string, mode: number): PathProblem | null {
  try {
    if (!statSync(path).isFile()) return 'not-a-file';
  } catch {
    return 'missing';
  }
  try {
    accessSync(path, mode);
    return null;
  } catch {
    return mode === constants.X_OK ? 'not-executable' : 'not-readable';
  }
}

/** The problem a failed spawn of `command` reports, or null when it is not about the file. */
export function spawnProblem(command: string, errorCode: string | undefined): PathProblem | null {
  switch (errorCode) {
    case 'ENOENT':
      if (isBareCommand(command)) return 'not-on-path';
      // The file is there, so what is missing is the program its #! line names.
      return fileProblem(command, constants.F_OK) === null ? 'interpreter-missing' : 'missing';
    case 'ENOTDIR':
      return 'missing';
    case 'EACCES':
    case 'EPERM':
      return fileProblem(command, constants.F_OK) === 'not-a-file' ? 'not-a-file' : 'not-executable';
    case 'ENOEXEC':
      return 'not-a-program';
    default:
      return null;
  }
}

/** One sentence for what is wrong and one for what to change, naming the config key. */
export function describeProblem(file: ConfiguredPath, problem: PathProblem): { problem: string; fix: string } {
  const is = `${file.key} is "${file.path}"`;
  const setIt = `set ${file.key} to the path of ${file.what}`;
  switch (problem) {
    case 'missing':
      return { problem: `${is}, which does not exist`, fix: setIt };
    case 'not-on-path':
      return { problem: `${is}, which is not found on PATH`, fix: `install ${file.what}, or ${setIt}` };
    case 'not-a-file':
      return { problem: `${is}, which is not a file`, fix: setIt };
    case 'not-executable':
      return { problem: `${is}, which is not executable`, fix: `run chmod +x "${file.path}", or ${setIt}` };
    case 'not-readable':
      return {
        problem: `${is}, which this worker cannot read`,
        fix: `make "${file.path}" readable by the worker's user, or ${setIt}`,
      };
    case 'interpreter-missing':
      return {
        problem: `${is}, whose #! line names an interpreter that does not exist`,
        fix: `install that interpreter or correct the first line of "${file.path}", or ${setIt}`,
      };
    case 'not-a-program':
      return {
        problem: `${is}, which is not a program this system can run (no #! line, or a binary for another platform)`,
        fix: setIt,
      };
  }
}
