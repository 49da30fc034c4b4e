import { useEffect, useState } from 'react';
import { api } from '../services/api';

/** Thumbnails by path, asked of the main process once per path; a failure shows the placeholder. */
const cache = new Map<string, Promise<string | null>>();

function load(path: string): Promise<string | null> {
  let pending = cache.get(path);
  if (!pending) {
    pending = api.thumbnail(path).catch(() => null);
    cache.set(path, pending);
  }
  return pending;
}

/** The data URL of a local image's thumbnail; null while loading, when there is none, or for no path. */
export function useThumbnail(path: string | null | undefined): string | null {
  const [loaded, setLoaded] = useState<{ path: string; url: string | null } | null>(null);
  useEffect(() => {
    if (!path) return undefined;
    let live = true;
    void load(path).then((url) => {
      if (live) setLoaded({ path, url });
    });
    return () => {
      live = false;
    };
  }, [path]);
  return loaded && loaded.path === path ? loaded.url : null;
}
