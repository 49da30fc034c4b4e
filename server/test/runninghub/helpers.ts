/** Shared setup for the RunningHub tests: real HTTP servers on 127.0.0.1, port 0. */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import sharp from 'sharp';
import { createRunningHubEmulator } from '../../src/sandbox/runninghub/index.js';

export const NODES = { prompt: '6:text', image: '10:image', seed: '3:seed' };

export interface Listening {
  server: http.Server;
  origin: string;
  close(): Promise<void>;
}

export async function listen(handler: http.RequestListener): Promise<Listening> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function testSecrets(): { apiKey: string; webappId: string } {
  return { apiKey: randomBytes(16).toString('hex'), webappId: '1937' + String(Date.now()).padStart(15, '0') };
}

/** A fake clock the emulator reads; tests move it forward. */
export function fakeClock(): { now: () => number; advance(ms: number): void } {
  let t = Date.now();
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** The emulator mounted at /sandbox/runninghub of an express app. */
export async function startEmulator(opts: Parameters<typeof createRunningHubEmulator>[0]) {
  const emulator = createRunningHubEmulator(opts);
  const app = express();
  app.use('/sandbox/runninghub', emulator.router);
  const listening = await listen(app);
  return { emulator, ...listening, baseUrl: `${listening.origin}/sandbox/runninghub` };
}

/** A garment-like JPEG (a coloured shape on a light background). */
export async function garmentJpeg(): Promise<Buffer> {
  const shape = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="800"><rect width="600" height="800" fill="#f4f4f4"/>' +
      '<path d="M150 120 L250 80 L350 80 L450 120 L520 260 L440 290 L420 720 L180 720 L160 290 L80 260 Z" fill="#2a5caa"/></svg>',
  );
  return sharp(shape).jpeg({ quality: 85 }).toBuffer();
}

/** Serves the input images: /garment.jpg (any query string), /not-an-image.jpg (text), 404 otherwise. */
export async function startImageServer(jpeg: Buffer): Promise<Listening> {
  return listen((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/garment.jpg') {
      res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': jpeg.length }).end(jpeg);
    } else if (path === '/not-an-image.jpg') {
      res.writeHead(200, { 'Content-Type': 'image/jpeg' }).end('this is not an image');
    } else {
      res.writeHead(404).end();
    }
  });
}

export async function until<T>(fn: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
