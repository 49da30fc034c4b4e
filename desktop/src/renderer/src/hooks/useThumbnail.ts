import { useEffect, useState } from 'react';
import type { PreviewSize } from '../../../shared/contract';
import { api } from '../services/api';

/**
 * Previews by path and size, asked of the main process once (it scales with sharp; the renderer never reads a full
 * file); a failure shows the placeholder. The larger sizes are kept for the most recent paths only, so that paging
 * through 2 000 results does not hold 2 000 large images.
 */
const KEEP: Record<PreviewSize, number> = { thumb: 4000, grid: 400, detail: 16 };
const caches: Record<PreviewSize, Map<string, Promise<string | null>>> = { thumb: new Map(), grid: new Map(), detail: new Map() };

function load(path: string, size: PreviewSize): Promise<string | null> {
  const cache = caches[size];
  let pending = cache.get(path);
  if (pending) {
    cache.delete(path); // most recent last
  } else {
    pending = (size === 'thumb' ? api.thumbnail(path) : api.thumbnail(path, size)).catch(() => null);
  }
  cache.set(path, pending);
  while (cache.size > KEEP[size]) cache.delete(cache.keys().next().value!);
  return pending;
}

/** The data URL of a local image's preview; null while loading, when there is none, or for no path. */
export function useThumbnail(path: string | null | undefined, size: PreviewSize = 'thumb'): string | null {
  const [loaded, setLoaded] = useState<{ key: string; url: string | null } | null>(null);
  const key = path ? `${size}:${path}` : '';
  useEffect(() => {
    if (!path) return undefined;
    let live = true;
    void load(path, size).then((url) => {
      if (live) setLoaded({ key: `${size}:${path}`, url });
    });
    return () => {
      live = false;
    };
  }, [path, size]);
  return loaded && loaded.key === key ? loaded.url : null;
}
