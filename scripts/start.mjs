// `npm start`: the product on the embedded default — the sandbox server (SQLite + local vendor emulators), then the
// desktop app against it where Electron can run. Where it cannot (no display, no Electron binary), the server keeps
// running and this says how to use it.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const port = process.env.PORT ?? '3000';
const base = process.env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${port}`;
const children = [];
const stopAll = (code = 0) => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 500).unref();
};
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

const server = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], { stdio: 'inherit', env: { ...process.env, PORT: port } });
children.push(server);
server.on('exit', (code) => {
  console.error(`server exited (${code})`);
  stopAll(code ?? 1);
});

async function waitForHealth(timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) return (await res.json());
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`server did not answer ${base}/healthz within ${timeoutMs / 1000} s`);
}

const health = await waitForHealth();
console.log(`\nAI照 server is up at ${base} (${health.sandbox ? 'sandbox mode: local emulators, SQLite in ./.data' : 'real vendors'}).`);

const desktopPkg = JSON.parse(readFileSync('desktop/package.json', 'utf8'));
const hasDisplay = process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
const electronPath = (() => {
  try {
    return existsSync('node_modules/electron/path.txt');
  } catch {
    return false;
  }
})();
if (!desktopPkg.scripts?.start) {
  console.log('The desktop app is not part of this build yet: the server keeps running; walk the API with curl (see README).');
} else if (!hasDisplay || !electronPath) {
  console.log(
    `The desktop app cannot start here (${!hasDisplay ? 'no display' : 'the Electron binary is not installed'}). ` +
      `The server keeps running; on a desktop machine run: API_BASE_URL=${base} npm run --workspace @aizhao/desktop start`,
  );
} else {
  const desktop = spawn('npm', ['run', '--workspace', '@aizhao/desktop', 'start'], { stdio: 'inherit', env: { ...process.env, API_BASE_URL: base } });
  children.push(desktop);
  desktop.on('exit', () => stopAll(0));
}
