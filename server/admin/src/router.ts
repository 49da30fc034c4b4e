/**
 * Routing by location hash: `#/tasks?status=processing&type=model_pose12`. Filters live in the hash, so a reload or a
 * copied link shows the same list.
 */
export interface Route {
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
}

export type View = (route: Route) => Node | Promise<Node>;

interface Entry {
  pattern: string[];
  view: View;
  /** the nav item this page belongs to */
  section: string;
}

const entries: Entry[] = [];

export function addRoute(pattern: string, section: string, view: View): void {
  entries.push({ pattern: pattern.split('/').filter(Boolean), view, section });
}

export function currentRoute(): Route {
  const raw = location.hash.replace(/^#/, '') || '/';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  return { path, params: {}, query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

export function match(route: Route): { entry: Entry; route: Route } | null {
  const parts = route.path.split('/').filter(Boolean);
  for (const entry of entries) {
    if (entry.pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    entry.pattern.forEach((seg, i) => {
      const part = parts[i]!;
      if (seg.startsWith(':')) {
        try {
          params[seg.slice(1)] = decodeURIComponent(part);
        } catch {
          ok = false;
        }
      } else if (seg !== part) ok = false;
    });
    if (ok) return { entry, route: { ...route, params } };
  }
  return null;
}

/** `#/path?query` with empty values dropped */
export function href(path: string, query: Record<string, string | null | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) params.set(k, v);
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export function navigate(path: string, query?: Record<string, string | null | undefined>): void {
  const next = `#${href(path, query)}`;
  if (location.hash === next) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = next;
}
