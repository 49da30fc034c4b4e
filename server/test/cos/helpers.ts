/** Test harness: the COS emulator mounted at /sandbox/cos of a real HTTP server on 127.0.0.1, and SDK clients for it. */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import COS from 'cos-nodejs-sdk-v5';
import express from 'express';
import sharp from 'sharp';
import { createCosEmulator, sandboxCosEndpoint, type CosEmulator } from '../../src/sandbox/cos/index.js';
import { generateSandboxSecrets, type SandboxSecrets } from '../../src/sandbox/secrets.js';
import type { CosClientOptions } from '../../src/vendors/cos/client.js';
import type { TemporaryCredentials } from '../../src/vendors/types.js';

export interface Harness {
  baseUrl: string;
  dataDir: string;
  secrets: SandboxSecrets['cos'];
  emulator: CosEmulator;
  endpoint: { domain: string; protocol: 'http:' | 'https:' };
  /** moves the emulator's clock (ms) */
  clock: { offsetMs: number };
  /** options for our vendor clients with the permanent key */
  clientOptions: CosClientOptions;
  /** a raw SDK client with the permanent key */
  cos: COS;
  /** a raw SDK client with temporary credentials (as the desktop app uses them) */
  tempCos(c: TemporaryCredentials, extra?: Partial<COS.COSOptions>): COS;
  /** restarts the emulator on the same data directory (state must survive) */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'aizhao-cos-'));
  const secrets = generateSandboxSecrets().cos;
  const clock = { offsetMs: 0 };
  const make = (): CosEmulator => createCosEmulator({ dataDir, secrets, now: () => Date.now() + clock.offsetMs });
  let emulator = make();
  const app = express();
  // The lead mounts the router like this (before any body parser); a stable wrapper lets restart() swap it.
  app.use('/sandbox/cos', (req, res, next) => emulator.router(req, res, next));
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const endpoint = sandboxCosEndpoint(baseUrl);
  const clientOptions: CosClientOptions = {
    secretId: secrets.secretId,
    secretKey: secrets.secretKey,
    bucket: secrets.bucket,
    region: secrets.region,
    domain: endpoint.domain,
    protocol: endpoint.protocol,
  };
  const h: Harness = {
    baseUrl,
    dataDir,
    secrets,
    get emulator() {
      return emulator;
    },
    endpoint,
    clock,
    clientOptions,
    cos: new COS({ SecretId: secrets.secretId, SecretKey: secrets.secretKey, Domain: endpoint.domain, Protocol: endpoint.protocol }),
    tempCos: (c, extra = {}) =>
      new COS({
        Domain: endpoint.domain,
        Protocol: endpoint.protocol,
        getAuthorization: (_opts, cb) =>
          cb({
            TmpSecretId: c.credentials.tmpSecretId,
            TmpSecretKey: c.credentials.tmpSecretKey,
            SecurityToken: c.credentials.sessionToken,
            StartTime: c.startTime,
            ExpiredTime: c.expiredTime,
          }),
        ...extra,
      }),
    async restart() {
      emulator = make();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return h;
}

/**
 * A garment-like shape (a T-shirt silhouette with stripes and a pocket) on a light plain background, with a little
 * sensor-like noise everywhere, as a product photo would have. `shift` moves the garment off-centre (pixels).
 */
export async function garmentJpeg(
  o: { width?: number; height?: number; quality?: number; shift?: { x: number; y: number } } = {},
): Promise<Buffer> {
  const width = o.width ?? 900;
  const height = o.height ?? 1200;
  const sx = width / 900;
  const sy = height / 1200;
  const dx = o.shift?.x ?? 0;
  const dy = o.shift?.y ?? 0;
  const pts = [
    [300, 250],
    [380, 220],
    [450, 260],
    [520, 220],
    [600, 250],
    [740, 400],
    [660, 470],
    [610, 420],
    [610, 950],
    [290, 950],
    [290, 420],
    [240, 470],
    [160, 400],
  ]
    .map(([x, y]) => `${Math.round((x ?? 0) * sx + dx)},${Math.round((y ?? 0) * sy + dy)}`)
    .join(' ');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><pattern id="s" width="24" height="24" patternUnits="userSpaceOnUse">
      <rect width="24" height="24" fill="#2a5bd7"/><rect width="24" height="8" fill="#1d3f99"/></pattern></defs>
    <polygon points="${pts}" fill="url(#s)"/>
    <rect x="${Math.round(400 * sx + dx)}" y="${Math.round(500 * sy + dy)}" width="${Math.round(100 * sx)}" height="${Math.round(80 * sy)}" fill="#f2c200"/>
  </svg>`;
  const noise = await sharp({
    create: { width, height, channels: 3, background: '#000000', noise: { type: 'gaussian', mean: 128, sigma: 10 } },
  })
    .png()
    .toBuffer();
  const flat = await sharp({ create: { width, height, channels: 3, background: { r: 236, g: 238, b: 242 } } })
    .composite([{ input: Buffer.from(svg) }])
    .png()
    .toBuffer();
  return sharp(flat)
    .composite([{ input: noise, blend: 'soft-light' }])
    .jpeg({ quality: o.quality ?? 90 })
    .toBuffer();
}

/** A real JPEG bigger than 1 MB (noise compresses badly), for multipart uploads. */
export async function largeJpeg(): Promise<Buffer> {
  return sharp({
    create: { width: 1800, height: 1800, channels: 3, background: '#000000', noise: { type: 'gaussian', mean: 128, sigma: 40 } },
  })
    .jpeg({ quality: 95 })
    .toBuffer();
}

/** A real photo-sized JPEG over 5 MB (about 7 MB: noise at quality 98), for CI's large-image rules. */
export async function noisyJpeg(side = 2600): Promise<Buffer> {
  return sharp({
    create: { width: side, height: side, channels: 3, background: '#000000', noise: { type: 'gaussian', mean: 128, sigma: 60 } },
  })
    .jpeg({ quality: 98 })
    .toBuffer();
}

/** RGBA pixel at (x, y) of an encoded image. */
export async function pixelAt(img: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(img).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * 4;
  return [data[i] ?? -1, data[i + 1] ?? -1, data[i + 2] ?? -1, data[i + 3] ?? -1];
}

/**
 * What a cut-out PNG is, read from its pixels: its size, whether it has alpha, whether each of its four edges holds
 * a visible pixel (alpha > 8: it is trimmed to the subject), whether its corners are transparent, and how many
 * pixels are visible.
 */
export async function inspectCutout(png: Buffer): Promise<{
  format: string | undefined;
  width: number;
  height: number;
  hasAlpha: boolean;
  trimmed: boolean;
  visible: number;
}> {
  const meta = await sharp(png).metadata();
  const { data, info } = await sharp(png).ensureAlpha().extractChannel(3).raw().toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const a = (x: number, y: number): number => data[y * width + x] ?? 0;
  const rowVisible = (y: number): boolean => Array.from({ length: width }, (_, x) => a(x, y)).some((v) => v > 8);
  const colVisible = (x: number): boolean => Array.from({ length: height }, (_, y) => a(x, y)).some((v) => v > 8);
  let visible = 0;
  for (const v of data) if (v > 8) visible++;
  return {
    format: meta.format,
    width,
    height,
    hasAlpha: meta.hasAlpha === true,
    trimmed: rowVisible(0) && rowVisible(height - 1) && colVisible(0) && colVisible(width - 1),
    visible,
  };
}
