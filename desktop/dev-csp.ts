/**
 * The renderer's Content-Security-Policy in development. index.html carries the production policy (scripts and
 * styles from the app's own origin only); `electron-vite dev` serves the renderer from Vite's dev server, which
 * needs a little more, and exactly that:
 * - the inline React Refresh preamble that @vitejs/plugin-react puts into the page: allowed by its sha256 hash;
 * - the `<style>` elements Vite's client inserts for every imported CSS file: `style-src 'unsafe-inline'`;
 * - the HMR WebSocket back to the dev server: `connect-src ws://<host>:<port>`.
 * Production builds are untouched (`apply: 'serve'`).
 */
import { createHash } from 'node:crypto';
import type { Plugin } from 'vite';

const CSP_META = /(<meta\s+http-equiv="Content-Security-Policy"\s+content=")([^"]*)(")/;

/** The production policy of an index.html. */
export function cspOf(html: string): string {
  const m = CSP_META.exec(html);
  if (!m) throw new Error('index.html has no Content-Security-Policy meta tag');
  return m[2]!;
}

/** `policy` with `sources` added to `directive` (the directive is created when missing). */
function extend(policy: string, directive: string, sources: string[]): string {
  const parts = policy
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean);
  const i = parts.findIndex((p) => p.split(/\s+/)[0] === directive);
  if (i < 0) return [...parts, `${directive} ${sources.join(' ')}`].join('; ');
  const values = parts[i]!.split(/\s+/)
    .slice(1)
    .filter((v) => v !== "'none'");
  parts[i] = [directive, ...values, ...sources.filter((s) => !values.includes(s))].join(' ');
  return parts.join('; ');
}

/** The development policy for a page served by the dev server at `origin` (e.g. http://localhost:5173). */
export function devCsp(html: string, origin: string): string {
  const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
  const hashes = inline.filter((code) => code.trim()).map((code) => `'sha256-${createHash('sha256').update(code).digest('base64')}'`);
  const ws = origin.replace(/^http/, 'ws');
  let policy = cspOf(html);
  policy = extend(policy, 'script-src', hashes);
  policy = extend(policy, 'style-src', ["'unsafe-inline'"]);
  policy = extend(policy, 'connect-src', ["'self'", ws]);
  return policy;
}

export function devCspPlugin(): Plugin {
  return {
    name: 'aizhao-dev-csp',
    apply: 'serve',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const address = ctx.server?.httpServer?.address();
        const port = typeof address === 'object' && address ? address.port : (ctx.server?.config.server.port ?? 5173);
        const host = ctx.server?.config.server.host;
        const origin = `http://${typeof host === 'string' && host !== '0.0.0.0' ? host : 'localhost'}:${port}`;
        return html.replace(CSP_META, (_m, a: string, _b: string, c: string) => `${a}${devCsp(html, origin)}${c}`);
      },
    },
  };
}
