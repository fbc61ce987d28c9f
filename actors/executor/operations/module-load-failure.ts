/**
 * Why a module's import() failed, in words a user can act on. Bun throws a BuildMessage for a
 * file that does not parse, or an AggregateError of them ("2 errors building …"), whose message
 * alone says neither what nor where: each carries its `position` (file, 1-based line and column).
 */

/** Build errors listed at most; the rest are counted. */
const BUILD_ERRORS_LISTED = 3;

interface BuildPosition {
  file?: unknown;
  line?: unknown;
  column?: unknown;
}

/** `file:line:column: message` for a Bun build error, or null for any other error. */
function buildErrorText(error: unknown): string | null {
  if (!(error instanceof Object) || error.constructor?.name !== 'BuildMessage') return null;
  const { message, position } = error as { message?: unknown; position?: BuildPosition | null };
  const text = String(message);
  if (!position || typeof position.file !== 'string' || typeof position.line !== 'number') return text;
  const column = typeof position.column === 'number' ? `:${position.column}` : '';
  return `${position.file}:${position.line}${column}: ${text}`;
}

/** What went wrong loading a module: each build error where it is, else the loader's own message. */
export function moduleLoadReason(error: unknown): string {
  const single = buildErrorText(error);
  if (single !== null) return single;
  const inner = error instanceof AggregateError ? error.errors.map(buildErrorText) : [];
  if (inner.length > 0 && inner.every((t) => t !== null)) {
    const listed = inner.slice(0, BUILD_ERRORS_LISTED).join('; ');
    const more = inner.length > BUILD_ERRORS_LISTED ? `; and ${inner.length - BUILD_ERRORS_LISTED} more` : '';
    return `${inner.length} errors: ${listed}${more}`;
  }
  return error instanceof Error ? error.message : String(error);
}
