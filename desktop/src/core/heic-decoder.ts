/**
 * HEIC decoding off the main process's event loop. libheif's WebAssembly decoder (heic-decode) runs synchronously
 * and takes seconds for a 12-megapixel iPhone photo: on the Electron main thread that would freeze every IPC answer
 * and state push. So it runs in one worker thread, started on first use and let go (unref) when idle; requests are
 * answered in turn. The worker loads heic-decode by its resolved path (from app.asar.unpacked in a packaged app,
 * where worker threads cannot be relied on to read inside the archive: electron-builder.yml unpacks it).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface DecodedHeic {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel */
  data: Buffer;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFile } = require('node:fs/promises');
const decode = require(workerData.module);
parentPort.on('message', async ({ id, path }) => {
  try {
    const image = await decode({ buffer: await readFile(path) });
    const data = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
    parentPort.postMessage({ id, width: image.width, height: image.height, data }, [data.buffer]);
  } catch (e) {
    parentPort.postMessage({ id, error: String((e && e.message) || e) });
  }
});
`;

/** heic-decode's entry, outside app.asar when it has been unpacked there */
function decoderModule(): string {
  const resolved = createRequire(import.meta.url).resolve('heic-decode');
  const unpacked = resolved.replace(/app\.asar([\\/])/, 'app.asar.unpacked$1');
  return unpacked !== resolved && existsSync(unpacked) ? unpacked : resolved;
}

type Reply = { id: number; width: number; height: number; data: Uint8Array } | { id: number; error: string };

let worker: Worker | null = null;
let nextId = 1;
const waiting = new Map<number, { resolve: (d: DecodedHeic) => void; reject: (e: Error) => void }>();

function getWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: decoderModule() } });
  w.on('message', (reply: Reply) => {
    const pending = waiting.get(reply.id);
    waiting.delete(reply.id);
    if (waiting.size === 0) w.unref();
    if (!pending) return;
    if ('error' in reply) pending.reject(new Error(reply.error));
    else
      pending.resolve({
        width: reply.width,
        height: reply.height,
        data: Buffer.from(reply.data.buffer, reply.data.byteOffset, reply.data.byteLength),
      });
  });
  const fail = (e: Error) => {
    if (worker === w) worker = null;
    for (const p of waiting.values()) p.reject(e);
    waiting.clear();
  };
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`HEIC decoder exited (${code})`)));
  worker = w;
  return w;
}

/** Decodes a HEIC/HEIF file's primary image (rotation and mirroring applied) in the decoder thread. */
export function decodeHeicFile(path: string): Promise<DecodedHeic> {
  const w = getWorker();
  const id = nextId++;
  w.ref();
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    w.postMessage({ id, path });
  });
}
