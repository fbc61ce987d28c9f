import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The dashboard's page code, built in memory with `Bun.build` when the server first needs it
 * (no build step to forget, nothing generated in the repository), then served from `fetch`
 * behind the host and token checks — never through Bun's HTML `routes`, which answer before
 * `fetch` runs and so would skip those checks. The HTML is a fixed shell with no inline script
 * or style, so the Content-Security-Policy can forbid both.
 */

const PAGE_DIR = join(import.meta.dir, '..', 'page');

export interface PageAsset {
  body: Uint8Array<ArrayBuffer>;
  type: string;
  etag: string;
}

export interface PageAssets {
  /** The shell served for every page URL (`/`, `/runs/…`, `/nodes`). */
  html: PageAsset;
  /** By path: `/assets/app.js`, `/assets/app.css`. */
  files: ReadonlyMap<string, PageAsset>;
}

/** The page code failed to build: a defect of this installation, reported as INTERNAL. */
export class DashboardBuildError extends Error {
  override name = 'DashboardBuildError';
  readonly code = 'DASHBOARD_BUILD';
}

const SHELL = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>swarm dashboard</title>
<link rel="stylesheet" href="/assets/app.css">
<link rel="icon" href="/assets/icon.svg" type="image/svg+xml">
<script type="module" src="/assets/app.js"></script>
</head>
<body>
<noscript>The swarm dashboard needs JavaScript; the same data is in swarm runs, show and history.</noscript>
<main id="app"></main>
</body>
</html>
`;

/** Three nodes and their edges: the swarm's mark in a browser tab. */
const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path d="M4 12L8 4L12 12Z" fill="none" stroke="#4a6fa5" stroke-width="1.5"/><circle cx="8" cy="4" r="2.2" fill="#4a6fa5"/><circle cx="4" cy="12" r="2.2" fill="#4a6fa5"/><circle cx="12" cy="12" r="2.2" fill="#4a6fa5"/></svg>`;

function asset(body: Uint8Array<ArrayBuffer> | string, type: string): PageAsset {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  return { body: bytes, type, etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 22)}"` };
}

async function build(): Promise<PageAssets> {
  const result = await Bun.build({
    entrypoints: [join(PAGE_DIR, 'main.ts')],
    target: 'browser',
    format: 'esm',
    minify: true,
  });
  const js = result.outputs.find((o) => o.kind === 'entry-point');
  if (!result.success || !js) {
    throw new DashboardBuildError(`the dashboard page did not build: ${result.logs.map((l) => l.message).join('; ')}`);
  }
  return {
    html: asset(SHELL, 'text/html; charset=utf-8'),
    files: new Map([
      ['/assets/app.js', asset(new Uint8Array(await js.arrayBuffer()), 'text/javascript; charset=utf-8')],
      ['/assets/app.css', asset(readFileSync(join(PAGE_DIR, 'style.css')), 'text/css; charset=utf-8')],
      // Linked from the page, so a browser does not ask for /favicon.ico (a 404 in its console).
      ['/assets/icon.svg', asset(ICON, 'image/svg+xml')],
    ]),
  };
}

let built: Promise<PageAssets> | undefined;

/** The built page, once per process (a failed build is tried again at the next request). */
export function pageAssets(): Promise<PageAssets> {
  built ??= build().catch((error) => {
    built = undefined;
    throw error;
  });
  return built;
}
