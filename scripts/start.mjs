// `npm start`: the product on the embedded default — the sandbox server (SQLite + local vendor emulators), then the
// desktop app against it where Electron can run. Where it cannot (no display, no Electron binary), the server keeps
// running and this says how to use it.
import { spawn } from 'node:child_process';

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

// Where the app cannot run, the server stays up and this says how to run the app elsewhere.
const elsewhere = `The server keeps running at ${base} (Ctrl+C stops it). On a computer with a desktop, run the app against it:\n` +
  `  API_BASE_URL=${base} npm run --workspace @aizhao/desktop start`;
const hasDisplay = process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
if (!hasDisplay) {
  console.log(`The desktop app cannot open a window here: there is no display (DISPLAY / WAYLAND_DISPLAY is not set).\n${elsewhere}`);
} else {
  console.log('Starting the desktop app (electron-vite builds it, then opens the window)…');
  // `electron-vite preview` builds main/preload/renderer and starts Electron; Electron fetches its binary on first use
  const desktop = spawn('npm', ['run', '--workspace', '@aizhao/desktop', 'start'], { stdio: 'inherit', env: { ...process.env, API_BASE_URL: base } });
  children.push(desktop);
  desktop.on('exit', (code) => {
    if (code === 0) return stopAll(0); // the merchant closed the app
    console.log(`\nThe desktop app could not start (exit code ${code}): most often the Electron binary is not installed and cannot be downloaded here.\n${elsewhere}`);
  });
}
