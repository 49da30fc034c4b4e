import { useEffect, useRef } from 'react';

/**
 * Runs `run` once `delayMs` after `key` changes (not on mount). Further changes meanwhile do not postpone it, so a
 * steady stream of changes still runs it every `delayMs`; the last change is always followed by a run.
 */
export function useThrottledEffect(key: string, run: () => void, delayMs: number): void {
  const first = useRef(true);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const latest = useRef(run);
  latest.current = run;

  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      latest.current();
    }, delayMs);
  }, [key, delayMs]);

  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
}
