import { useEffect, useState } from 'preact/hooks';

/**
 * The page's URL is its state: the page (`/`, `/runs/<id>`, `/nodes`) and the query (filters,
 * the selected task, the time cursor `at`), so any view can be linked and reloaded.
 */

export interface Place {
  path: string;
  query: URLSearchParams;
}

const listeners = new Set<() => void>();

export function navigate(path: string, query: Record<string, string | number | null | undefined> = {}, replace = false): void {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== null && v !== undefined && v !== '') qs.set(k, String(v));
  const target = qs.toString() ? `${path}?${qs}` : path;
  if (replace) history.replaceState(null, '', target);
  else history.pushState(null, '', target);
  for (const l of listeners) l();
}

/** Changes some query parameters of the current URL (null removes one). */
export function setQuery(changes: Record<string, string | number | null>, replace = false): void {
  const query: Record<string, string | number | null> = Object.fromEntries(new URLSearchParams(location.search));
  navigate(location.pathname, { ...query, ...changes }, replace);
}

export function usePlace(): Place {
  const read = () => ({ path: location.pathname, query: new URLSearchParams(location.search) });
  const [place, setPlace] = useState<Place>(read);
  useEffect(() => {
    const update = () => setPlace(read());
    listeners.add(update);
    addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      removeEventListener('popstate', update);
    };
  }, []);
  return place;
}

/** A link that navigates inside the page. */
export function onLink(event: MouseEvent, href: string): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  event.preventDefault();
  const url = new URL(href, location.href);
  navigate(url.pathname, Object.fromEntries(url.searchParams));
}
