/**
 * Auto-update, end to end: the app (main glue, fake `electron`) with electron-updater's real AppImageUpdater against
 * a generic feed served on 127.0.0.1 (latest-linux.yml + the artefact, as electron-builder publishes them) and the
 * real sandbox server. The server requires a newer version (MIN_CLIENT_VERSION): the app looks for the update at
 * once, downloads it in the background, verifies its sha512, shows 「新版本已就绪，重启更新」 and installs it on the
 * merchant's word; a tampered artefact is refused; the feed is read at start and then every interval (daily).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => await import('../support/fake-electron.js'));

import type * as ElectronUpdater from 'electron-updater';
import { fake, installRequireHook, type FakeBrowserWindow } from '../support/fake-electron.js';
import { startApp, type RunningApp } from '../../src/main/app.js';
import { createApiClient } from '../../src/core/api-client.js';
import type { UpdaterPort } from '../../src/core/updates.js';
import { login } from '../../../server/test/support/client.js';
import { startTestServer, type TestServer } from '../../../server/test/support/server.js';
import { confStore, waitForState } from '../support/desktop.js';

installRequireHook(); // electron-updater require()s electron: it gets the fake, as inside Electron
const require = createRequire(import.meta.url);
const { AppImageUpdater } = require('electron-updater') as typeof ElectronUpdater;

const OUT = fileURLToPath(new URL('../../out', import.meta.url));
const NEW_VERSION = '0.2.0';
const HELP = 'https://help.aizhao.example/kefu';

interface Feed {
  url: string;
  /** the request paths the feed answered */
  served: string[];
  /** serve an artefact whose bytes do not match latest-linux.yml */
  tamper: boolean;
  close(): Promise<void>;
}

/** A generic-provider feed, as electron-builder writes it for Linux: latest-linux.yml and the AppImage. */
async function startFeed(): Promise<Feed> {
  const artefact = randomBytes(256 * 1024);
  const name = `AIzhao-${NEW_VERSION}-linux-x86_64.AppImage`;
  const sha512 = createHash('sha512').update(artefact).digest('base64');
  const yml = [
    `version: ${NEW_VERSION}`,
    'files:',
    `  - url: ${name}`,
    `    sha512: ${sha512}`,
    `    size: ${artefact.length}`,
    `path: ${name}`,
    `sha512: ${sha512}`,
    "releaseDate: '2026-12-01T08:00:00.000Z'",
    '',
  ].join('\n');
  const feed: Feed = { url: '', served: [], tamper: false, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url!, 'http://x').pathname;
    feed.served.push(path);
    if (path === '/desktop/latest-linux.yml') return void res.writeHead(200, { 'content-type': 'text/yaml' }).end(yml);
    if (path === `/desktop/${name}`) {
      const body = feed.tamper ? Buffer.from(artefact).fill(0, 0, 16) : artefact;
      return void res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  feed.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/desktop`;
  feed.close = () => new Promise<void>((r) => server.close(() => r()));
  return feed;
}

let server: TestServer;
let feed: Feed;
const running: RunningApp[] = [];
const env = { ...process.env };

beforeAll(async () => {
  server = await startTestServer({ db: 'sqlite', jobs: false, env: { MIN_CLIENT_VERSION: NEW_VERSION, HELP_URL: HELP } });
  feed = await startFeed();
});
afterAll(async () => {
  await feed?.close();
  await server?.destroy();
});
beforeEach(() => {
  fake.reset();
  feed.served.length = 0;
  feed.tamper = false;
});
afterEach(async () => {
  for (const a of running.splice(0)) await a.service.close();
  process.env = { ...env };
});

/** A packaged app at version 0.1.0, laid out as electron-builder installs it (resources/app-update.yml, an AppImage). */
function packagedUpdater(): InstanceType<typeof AppImageUpdater> {
  const dir = mkdtempSync(join(tmpdir(), 'aizhao-installed-'));
  writeFileSync(join(dir, 'app-update.yml'), `provider: generic\nurl: ${feed.url}\nchannel: latest\nupdaterCacheDirName: aizhao-updater\n`);
  writeFileSync(join(dir, 'AIzhao-0.1.0.AppImage'), 'the installed AppImage');
  (process as { resourcesPath?: string }).resourcesPath = dir;
  process.env.APPIMAGE = join(dir, 'AIzhao-0.1.0.AppImage');
  process.env.XDG_CACHE_HOME = join(dir, 'cache');
  fake.state.packaged = true;
  fake.state.version = '0.1.0';
  const updater = new AppImageUpdater();
  updater.autoDownload = true;
  updater.autoInstallOnAppQuit = false; // the test quits the fake app; nothing may be installed then
  updater.disableDifferentialDownload = true;
  updater.logger = null;
  return updater;
}

async function start(updater: UpdaterPort | null): Promise<RunningApp> {
  const pending = startApp({ apiBaseUrl: server.url, store: confStore(mkdtempSync(join(tmpdir(), 'aizhao-upd-'))), updater, outDir: OUT })!;
  await fake.ready();
  const app = await pending;
  running.push(app);
  return app;
}

describe('auto-update from a generic feed', () => {
  it('a required update is found at once, downloaded and verified in the background, and installed on the merchant’s word', async () => {
    const updater = packagedUpdater();
    const install = vi.spyOn(updater, 'quitAndInstall').mockImplementation(() => {});
    const app = await start(updater);
    const s = await waitForState(app.service, (st) => st.update.status === 'ready', 30_000);
    expect(s.update).toMatchObject({ status: 'ready', version: NEW_VERSION, percent: 100, required: true, minVersion: NEW_VERSION });
    expect(s.about.version).toBe('0.1.0');
    expect(feed.served).toEqual(
      expect.arrayContaining(['/desktop/latest-linux.yml', `/desktop/AIzhao-${NEW_VERSION}-linux-x86_64.AppImage`]),
    );
    // through Electron's net (the system proxy applies to updates too)
    expect(fake.state.netFetches.some((u) => u.includes('/desktop/latest-linux.yml'))).toBe(true);

    app.service.installUpdate();
    expect(install).toHaveBeenCalledWith(false, true);
  });

  it('refuses an artefact whose sha512 does not match the feed, and says so', async () => {
    feed.tamper = true;
    const updater = packagedUpdater();
    const app = await start(updater);
    const s = await waitForState(app.service, (st) => st.update.status === 'error', 30_000);
    expect(s.update.message).toBe('检查或下载更新失败，请检查网络后重试');
    expect(() => app.service.installUpdate()).toThrow(expect.objectContaining({ code: 'UPDATE_NOT_READY' }));
  });

  it('a 426 UPGRADE_REQUIRED from any call leads to the update', async () => {
    const { token } = await login(server.url);
    const onUpgradeRequired = vi.fn();
    const api = createApiClient({ baseUrl: server.url, token: () => token, clientVersion: '0.1.5', onUpgradeRequired });
    await expect(api.membership()).rejects.toMatchObject({ code: 'UPGRADE_REQUIRED', status: 426 });
    expect(onUpgradeRequired).toHaveBeenCalledWith(NEW_VERSION);
    const current = createApiClient({ baseUrl: server.url, token: () => token, clientVersion: NEW_VERSION, onUpgradeRequired });
    await expect(current.membership()).resolves.toMatchObject({ isMember: false });
    expect(onUpgradeRequired).toHaveBeenCalledTimes(1);
  });
});

describe('帮助与客服', () => {
  it('the help link the operator configured opens in the system browser; other sites stay closed', async () => {
    const app = await start(null);
    await waitForState(app.service, (st) => st.about.helpUrl === HELP);
    const win = app.window.current! as unknown as FakeBrowserWindow;
    const open = (url: string) => win.webContents.windowOpenHandler!({ url });
    expect(open(HELP)).toEqual({ action: 'deny' }); // never a new Electron window…
    expect(open('https://evil.example/')).toEqual({ action: 'deny' });
    expect(open('http://help.aizhao.example/kefu')).toEqual({ action: 'deny' });
    expect(fake.state.externalOpened).toEqual([HELP]); // …but the help page in the browser
  });
});

describe('the update schedule', () => {
  it('checks at start and again every interval (daily in the app)', async () => {
    const { UpdateFlow, UPDATE_CHECK_INTERVAL_MS } = await import('../../src/core/updates.js');
    expect(UPDATE_CHECK_INTERVAL_MS).toBe(24 * 60 * 60 * 1000);
    const flush = () => new Promise((r) => setImmediate(r));
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const checks: number[] = [];
      const port: UpdaterPort = { on: () => port, checkForUpdates: async () => void checks.push(Date.now()), quitAndInstall: () => {} };
      const flow = new UpdateFlow(port, () => {});
      flow.start();
      expect(checks).toHaveLength(1); // at start
      vi.advanceTimersByTime(UPDATE_CHECK_INTERVAL_MS - 1);
      await flush();
      expect(checks).toHaveLength(1);
      vi.advanceTimersByTime(1);
      await flush();
      expect(checks).toHaveLength(2); // a day later
      vi.advanceTimersByTime(UPDATE_CHECK_INTERVAL_MS);
      await flush();
      expect(checks).toHaveLength(3);
      flow.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
