import { connect } from 'node:net';

/**
 * One raw HTTP exchange over node:net: writes the bytes as they are, reads until the server
 * closes, a whole response has arrived, or `ms` pass. Never throws.
 */

export interface RawResponse {
  /** Nothing came back (closed or timed out before a status line). */
  none: boolean;
  timedOut: boolean;
  status: number;
  headers: Record<string, string>;
  body: string;
  raw: string;
  error?: string;
}

export function rawRequest(port: number, bytes: Uint8Array, ms: number): Promise<RawResponse> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const socket = connect({ host: '127.0.0.1', port });
    const finish = (timedOut: boolean, error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parse(Buffer.concat(chunks), timedOut, error));
    };
    const timer = setTimeout(() => finish(true), ms);
    socket.on('connect', () => {
      socket.write(bytes, (err) => {
        if (err) {
          // The server may answer and close before reading everything (413): keep reading.
        }
      });
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (complete(Buffer.concat(chunks))) finish(false);
    });
    socket.on('end', () => finish(false));
    socket.on('close', () => finish(false));
    socket.on('error', (err) => finish(false, err.message));
  });
}

function headEnd(buf: Buffer): number {
  return buf.indexOf('\r\n\r\n');
}

function headersOf(head: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** A whole response: a Content-Length body complete, a chunked body ended, or a 101. */
function complete(buf: Buffer): boolean {
  const end = headEnd(buf);
  if (end < 0) return false;
  const head = buf.subarray(0, end).toString('latin1');
  if (/^HTTP\/1\.[01] 101/.test(head)) return true;
  const headers = headersOf(head);
  const rest = buf.subarray(end + 4);
  if (headers['content-length'] !== undefined) return rest.length >= Number(headers['content-length']);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) return rest.includes('\r\n0\r\n\r\n') || rest.subarray(0, 5).toString() === '0\r\n\r\n';
  return false;
}

function dechunk(body: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  while (at < body.length) {
    const nl = body.indexOf('\r\n', at);
    if (nl < 0) break;
    const size = parseInt(body.subarray(at, nl).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(body.subarray(nl + 2, nl + 2 + size));
    at = nl + 2 + size + 2;
  }
  return Buffer.concat(out);
}

function parse(buf: Buffer, timedOut: boolean, error?: string): RawResponse {
  const raw = buf.toString('utf8');
  const end = headEnd(buf);
  const m = /^HTTP\/\d\.\d (\d{3})/.exec(raw);
  if (!m) return { none: true, timedOut, status: 0, headers: {}, body: '', raw, ...(error ? { error } : {}) };
  const head = end >= 0 ? buf.subarray(0, end).toString('latin1') : raw;
  const headers = headersOf(head);
  let body = end >= 0 ? buf.subarray(end + 4) : Buffer.alloc(0);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(body);
  // What follows a Content-Length body is a second response (the parser's, to the rest of a broken request).
  else if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  return { none: false, timedOut, status: Number(m[1]), headers, body: body.toString('utf8'), raw, ...(error ? { error } : {}) };
}
