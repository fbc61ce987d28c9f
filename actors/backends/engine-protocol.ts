import type { ExecutionRequest } from '../../src/execution.ts';

/**
 * The framed protocol of a warm engine (`mode = "persistent"`). The engine is started once with
 * `--serve` and then, for as long as it lives, reads one request a line on stdin and writes one
 * answer a line on stdout; stderr stays its log. Every frame is one JSON document on one line
 * (JSON escapes newlines inside strings, so a line is a frame), UTF-8, ending in "\n".
 *
 *   swarm → engine  {"id":"e1-7","request":{…the ExecutionRequest, as stdin holds it in process mode…}}
 *   engine → swarm  {"id":"e1-7","ok":true,"output":…,"memory":52428800}
 *                   {"id":"e1-7","ok":false,"error":"why","memory":52428800,"recycle":true}
 *
 * - `id` is echoed back as it came; an answer with another id is a protocol error.
 * - `output` is the symbol's output (absent: null), `error` the failure as one text.
 * - `memory` (optional): the engine's own size in bytes; above `max_memory` it is replaced.
 * - `recycle: true` (optional) asks to be replaced after this answer: the engine is unsure its
 *   state is clean (a wp_die, a fatal error, a lost database connection).
 * - One request at a time: the next comes only after the answer.
 * - End of stdin means stop: the engine exits (0) once its current request is answered.
 */

/** One request frame: a line of its own, ready to write. */
export function requestFrame(id: string, request: ExecutionRequest): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ id, request }) + '\n');
}

/** An answer as the engine wrote it, checked for shape. */
export type EngineAnswer =
  | { id: string; ok: true; output: unknown; memory?: number; recycle: boolean }
  | { id: string; ok: false; error: string; memory?: number; recycle: boolean };

/** An answer that is not one: the engine is out of step and is replaced. */
export interface ProtocolProblem {
  problem: string;
}

/** Parses one line of stdout (its text, without the newline). */
export function parseAnswer(line: string): EngineAnswer | ProtocolProblem {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { problem: `it wrote a line that is not JSON: ${preview(line)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problem: `it wrote a line that is not a JSON object: ${preview(line)}` };
  }
  const frame = value as Record<string, unknown>;
  if (typeof frame.id !== 'string') return { problem: `its answer has no string "id": ${preview(line)}` };
  if (typeof frame.ok !== 'boolean') return { problem: `its answer has no boolean "ok": ${preview(line)}` };
  const memory = typeof frame.memory === 'number' && Number.isFinite(frame.memory) ? { memory: frame.memory } : {};
  const recycle = frame.recycle === true;
  if (frame.ok) return { id: frame.id, ok: true, output: frame.output ?? null, recycle, ...memory };
  const error = typeof frame.error === 'string' && frame.error !== '' ? frame.error : 'the engine reported a failure without a message';
  return { id: frame.id, ok: false, error, recycle, ...memory };
}

function preview(line: string): string {
  const text = line.length > 200 ? `${line.slice(0, 200)}…` : line;
  return JSON.stringify(text);
}
