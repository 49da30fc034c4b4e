/**
 * The esbuild settings of the server's production bundle (build.ts): each entry point bundled with our own code —
 * server/src and @aizhao/shared — into one ESM file for Node, every npm dependency of the server left external and
 * imported from node_modules at run time. The benchmark bundles its server process with the same settings, so that
 * it measures the code production runs (bench/server-paths.ts).
 */
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const SERVER_DIR = dirname(fileURLToPath(import.meta.url));

export const ENTRY_POINTS = {
  main: 'src/main.ts',
  'migrate-cli': 'src/db/migrate-cli.ts',
  'admin-create': 'src/cli/admin-create.ts',
  'hash-password': 'src/cli/hash-password.ts',
  doctor: 'src/cli/doctor.ts',
  // the worker thread of the sandbox GoodsMatting, loaded from next to main.js (src/sandbox/cos/matting-pool.ts)
  'matting-worker': 'src/sandbox/cos/matting-worker.ts',
} as const;

/**
 * Bundles `entryPoints` (output name → file relative to server/) into `outdir`, emptied first. `prebuiltAdmin`: the
 * web admin page is read from outdir/admin/ (build.ts writes it there) instead of being bundled at its first request.
 */
export async function bundle(entryPoints: Readonly<Record<string, string>>, outdir: string, o: { prebuiltAdmin: boolean }): Promise<void> {
  const pkg = JSON.parse(readFileSync(join(SERVER_DIR, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: Object.fromEntries(Object.entries(entryPoints).map(([name, file]) => [name, join(SERVER_DIR, file)])),
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    external: Object.keys(pkg.dependencies).filter((name) => !name.startsWith('@aizhao/')),
    sourcemap: 'linked',
    define: { __AIZHAO_PREBUILT_ADMIN__: String(o.prebuiltAdmin) },
    // the bundle is ESM; a CommonJS dependency that esbuild inlines by mistake would need `require`
    banner: {
      js: "import { createRequire as __aizhaoCreateRequire } from 'node:module'; const require = __aizhaoCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
    legalComments: 'none',
  });
}
