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
 * `--outdir DIR` writes elsewhere (DIR must be inside the repository, where node_modules resolve). The esbuild
 * settings are bundle.ts's (the benchmark builds its server process with the same ones).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bundle, ENTRY_POINTS, SERVER_DIR } from './bundle.js';
import { ADMIN_ASSET_FILES, buildAdminBundle } from './src/modules/admin/page.js';

function outdirArg(argv: string[]): string {
  const i = argv.indexOf('--outdir');
  return resolve(i >= 0 && argv[i + 1] ? argv[i + 1]! : join(SERVER_DIR, 'dist'));
}

const outdir = outdirArg(process.argv.slice(2));
const started = Date.now();
await bundle(ENTRY_POINTS, outdir, { prebuiltAdmin: true });

const admin = await buildAdminBundle();
mkdirSync(join(outdir, 'admin'), { recursive: true });
writeFileSync(join(outdir, 'admin', ADMIN_ASSET_FILES.js), admin.js);
writeFileSync(join(outdir, 'admin', ADMIN_ASSET_FILES.css), admin.css);
console.log(
  `built ${Object.keys(ENTRY_POINTS).join(', ')} and the admin page (${admin.version}) into ${outdir} in ${Date.now() - started} ms`,
);
