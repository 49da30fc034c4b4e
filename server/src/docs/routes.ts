/** The routes an Express app serves, as `METHOD /path` strings (nested routers included, mount paths prefixed). */
import type { Express } from 'express';

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: string | string[];
}

export function listRoutes(app: Express): string[] {
  const out = new Set<string>();
  const walk = (stack: Layer[], prefix: string): void => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = ([] as string[]).concat(layer.route.path);
        for (const method of Object.keys(layer.route.methods)) {
          // `r.get(['/admin', '/admin/'])` is one route: list it once, without the trailing slash
          for (const p of new Set(paths.map((x) => (x.length > 1 ? x.replace(/\/$/, '') : x))))
            out.add(`${method.toUpperCase()} ${prefix}${p}`);
        }
      } else if (layer.handle?.stack) {
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, prefix + mount);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return [...out];
}
