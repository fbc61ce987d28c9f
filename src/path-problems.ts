import { lstatSync, readlinkSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Why a path a user gave (a manifest, a config, where to write one) cannot be used, in words:
 * the system's own (`ELOOP: too many symbolic links encountered, open '…'`) say neither what is
 * wrong in terms a user acts on nor what to do. Callers add their own next step.
 */

/** A symbolic link whose target does not exist: the link's text and the path it resolves to. */
export interface BrokenLink {
  /** As the link holds it (relative to the link's directory when not absolute). */
  target: string;
  /** The first path along the chain of links that does not exist. */
  missing: string;
}

/** The link `path` is, when it leads nowhere (a missing file at the end of its chain); else null. */
export function brokenLink(path: string): BrokenLink | null {
  let target: string;
  try {
    if (!lstatSync(path).isSymbolicLink()) return null;
    target = readlinkSync(path);
  } catch {
    return null;
  }
  if (pathCode(path) !== 'ENOENT') return null;
  // Follow the chain (bounded, as the system does) to the first link whose target is missing.
  let link = path;
  let next = resolve(dirname(link), target);
  for (let hops = 0; hops < 40; hops++) {
    try {
      if (!lstatSync(next).isSymbolicLink()) break;
      link = next;
      next = resolve(dirname(link), readlinkSync(link));
    } catch {
      break;
    }
  }
  return { target, missing: next };
}

/** The error code stat gives for `path` (following links), or null when it is there. */
export function pathCode(path: string): string | null {
  try {
    statSync(path);
    return null;
  } catch (error) {
    return String((error as NodeJS.ErrnoException).code ?? 'UNKNOWN');
  }
}

/**
 * Words for a failure `error` (from open, stat, mkdir or write) on the path `path`: what is
 * wrong and where. An ENOENT on a broken link names its target; an ENOTDIR names the part of
 * the path that is a file. Anything else keeps the system's message.
 */
export function describePathError(error: unknown, path: string): string {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT': {
      const link = brokenLink(path);
      return link ? `it is a broken symbolic link to ${link.target} (${link.missing} does not exist)` : 'no such file';
    }
    case 'ELOOP':
      return 'it is a symbolic link that never reaches a file (the links loop)';
    case 'EISDIR':
      return 'it is a directory, not a file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied: this user may not read it, or may not enter one of the directories on its path';
    case 'ENOTDIR': {
      const file = fileOnPath(path);
      return file ? `${file} is a file, not a directory, so nothing can be under it` : 'a part of the path is not a directory';
    }
    case 'ENAMETOOLONG':
      return 'the path, or a name in it, is too long for the file system';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/** What to do about a failure `describePathError` words, for a file to be read. */
export function pathNextStep(error: unknown, path: string): string {
  switch ((error as { code?: unknown } | null)?.code) {
    case 'ENOENT':
      return brokenLink(path) ? 'fix the link, or give another path' : 'fix the path';
    case 'ELOOP':
      return 'fix the links, or give another path';
    case 'EISDIR':
      return 'give the path of a file';
    case 'EACCES':
    case 'EPERM':
      return 'fix the permissions, or give another path';
    default:
      return 'check the path, or give another one';
  }
}

/** The first directory of `path` (from the root down) that is not a directory but a file. */
function fileOnPath(path: string): string | null {
  const parts: string[] = [];
  for (let dir = dirname(resolve(path)); ; dir = dirname(dir)) {
    parts.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of parts) {
    try {
      if (!statSync(dir).isDirectory()) return dir;
    } catch {
      return null;
    }
  }
  return null;
}

/** Whether `path` is a directory (following links); false when it is anything else or cannot be read. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
