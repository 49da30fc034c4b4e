/**
 * The Electron side of the platform, with the fake `electron` module against the real sandbox server:
 * - the login token goes through safeStorage's asynchronous API only (the synchronous one is deprecated in 45 and
 *   gone in 46), and the OS store is asked once per start, not on every state push;
 * - thumbnails of every accepted format (WebP too) are made off the main thread;
 * - every request honours the system proxy: the API and the downloads go through Electron's `net` (Chromium's
 *   stack: system/PAC proxy, OS certificates), and the COS uploads through the proxy `session.resolveProxy` names.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => await import('../support/fake-electron.js'));

import { fake } from '../support/fake-electron.js';
import { startApp, type RunningApp } from '../../src/main/app.js';
import { electronPlatform, trustSystemCertificates } from '../../src/main/platform.js';
import { proxyUrlFromPac } from '../../src/core/proxy.js';
import { startTestServer, type TestServer } from '../../../server/test/support/server.js';
import { buyInApp, confStore, loginWithSandboxCode, photoFolder, waitForState, type Desktop } from '../support/desktop.js';
import { withPlatform } from '../support/platform.js';

const OUT = fileURLToPath(new URL('../../out', import.meta.url));

let server: TestServer;
const running: RunningApp[] = [];

async function start(dir = mkdtempSync(join(tmpdir(), 'aizhao-glue-'))): Promise<RunningApp & { dir: string }> {
  const pending = startApp({ apiBaseUrl: server.url, store: confStore(dir), updater: null, outDir: OUT })!;
  await fake.ready();
  const app = await pending;
  running.push(app);
  await app.service.init();
  return { ...app, dir };
}
/** the parts of `Desktop` the login helpers use */
const asDesktop = (app: RunningApp) => ({ service: app.service }) as Desktop;

beforeAll(async () => {
  server = await startTestServer({ db: 'sqlite' });
});
afterAll(async () => {
  await server?.destroy();
});
beforeEach(() => fake.reset());
afterEach(async () => {
  for (const a of running.splice(0)) await a.service.close();
});

describe('safeStorage', () => {
  it('keeps the token with the asynchronous API only, and asks the OS once per start however often the state is pushed', async () => {
    const first = await start();
    await loginWithSandboxCode(asDesktop(first), server.url);
    for (let i = 0; i < 200; i++) first.service.getState();
    expect(first.service.getState().sessionPersisted).toBe(true);
    expect(fake.state.syncSafeStorageCalls).toBe(0);
    expect(fake.state.asyncSafeStorageCalls).toBe(2); // isAsyncEncryptionAvailable once, encryptStringAsync once
    const user = first.service.getState().user;
    await first.service.close();
    running.splice(running.indexOf(first), 1);

    // a restart on the same disk: the token is decrypted (asynchronously) and the merchant is still logged in
    fake.reset();
    const again = await start(first.dir);
    await waitForState(again.service, (s) => s.user !== null);
    expect(again.service.getState().user).toEqual(user);
    expect(fake.state.syncSafeStorageCalls).toBe(0);
  });

  it('Linux without a keyring (basic_text): the login is kept in memory only', async () => {
    await withPlatform('linux', async () => {
      fake.state.storageBackend = 'basic_text';
      const app = await start();
      await loginWithSandboxCode(asDesktop(app), server.url);
      expect(app.service.getState().sessionPersisted).toBe(false);
      expect(confStore(app.dir).get('session')).toBeUndefined();
    });
  });
});

describe('thumbnails', () => {
  it('reads every accepted format, WebP too, at 160 px at most, without blocking the main thread', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aizhao-thumbs-'));
    const photo = sharp({ create: { width: 1200, height: 1600, channels: 3, background: '#2b5fb4' } });
    const files = {
      jpg: await photo.clone().jpeg().toBuffer(),
      png: await photo.clone().png().toBuffer(),
      webp: await photo.clone().webp().toBuffer(),
    };
    const platform = electronPlatform(
      () => null,
      () => {},
    );
    for (const [ext, body] of Object.entries(files)) {
      const path = join(dir, `款式.${ext}`);
      writeFileSync(path, body);
      const url = await platform.thumbnail(path);
      expect(url, ext).toMatch(/^data:image\/jpeg;base64,/);
      const meta = await sharp(Buffer.from(url!.split(',')[1]!, 'base64')).metadata();
      expect([meta.width, meta.height], ext).toEqual([120, 160]);
    }
    writeFileSync(join(dir, 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0x00]));
    expect(await platform.thumbnail(join(dir, 'broken.jpg'))).toBeNull();

    // a 48-megapixel photo: the event loop keeps turning while it is decoded and shrunk
    const big = join(dir, 'big.png');
    const noise = Buffer.alloc(6000 * 8000 * 3);
    for (let i = 0; i < noise.length; i += 4099) noise[i] = i & 0xff;
    await sharp(noise, { raw: { width: 6000, height: 8000, channels: 3 } })
      .png({ compressionLevel: 1 })
      .toFile(big);
    // count the event loop's turns (a 1 ms timer re-armed) while the thumbnail is made: work done on the main thread
    // would hold the loop for the whole decode (a turn or two); off it, the loop keeps turning, however loaded the
    // machine is
    let turns = 0;
    let making = true;
    const tick = () => {
      turns++;
      if (making) setTimeout(tick, 1);
    };
    setTimeout(tick, 1);
    const url = await platform.thumbnail(big);
    making = false;
    expect(url).toMatch(/^data:image\/jpeg;base64,/);
    expect(turns).toBeGreaterThanOrEqual(5);
    // the review's sizes: a grid tile and the detail view, never the full 6000 × 8000 file
    for (const [size, longSide] of [
      ['grid', 480],
      ['detail', 1600],
    ] as const) {
      const preview = (await platform.thumbnail(big, size))!;
      const m = await sharp(Buffer.from(preview.split(',')[1]!, 'base64')).metadata();
      expect([m.width, m.height], size).toEqual([(longSide * 3) / 4, longSide]);
    }
  });
});

describe('the network', () => {
  let proxy: Server;
  const proxied: string[] = [];

  beforeAll(async () => {
    // a forward proxy (absolute-URI requests, as browsers send through an HTTP proxy)
    proxy = createServer((req, res) => {
      const target = new URL(req.url!);
      proxied.push(`${req.method} ${target.pathname}`);
      const out = httpRequest(target, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on('error', () => res.destroy());
      req.pipe(out);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => proxy.close(() => r())));

  it('sends the API and downloads through Electron’s net, and the COS uploads through the system proxy', async () => {
    const app = await start();
    const port = (proxy.address() as AddressInfo).port;
    fake.state.proxy = (url) =>
      new URL(url).pathname.startsWith('/sandbox/cos') ? `SOCKS5 127.0.0.1:1; PROXY 127.0.0.1:${port}; DIRECT` : 'DIRECT';
    await loginWithSandboxCode(asDesktop(app), server.url);
    await buyInApp(asDesktop(app));
    await app.service.addFiles([await photoFolder(2)]);
    fake.state.netFetches.length = 0;
    await app.service.startBatch({ type: 'basic_clean', params: {} });
    await app.service.whenIdle();
    const batch = app.service.getState().batches[0]!;
    expect(batch.items.map((i) => i.stage)).toEqual(['done', 'done']);

    const paths = fake.state.netFetches.map((u) => new URL(u).pathname);
    expect(paths).toContain('/task/create');
    expect(paths).toContain('/membership/status');
    // the result files came through net.fetch too
    expect(paths.filter((p) => p.startsWith('/sandbox/cos')).length).toBeGreaterThanOrEqual(2);
    // and the inputs went to COS through the proxy Chromium would use for the bucket
    expect(proxied.filter((p) => p.startsWith('PUT /sandbox/cos'))).toHaveLength(2);
  });

  it('reads PAC answers the way Chromium tries them', () => {
    expect(proxyUrlFromPac('DIRECT')).toBeUndefined();
    expect(proxyUrlFromPac('PROXY 10.0.0.1:8080; DIRECT')).toBe('http://10.0.0.1:8080');
    expect(proxyUrlFromPac('HTTPS proxy.corp:443')).toBe('https://proxy.corp:443');
    expect(proxyUrlFromPac('SOCKS5 127.0.0.1:1080; PROXY p:3128')).toBe('http://p:3128');
    expect(proxyUrlFromPac('SOCKS5 127.0.0.1:1080; DIRECT')).toBeUndefined();
    expect(proxyUrlFromPac('')).toBeUndefined();
  });

  it('adds the OS certificate store to Node’s TLS where this Node can read it', () => {
    let set: string[] | null = null;
    const tls = {
      getCACertificates: (type?: string) => (type === 'system' ? ['ROOT-A', 'CORP-SCANNER-CA'] : ['ROOT-A', 'ROOT-B']),
      setDefaultCACertificates: (certs: string[]) => void (set = certs),
    };
    expect(trustSystemCertificates(tls)).toBe(1);
    expect(set).toEqual(['ROOT-A', 'ROOT-B', 'CORP-SCANNER-CA']);
    expect(trustSystemCertificates({})).toBe(0); // an older Node: nothing to do, and no crash
  });
});
