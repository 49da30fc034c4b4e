/**
 * Running in the background, with the fake `electron` module against the real sandbox server: while a batch runs,
 * closing the window does not quit (the tray keeps the app, with its progress), the taskbar shows the progress and
 * the system does not sleep; quitting asks first; a paused batch lets the machine sleep and the app quit.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => await import('../support/fake-electron.js'));

import { fake, type FakeBrowserWindow } from '../support/fake-electron.js';
import { startApp, type RunningApp } from '../../src/main/app.js';
import { setRunningHub } from '../../../server/test/support/client.js';
import { startTestServer, type TestServer } from '../../../server/test/support/server.js';
import { buyInApp, confStore, loginWithSandboxCode, photoFolder, waitForState, type Desktop } from '../support/desktop.js';
import { withPlatform } from '../support/platform.js';

const OUT = fileURLToPath(new URL('../../out', import.meta.url));

let server: TestServer;
const running: RunningApp[] = [];

beforeAll(async () => {
  server = await startTestServer({ db: 'sqlite' });
});
afterAll(async () => {
  await server?.destroy();
});
beforeEach(() => fake.reset());
afterEach(async () => {
  for (const a of running.splice(0)) await a.service.close();
  await setRunningHub(server.url, 'success', 50);
});

/** The app with a batch of 2 AI model photos that stay processing on RunningHub. */
async function appWithRunningBatch(): Promise<RunningApp & { batchId: string }> {
  const pending = startApp({
    apiBaseUrl: server.url,
    store: confStore(mkdtempSync(join(tmpdir(), 'aizhao-bg-'))),
    updater: null,
    outDir: OUT,
  })!;
  await fake.ready();
  const app = await pending;
  running.push(app);
  await app.service.init();
  const d = { service: app.service } as Desktop;
  await loginWithSandboxCode(d, server.url);
  await buyInApp(d);
  await setRunningHub(server.url, 'hang');
  await app.service.addFiles([await photoFolder(2)]);
  const options = app.service.getState().options!;
  const { batchId } = await app.service.startBatch({
    type: 'model_pose12',
    params: { scene: options.scenes[0]!.id, category: options.categories[0]!.id },
  });
  await waitForState(app.service, (s) => s.batches[0]!.items.every((i) => i.stage === 'processing'));
  return { ...app, batchId };
}

describe('in the background', () => {
  it('Windows/Linux: closing the window keeps the app in the tray with its progress; quitting asks first', async () => {
    await withPlatform('linux', async () => {
      const app = await appWithRunningBatch();
      const win = app.window.current! as unknown as FakeBrowserWindow;
      const tray = fake.state.trays[0]!;
      expect(tray).toBeTruthy();
      await vi.waitFor(() => expect(tray.tooltip).toBe('AI照 · 正在处理 0/2'));
      expect(win.progress).toBe(0); // the taskbar shows a bar (0 of 2 finished)
      expect(fake.state.badgeCount).toBe(2);
      expect([...fake.state.blockers.values()]).toEqual(['prevent-app-suspension']);

      win.close();
      expect(fake.state.quitted).toBe(false); // still running, in the tray, without a question
      expect(fake.state.messageBoxes).toEqual([]);
      expect(tray.isDestroyed()).toBe(false);
      // the tray's menu opens the window again
      tray.menu!.items.find((i) => i.label === '打开 AI照')!.click!();
      expect(fake.windows()).toHaveLength(1);

      // quit (tray 退出, or the OS) with work in flight: asked, and 继续处理 keeps it running
      fake.state.messageBoxResponse = 0;
      tray.menu!.items.find((i) => i.label === '退出')!.click!();
      await vi.waitFor(() => expect(fake.state.messageBoxes).toHaveLength(1));
      expect(fake.state.messageBoxes[0]!.options).toMatchObject({ message: '还有 2 张图片正在处理', buttons: ['继续处理', '退出'] });
      await new Promise((r) => setImmediate(r));
      expect(fake.state.quitted).toBe(false);

      // 退出: the app quits, the queue is saved and sleep is allowed again
      fake.state.messageBoxResponse = 1;
      const { app: electronApp } = await import('electron');
      electronApp.quit();
      await vi.waitFor(() => expect(fake.state.quitted).toBe(true));
      expect(fake.state.blockers.size).toBe(0);
    });
  });

  it('a paused batch lets the machine sleep, clears the taskbar progress and lets the window close quit', async () => {
    await withPlatform('win32', async () => {
      const app = await appWithRunningBatch();
      await vi.waitFor(() => expect(fake.state.blockers.size).toBe(1));
      app.service.pauseBatch(app.batchId);
      await vi.waitFor(() => expect(fake.state.blockers.size).toBe(0));
      const win = app.window.current! as unknown as FakeBrowserWindow;
      expect(win.progress).toBe(-1);
      expect(fake.state.trays[0]!.tooltip).toBe('AI照 · 已暂停（2 张未完成）');
      win.close();
      expect(fake.state.quitted).toBe(true);
      expect(fake.state.messageBoxes).toEqual([]);
    });
  });

  it('macOS: the Dock keeps the app; the Dock badge shows what is left', async () => {
    await withPlatform('darwin', async () => {
      const app = await appWithRunningBatch();
      await vi.waitFor(() => expect(fake.state.badgeCount).toBe(2));
      expect(fake.state.trays).toEqual([]); // no tray on macOS: the Dock icon is the app
      app.window.current!.close();
      expect(fake.state.quitted).toBe(false);
      fake.activate();
      await vi.waitFor(() => expect((app.window.current! as unknown as FakeBrowserWindow).progress).toBe(0));
    });
  });
});
