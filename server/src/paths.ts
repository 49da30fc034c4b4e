/**
 * The repository root: where `.env` is read and where a relative DATA_DIR lives, whichever directory npm runs a
 * command in (`npm start` runs at the root, `npm run --workspace @aizhao/server …` in server/). Found by walking up
 * from this file to the package.json that declares the workspaces (the same from src/ and from a build in dist/).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { workspaces?: unknown }).workspaces) return dir;
    if (dirname(dir) === dir) throw new Error(`no workspace root above ${from}`);
  }
}

export const REPO_ROOT = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
