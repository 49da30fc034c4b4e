/**
 * Runs the sandbox GoodsMatting's pixel loops (flood fill, islands, rim, bounding box) in one worker thread, so that
 * a batch of matting jobs does not stall the server that embeds the sandbox (task creation, polls, payments).
 * The worker starts at the first job and does not keep the process alive; jobs queue in it one after another.
 * Decoding and encoding stay with sharp (libvips threads), off the event loop as well.
 *
 * From source (tsx, vitest) the worker is matting-worker.ts, loaded through tsx; from the production bundle it is
 * dist/matting-worker.js next to dist/main.js (server/build.ts bundles it as an entry point of its own).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Box } from '../../vendors/cos/alpha-bounds.js';

export interface MattingJob {
  id: number;
  pixels: Uint8Array<ArrayBuffer>;
  width: number;
  height: number;
  centerLayout: boolean;
}
export type MattingReply = { id: number; pixels: Uint8Array<ArrayBuffer>; box: Box | null } | { id: number; error: string };

interface Pending {
  resolve: (r: { data: Buffer; box: Box | null }) => void;
  reject: (err: Error) => void;
}

let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, Pending>();

function failAll(err: Error): void {
  for (const p of pending.values()) p.reject(err);
  pending.clear();
}

/**
 * The worker's entry. From source, a small ESM module (a data: URL) registers tsx in the worker thread first (loader
 * hooks are per thread: `--import tsx` in execArgv does not reach it) and then imports matting-worker.ts.
 */
function workerEntry(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL('./matting-worker.js', import.meta.url);
  // tsx's ESM API as its package's `exports` name it for `import` (require.resolve would pick the CommonJS one)
  const pkgPath = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const api = pathToFileURL(join(dirname(pkgPath), pkg.exports['./esm/api']!.import.default)).href;
  const entry = new URL('./matting-worker.ts', import.meta.url).href;
  const code = `import { register } from ${JSON.stringify(api)};\nregister();\nawait import(${JSON.stringify(entry)});\n`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

function start(): Worker {
  const w = new Worker(workerEntry());
  w.unref();
  w.on('message', (reply: MattingReply) => {
    const p = pending.get(reply.id);
    pending.delete(reply.id);
    if (!p) return;
    if ('error' in reply) p.reject(new Error(reply.error));
    else p.resolve({ data: Buffer.from(reply.pixels.buffer, reply.pixels.byteOffset, reply.pixels.byteLength), box: reply.box });
  });
  w.on('error', (err) => {
    if (worker === w) worker = null;
    failAll(err);
  });
  w.on('exit', (code) => {
    if (worker === w) worker = null;
    failAll(new Error(`the matting worker exited (${code})`));
  });
  return w;
}

/** Cuts the plain background out of `rgba` (width × height, 4 channels) in the worker; the box only for center-layout. */
export function cutOutInWorker(
  rgba: Buffer,
  width: number,
  height: number,
  centerLayout: boolean,
): Promise<{ data: Buffer; box: Box | null }> {
  worker ??= start();
  const w = worker;
  // a buffer of its own, so that it can be transferred (sharp's output may share or own external memory)
  const pixels = new Uint8Array(rgba.byteLength);
  pixels.set(rgba);
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.postMessage({ id, pixels, width, height, centerLayout } satisfies MattingJob, [pixels.buffer]);
  });
}
