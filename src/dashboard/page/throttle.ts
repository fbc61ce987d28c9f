import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * `value`, passed on at most once every `ms` (the latest, once the interval is over). Live
 * views read the server again when rows arrive; on a busy run rows arrive at every group
 * commit, and reading a view that often would cost the dispatcher more than the run does.
 */
export function useThrottled<T>(value: T, ms: number): T {
  const [passed, setPassed] = useState(value);
  const lastAt = useRef(0);
  useEffect(() => {
    if (Object.is(value, passed)) return;
    const pass = () => {
      lastAt.current = Date.now();
      setPassed(value);
    };
    const wait = lastAt.current + ms - Date.now();
    if (wait <= 0) return void pass();
    const timer = setTimeout(pass, wait);
    return () => clearTimeout(timer);
  }, [value, passed, ms]);
  return passed;
}
