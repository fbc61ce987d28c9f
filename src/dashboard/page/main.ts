import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.ts';
import { Link } from './link.ts';
import { liveSocket } from './live.ts';
import { MachinesPage } from './machines-page.ts';
import { NodesPage } from './nodes-page.ts';
import { usePlace } from './router.ts';
import { RunPage } from './run-page.ts';
import { RunsPage } from './runs-page.ts';

/** The dashboard's entry: a header, and the page the URL names. */

function App() {
  const place = usePlace();
  const [connected, setConnected] = useState(false);
  useEffect(() => liveSocket().onStatus(setConnected), []);
  const run = /^\/runs\/([^/]+)$/.exec(place.path);
  let page;
  if (run) page = html`<${RunPage} key=${run[1]} runId=${decodeURIComponent(run[1])} place=${place} />`;
  else if (place.path === '/nodes') page = html`<${NodesPage} />`;
  else if (place.path === '/machines') page = html`<${MachinesPage} />`;
  else page = html`<${RunsPage} place=${place} />`;
  return html`<header class="top">
      <strong>swarm</strong>
      <nav><${Link} href="/">runs<//> <${Link} href="/nodes">nodes<//> <${Link} href="/machines">machines<//></nav>
      <span class=${connected ? 'conn on' : 'conn off'} data-testid="connection">${connected ? '● connected' : '○ reconnecting'}</span>
    </header>
    ${page}`;
}

render(html`<${App} />`, document.getElementById('app')!);
