/**
 * The web admin page: `GET /admin` (the HTML shell) and its two assets, `/admin/assets/app.js` and `app.css`.
 * server/admin/src (strict TypeScript, plain DOM) is bundled with esbuild: by `npm run build` into dist/admin/ (what
 * production serves, read once at the first request), or in development once, at the first request, into memory.
 * Strict CSP (no inline script or style; images from us and from COS for the signed previews), no framing.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { AppContext } from '../../context.js';

const ADMIN_SRC = fileURLToPath(new URL('../../../admin/src/', import.meta.url));
/** the files `npm run build` writes into dist/admin/ (server/build.ts) */
export const ADMIN_ASSET_FILES = { js: 'app.js', css: 'app.css' } as const;
/** true in the production build only (server/build.ts sets it with esbuild's `define`): the assets are prebuilt */
declare const __AIZHAO_PREBUILT_ADMIN__: boolean | undefined;

export interface AdminBundle {
  js: string;
  css: string;
  /** content hash of both, used to version the asset URLs */
  version: string;
}

/** Bundles the admin app (main.ts + styles.css) in memory. */
export async function buildAdminBundle(): Promise<AdminBundle> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: { app: `${ADMIN_SRC}main.ts`, styles: `${ADMIN_SRC}styles.css` },
    bundle: true,
    write: false,
    outdir: '/admin-bundle',
    format: 'iife',
    platform: 'browser',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
    charset: 'utf8',
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'))?.text;
  const css = result.outputFiles.find((f) => f.path.endsWith('.css'))?.text;
  if (js === undefined || css === undefined) throw new Error('admin bundle: missing output');
  return bundleOf(js, css);
}

const bundleOf = (js: string, css: string): AdminBundle => ({
  js,
  css,
  version: createHash('sha256').update(js).update(css).digest('hex').slice(0, 12),
});

/** Reads the assets the build wrote into `dir`. */
export async function readPrebuiltAdminBundle(dir: string): Promise<AdminBundle> {
  const [js, css] = await Promise.all([
    readFile(`${dir}/${ADMIN_ASSET_FILES.js}`, 'utf8'),
    readFile(`${dir}/${ADMIN_ASSET_FILES.css}`, 'utf8'),
  ]);
  return bundleOf(js, css);
}

/** The build's assets beside the bundle (dist/admin/) in production; bundled on the fly in development. */
function defaultAdminBundle(): Promise<AdminBundle> {
  if (typeof __AIZHAO_PREBUILT_ADMIN__ !== 'undefined' && __AIZHAO_PREBUILT_ADMIN__) {
    return readPrebuiltAdminBundle(fileURLToPath(new URL('./admin', import.meta.url)));
  }
  return buildAdminBundle();
}

/** Where signed input/result URLs point: the sandbox COS emulator (our own origin) or the bucket's COS domain. */
export function imageOrigins(ctx: Pick<AppContext, 'config' | 'vendors'>): string[] {
  const origins = new Set<string>();
  const endpoint = ctx.vendors.cosEndpoint;
  if (endpoint) origins.add(`${endpoint.protocol}//${endpoint.domain.split('/')[0]}`);
  else {
    const { bucket, region, imageDomain } = ctx.config.cos;
    if (bucket && region) origins.add(`https://${bucket}.cos.${region}.myqcloud.com`);
    if (imageDomain) origins.add(/^https?:\/\//.test(imageDomain) ? new URL(imageDomain).origin : `https://${imageDomain}`);
  }
  return [...origins];
}

export function contentSecurityPolicy(imgOrigins: string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: ${imgOrigins.join(' ')}`.trim(),
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const shell = (version: string): string => `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>AI照管理后台</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/admin/assets/app.css?v=${version}">
<script defer src="/admin/assets/app.js?v=${version}"></script>
</head>
<body>
<div id="app"><noscript>请启用 JavaScript 后使用管理后台。</noscript></div>
</body>
</html>
`;

/** Serves the admin page; mount before the 404 handler: `app.use(adminPage(ctx))`. */
export function adminPage(ctx: AppContext, opts: { bundle?: () => Promise<AdminBundle> } = {}): Router {
  const csp = contentSecurityPolicy(imageOrigins(ctx));
  const make = opts.bundle ?? defaultAdminBundle;
  let pending: Promise<AdminBundle> | null = null;
  const bundle = (): Promise<AdminBundle> => {
    pending ??= make().catch((err: unknown) => {
      pending = null; // a later request tries again
      throw err;
    });
    return pending;
  };

  const secure = (res: Response): void => {
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  };

  const serve =
    (pick: (b: AdminBundle) => { body: string; type: string; versioned: boolean }): RequestHandler =>
    async (req: Request, res: Response, next) => {
      let b: AdminBundle;
      try {
        b = await bundle();
      } catch (err) {
        ctx.logger.error({ err }, 'admin page: bundling failed');
        return next(err);
      }
      const { body, type, versioned } = pick(b);
      secure(res);
      res.type(type);
      // a versioned asset URL never changes content; the shell is always fresh (Cache-Control: no-store from app.ts)
      if (versioned && req.query.v === b.version) res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      res.send(body);
    };

  const r = Router();
  r.get(
    ['/admin', '/admin/'],
    serve((b) => ({ body: shell(b.version), type: 'text/html; charset=utf-8', versioned: false })),
  );
  r.get(
    '/admin/assets/app.js',
    serve((b) => ({ body: b.js, type: 'text/javascript; charset=utf-8', versioned: true })),
  );
  r.get(
    '/admin/assets/app.css',
    serve((b) => ({ body: b.css, type: 'text/css; charset=utf-8', versioned: true })),
  );
  return r;
}
