import { useEffect, useState } from 'preact/hooks';

/**
 * This page's clock, read again every `ms` while `ms` is not null (a view of something still
 * going on), so what grows with time is drawn growing between reads of the server.
 */
export function useClock(ms: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (ms === null) return;
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}
