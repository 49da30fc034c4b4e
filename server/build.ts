/**
 * `npm run build`: what production runs, in server/dist/ — plain JavaScript for Node, no tsx or esbuild at run time.
 *
 * Why a bundle and not `tsc` output: the server imports the workspace package @aizhao/shared, whose `exports` point
 * at its TypeScript source (shared/src/index.ts, so that tsx, vitest and the desktop build use it without a build
 * step of its own). Compiled server files would still import that .ts file, which Node cannot run. esbuild bundles
 * each entry point with our own code — server/src and @aizhao/shared — into one ESM file, while every npm dependency
 * of the server stays external and is imported from node_modules at run time as usual (native addons such as
 * sqlite3 and sharp cannot be bundled, and the SDKs keep their own files).
 *
 *   dist/main.js           the server            (npm run server with NODE_ENV=production; PM2's script)
 *   dist/migrate-cli.js    npm run db:migrate
 *   dist/admin-create.js   npm run admin:create
 *   dist/hash-password.js  npm run admin:hash-password
 *   dist/doctor.js         npm run doctor
 *   dist/matting-worker.js the sandbox GoodsMatting's worker thread (pixel loops off the event loop)
 *   dist/admin/app.js|css  the web admin page, bundled here instead of at the first request
 *
 * `--outdir DIR` writes elsewhere (DIR must be inside the repository, where node_modules resolve).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ADMIN_ASSET_FILES, buildAdminBundle } from './src/modules/admin/page.js';

const SERVER_DIR = dirname(fileURLToPath(import.meta.url));
export const ENTRY_POINTS = {
  main: 'src/main.ts',
  'migrate-cli': 'src/db/migrate-cli.ts',
  'admin-create': 'src/cli/admin-create.ts',
  'hash-password': 'src/cli/hash-password.ts',
  doctor: 'src/cli/doctor.ts',
  // the worker thread of the sandbox GoodsMatting, loaded from next to main.js (src/sandbox/cos/matting-pool.ts)
  'matting-worker': 'src/sandbox/cos/matting-worker.ts',
} as const;

function outdirArg(argv: string[]): string {
  const i = argv.indexOf('--outdir');
  return resolve(i >= 0 && argv[i + 1] ? argv[i + 1]! : join(SERVER_DIR, 'dist'));
}

const outdir = outdirArg(process.argv.slice(2));
const pkg = JSON.parse(readFileSync(join(SERVER_DIR, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
const external = Object.keys(pkg.dependencies).filter((name) => !name.startsWith('@aizhao/'));

rmSync(outdir, { recursive: true, force: true });
const started = Date.now();
await build({
  entryPoints: Object.fromEntries(Object.entries(ENTRY_POINTS).map(([name, file]) => [name, join(SERVER_DIR, file)])),
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  external,
  sourcemap: 'linked',
  define: { __AIZHAO_PREBUILT_ADMIN__: 'true' },
  // the bundle is ESM; a CommonJS dependency that esbuild inlines by mistake would need `require`
  banner: {
    js: "import { createRequire as __aizhaoCreateRequire } from 'node:module'; const require = __aizhaoCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
  legalComments: 'none',
});

const admin = await buildAdminBundle();
mkdirSync(join(outdir, 'admin'), { recursive: true });
writeFileSync(join(outdir, 'admin', ADMIN_ASSET_FILES.js), admin.js);
writeFileSync(join(outdir, 'admin', ADMIN_ASSET_FILES.css), admin.css);
console.log(
  `built ${Object.keys(ENTRY_POINTS).join(', ')} and the admin page (${admin.version}) into ${outdir} in ${Date.now() - started} ms`,
);
