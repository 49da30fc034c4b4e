// Runs one of the server's commands (`node run.mjs main|migrate-cli|admin-create|hash-password|sandbox|doctor [args]`),
// the way `npm run server`, `db:migrate`, `admin:create`, `admin:hash-password`, `sandbox` and `doctor` start them:
//  - NODE_ENV=production (in the environment or in the root .env): the build, dist/<command>.js (`npm run build`);
//    plain Node, no TypeScript loader. Missing build → a clear message.
//  - otherwise: the TypeScript source through tsx, as in development.
// Both run in this process (no child), so signals reach the server directly. Plain JavaScript: it must run without tsx.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import dotenv from 'dotenv';

const here = dirname(fileURLToPath(import.meta.url));
const SOURCES = {
  main: 'src/main.ts',
  'migrate-cli': 'src/db/migrate-cli.ts',
  'admin-create': 'src/cli/admin-create.ts',
  'hash-password': 'src/cli/hash-password.ts',
  sandbox: 'src/sandbox/main.ts',
  doctor: 'src/cli/doctor.ts',
};
const command = process.argv[2];
if (!command || !(command in SOURCES)) {
  console.error(`usage: node run.mjs ${Object.keys(SOURCES).join('|')} [args]`);
  process.exit(2);
}
process.argv.splice(2, 1); // the command sees its own arguments only

// the same .env the server reads (src/load-env.ts), only to learn NODE_ENV; the environment wins
const envFile = process.env.DOTENV_CONFIG_PATH ?? join(here, '..', '.env');
const fileEnv = existsSync(envFile) ? dotenv.parse(readFileSync(envFile)) : {};
const production = (process.env.NODE_ENV || fileEnv.NODE_ENV) === 'production';

if (production) {
  const built = join(here, 'dist', `${command}.js`);
  if (!existsSync(built)) {
    console.error(`NODE_ENV=production runs the build, and ${built} is missing: run npm run build first`);
    process.exit(1);
  }
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(here, SOURCES[command])).href);
}
