/**
 * The main process's lifecycle, run with the fake `electron` module (test/support/fake-electron.ts): windows made by
 * any event are tracked (macOS close → Dock → close → Dock; a second launch), the app's identity (name, userData,
 * AppUserModelID), the Chinese application menu without developer tools in production, and the renderer served
 * from the app scheme (an install path with `#` and Chinese in it) with IPC answered only for that page.
 */
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => await import('../support/fake-electron.js'));

import { fake, net, type FakeBrowserWindow } from '../support/fake-electron.js';
import { startApp, type RunningApp } from '../../src/main/app.js';
import { NAVIGATE_EVENT } from '../../src/shared/contract.js';
import { confStore } from '../support/desktop.js';
import { withPlatform } from '../support/platform.js';

const desktop = fileURLToPath(new URL('../..', import.meta.url));
const OUT = join(desktop, 'out');
const root = join(desktop, '..');
const UNREACHABLE = 'http://127.0.0.1:9'; // the discard port: nothing answers, the app stays "connecting"

const running: RunningApp[] = [];
async function start(o: { outDir?: string } = {}): Promise<RunningApp> {
  const dir = fake.state.paths.home!;
  const pending = startApp({ apiBaseUrl: UNREACHABLE, store: confStore(dir), updater: null, outDir: o.outDir ?? OUT });
  if (!pending) throw new Error('no single-instance lock');
  await fake.ready();
  const app = await pending;
  running.push(app);
  return app;
}
const loaded = async (app: RunningApp) => {
  const w = app.window.current!;
  await vi.waitFor(() => expect(w.webContents.isLoading() || w.webContents.getURL() === '').toBe(false));
  return w as unknown as FakeBrowserWindow;
};

beforeEach(() => fake.reset());
afterEach(async () => {
  for (const a of running.splice(0)) await a.service.close();
});

describe('windows', () => {
  it('macOS: reopens from the Dock after every close, and a second launch shows the window', async () => {
    await withPlatform('darwin', async () => {
      const app = await start();
      const first = app.window.current!;
      first.close();
      expect(fake.windows()).toHaveLength(0);
      expect(fake.state.quitted).toBe(false); // macOS: the app stays in the Dock

      fake.activate();
      const second = app.window.current!;
      expect(second).not.toBe(first);
      expect(fake.windows()).toHaveLength(1);
      second.close();

      fake.activate(); // the window made by `activate` is tracked like the first: a new one opens again
      const third = app.window.current!;
      expect(third).toBeTruthy();
      expect(third).not.toBe(second);
      third.close();

      expect(() => fake.secondInstance()).not.toThrow(); // no "Object has been destroyed"
      expect(fake.windows()).toHaveLength(1);
      const fourth = app.window.current!;
      fourth.minimize();
      fake.secondInstance();
      expect(fake.windows()).toEqual([fourth]);
      expect(fourth.isMinimized()).toBe(false);
    });
  });

  it('Windows/Linux: closing the only window with nothing running quits', async () => {
    await withPlatform('linux', async () => {
      const app = await start();
      app.window.current!.close();
      expect(fake.state.quitted).toBe(true);
    });
  });
});

describe('identity', () => {
  it('is AI照 with a stable app id: userData has no "/" from an npm scope, and Windows attributes notifications to the installer’s id', async () => {
    const builder = readFileSync(join(root, 'electron-builder.yml'), 'utf8');
    const appId = /^appId:\s*(\S+)\s*$/m.exec(builder)![1];
    await withPlatform('win32', async () => {
      const app = await start();
      const { app: electronApp } = await import('electron');
      expect(electronApp.getName()).toBe('AI照');
      expect(basename(electronApp.getPath('userData'))).toBe('AI照');
      expect(electronApp.getPath('userData')).not.toMatch(/@aizhao/);
      expect(fake.state.appUserModelId).toBe(appId);
      expect(app.service.getState().about.version).toBe(fake.state.version);
    });
  });
});

describe('the application menu', () => {
  const roles = () => fake.state.applicationMenu!.flat().map((i) => i.role);
  const labels = () =>
    fake.state
      .applicationMenu!.flat()
      .map((i) => i.label)
      .filter(Boolean);

  it('production: Chinese, no reload and no developer tools', async () => {
    fake.state.packaged = true;
    await start();
    expect(fake.state.applicationMenu).not.toBeNull();
    expect(roles()).not.toContain('toggleDevTools');
    expect(roles()).not.toContain('reload');
    expect(roles()).not.toContain('forceReload');
    for (const l of labels()) expect(l, `menu label ${l}`).toMatch(/[\u4e00-\u9fff]/);
    expect(labels()).toEqual(expect.arrayContaining(['编辑', '复制', '粘贴', '检查更新…']));
  });

  it('development keeps the developer tools; macOS has the app menu with 退出 AI照', async () => {
    await withPlatform('darwin', async () => {
      await start();
      expect(roles()).toContain('toggleDevTools');
      expect(labels()).toContain('退出 AI照');
    });
  });
});

describe('the renderer on the app scheme', () => {
  it('loads from an install path with “#”, spaces and Chinese, and only that page may call the API', async () => {
    const install = join(fake.state.paths.home!, 'Program Files', 'AI照 #1', 'resources', 'app.asar', 'out');
    mkdirSync(install, { recursive: true });
    cpSync(join(OUT, 'renderer'), join(install, 'renderer'), { recursive: true });
    const app = await start({ outDir: install });
    const win = await loaded(app);
    expect(win.webContents.lastLoad?.status).toBe(200);
    expect(win.webContents.lastLoad?.body).toContain('<div id="root">');
    expect(new URL(win.webContents.getURL()).protocol).toBe('app:');
    expect(fake.state.privilegedSchemes).toEqual([
      expect.objectContaining({ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }),
    ]);

    // the page's own scripts and styles come from the same scheme
    const script = /src="([^"]+\.js)"/.exec(win.webContents.lastLoad!.body)![1]!;
    expect((await net.fetch(new URL(script, win.webContents.getURL()).href)).status).toBe(200);

    const own = (await fake.invoke(win, 'getState')) as { ok: boolean };
    expect(own.ok).toBe(true);
    for (const url of [
      `file://${install}/renderer/index.html`,
      'file:///tmp/evil.html',
      'https://evil.example/',
      'app://other/index.html',
    ]) {
      expect(await fake.invoke({ url }, 'getState'), url).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
    // nothing outside the renderer folder is served
    for (const url of ['app://aizhao/%2e%2e/main/index.js', 'app://aizhao/..%2f..%2fpackage.json', 'app://other/index.html'])
      expect((await net.fetch(url)).status, url).toBe(404);
  });
});

describe('notifications', () => {
  it('clicking a batch notification opens that batch, in a new window if the old one was closed', async () => {
    await withPlatform('darwin', async () => {
      const app = await start();
      await loaded(app);
      app.window.current!.close();
      app.platform.notify('AI照：批次处理完成', '3 张图片已完成', 'batch-42');
      const n = fake.state.notifications[0]!;
      expect(n.options).toMatchObject({ title: 'AI照：批次处理完成' });
      fake.clickNotification(n);
      const win = await loaded(app);
      await vi.waitFor(() =>
        expect(win.webContents.sent.filter((m) => m.channel === NAVIGATE_EVENT)).toEqual([
          { channel: NAVIGATE_EVENT, args: [{ tab: 'progress', batchId: 'batch-42' }] },
        ]),
      );
    });
  });
});
