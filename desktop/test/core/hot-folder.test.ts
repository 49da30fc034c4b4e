/**
 * Hot folders on a real disk with chokidar: a photo written slowly in chunks is not taken until it has stopped
 * growing, each photo is taken once (also across a restart), the daily limit holds across a restart and the rest
 * waits for the next day, pause stops intake, a removed folder is not watched. Then through the app against the
 * sandbox server: a photo saved into the folder is processed without a click, into the normal output.
 */
import { appendFileSync, existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, sep } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { garmentJpeg } from '../../../server/test/support/client.js';
import { HotFolders, type HotFolderOptions, type WatchedFolder } from '../../src/core/hot-folder.js';
import { scanPaths, type InputFile } from '../../src/core/input-files.js';
import type { KeyValueStore } from '../../src/core/ports.js';
import { changeBalance, lockUser } from '../../../server/src/modules/quota/ledger.js';
import { confStore, startDesktop, uniquePhoto } from '../support/desktop.js';
import { sandboxDesktop } from '../support/sandbox-desktop.js';
import { sleep, until } from '../support/wait.js';

const TIMING: HotFolderOptions = { stabilityMs: 400, pollMs: 50, batchDelayMs: 100, recheckMs: 100 };
const SETTINGS = { type: 'basic_clean' as const, params: {}, presets: [{ id: 'taobao' as const }], dailyLimit: 50 };
/** long enough for chokidar to have noticed a finished file and the batch delay to pass */
const QUIET_MS = TIMING.stabilityMs + TIMING.pollMs * 4 + TIMING.batchDelayMs + 400;

let photo: Buffer;
beforeAll(async () => {
  photo = await garmentJpeg(600, 720);
});

interface Rig {
  hot: HotFolders;
  store: KeyValueStore;
  submitted: { folder: WatchedFolder; files: InputFile[]; sizes: number[] }[];
  clock: { now: Date };
  /** while set, every submission fails with it */
  fail: { next: Error | null };
}

const open: HotFolders[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.stop();
});

function rig(dir = mkdtempSync(join(tmpdir(), 'aizhao-hot-store-')), clock = { now: new Date(2026, 2, 8, 10) }): Rig & { dir: string } {
  const store = confStore(dir);
  const submitted: Rig['submitted'] = [];
  const fail: Rig['fail'] = { next: null };
  const hot = new HotFolders(
    store,
    {
      scan: (paths) => scanPaths(paths, 50 * 1024 * 1024),
      cost: () => 1,
      submit: async (folder, files) => {
        if (fail.next) throw fail.next;
        submitted.push({ folder, files, sizes: files.map((f) => statSync(f.path).size) });
      },
      changed: () => {},
      now: () => clock.now,
    },
    TIMING,
  );
  open.push(hot);
  return { hot, store, submitted, clock, fail, dir };
}

const watched = () => mkdtempSync(join(tmpdir(), 'aizhao-hot-'));
const names = (r: Rig) => r.submitted.flatMap((s) => s.files.map((f) => f.name));

describe('HotFolders', () => {
  it('takes a photo written slowly only once it has stopped growing, whole, once — and not the photos already there', async () => {
    const r = rig();
    const folder = watched();
    writeFileSync(join(folder, '旧图.jpg'), photo);
    await r.hot.start('u1');
    await r.hot.add('u1', folder, SETTINGS);
    await sleep(QUIET_MS);
    expect(r.submitted).toEqual([]);

    // a camera or a sync client writing the file in 4 chunks, each gap shorter than the stability window
    const path = join(folder, '新款-正面.jpg');
    const chunk = Math.ceil(photo.length / 4);
    for (let i = 0; i < 4; i++) {
      appendFileSync(path, photo.subarray(i * chunk, (i + 1) * chunk));
      await sleep(TIMING.stabilityMs / 2);
      expect(r.submitted).toEqual([]); // still being written
    }
    await until(() => r.submitted.length > 0, 'the finished photo to be taken');
    await r.hot.settled();
    expect(names(r)).toEqual(['新款-正面.jpg']);
    expect(r.submitted[0]!.sizes).toEqual([photo.length]);
    expect(r.submitted[0]!.folder).toMatchObject({ path: folder, type: 'basic_clean', presets: [{ id: 'taobao' as const }] });

    // nothing more happens: not again now, and not after a restart
    await sleep(QUIET_MS);
    await r.hot.stop();
    const again = rig(r.dir);
    await again.hot.start('u1');
    await sleep(QUIET_MS);
    await again.hot.settled();
    expect(again.submitted).toEqual([]);
    expect(r.submitted).toHaveLength(1);
  });

  it('takes photos that arrived while the app was closed', async () => {
    const r = rig();
    const folder = watched();
    await r.hot.start('u1');
    await r.hot.add('u1', folder, SETTINGS);
    await r.hot.stop();
    writeFileSync(join(folder, '关机时.jpg'), photo);
    const again = rig(r.dir);
    await again.hot.start('u1');
    await until(() => again.submitted.length > 0, 'the photo to be taken at start');
    expect(names(again)).toEqual(['关机时.jpg']);
  });

  it('keeps the daily limit across a restart; what is over it waits and goes on the next day', async () => {
    const r = rig();
    const folder = watched();
    await r.hot.start('u1');
    const f = await r.hot.add('u1', folder, { ...SETTINGS, dailyLimit: 2 });
    for (const n of ['a.jpg', 'b.jpg', 'c.jpg']) writeFileSync(join(folder, n), photo);
    await until(() => r.submitted.length > 0, 'the first photos');
    await sleep(QUIET_MS);
    await r.hot.settled();
    // which two depends on the order the three finish being written in
    const first = names(r);
    expect(first).toHaveLength(2);
    const over = ['a.jpg', 'b.jpg', 'c.jpg'].filter((n) => !first.includes(n));
    expect(over).toHaveLength(1);
    expect(r.hot.views('u1')[0]).toMatchObject({ id: f.id, usedToday: 2, waiting: 1, dailyLimit: 2 });

    // restart the same day: the 2 次 spent are remembered
    await r.hot.stop();
    const again = rig(r.dir, r.clock);
    await again.hot.start('u1');
    writeFileSync(join(folder, 'd.jpg'), photo);
    await sleep(QUIET_MS);
    await again.hot.settled();
    expect(again.submitted).toEqual([]);
    expect(again.hot.views('u1')[0]).toMatchObject({ usedToday: 2, waiting: 2 });

    // the next day: the waiting photos go
    again.clock.now = new Date(2026, 2, 9, 8);
    await until(() => again.submitted.length > 0, 'the waiting photos the next day');
    await again.hot.settled();
    expect(names(again)).toEqual([over[0], 'd.jpg']); // oldest first
    expect(again.hot.views('u1')[0]).toMatchObject({ usedToday: 2, waiting: 0 });
  });

  it('a raised limit lets waiting photos go at once; a photo that cannot start waits with the reason, its 次 not counted', async () => {
    const r = rig();
    const folder = watched();
    await r.hot.start('u1');
    const f = await r.hot.add('u1', folder, { ...SETTINGS, dailyLimit: 1 });
    r.fail.next = new Error('剩余次数不足');
    writeFileSync(join(folder, 'a.jpg'), photo);
    await until(() => r.hot.views('u1')[0]!.lastError !== null, 'the refusal');
    await sleep(TIMING.recheckMs * 3); // looked at again meanwhile: still refused, still waiting
    expect(r.hot.views('u1')[0]).toMatchObject({ usedToday: 0, waiting: 1, lastError: '剩余次数不足' });
    // it tries again at the next look (the reason went away)
    r.fail.next = null;
    await until(() => r.submitted.length === 1, 'the retry');
    writeFileSync(join(folder, 'b.jpg'), photo);
    await sleep(QUIET_MS);
    await r.hot.settled();
    expect(r.hot.views('u1')[0]).toMatchObject({ usedToday: 1, waiting: 1, lastError: null });
    await r.hot.update('u1', f.id, { dailyLimit: 5 });
    await until(() => r.submitted.length === 2, 'the raised limit');
    expect(names(r)).toEqual(['a.jpg', 'b.jpg']);
  });

  it('pause stops intake (the folder is not watched); resume takes what arrived; a removed folder is not watched', async () => {
    const r = rig();
    const folder = watched();
    await r.hot.start('u1');
    const f = await r.hot.add('u1', folder, SETTINGS);
    await r.hot.update('u1', f.id, { paused: true });
    expect(r.hot.views('u1')[0]).toMatchObject({ paused: true, watching: false });
    writeFileSync(join(folder, '暂停时.jpg'), photo);
    await sleep(QUIET_MS);
    await r.hot.settled();
    expect(r.submitted).toEqual([]);
    // paused stays paused across a restart
    await r.hot.stop();
    const again = rig(r.dir);
    await again.hot.start('u1');
    await sleep(QUIET_MS);
    expect(again.submitted).toEqual([]);
    await again.hot.update('u1', f.id, { paused: false });
    await until(() => again.submitted.length > 0, 'the photo after resume');
    expect(names(again)).toEqual(['暂停时.jpg']);

    await again.hot.remove('u1', f.id);
    expect(again.hot.views('u1')).toEqual([]);
    writeFileSync(join(folder, '移除后.jpg'), photo);
    await sleep(QUIET_MS);
    await again.hot.settled();
    expect(names(again)).toEqual(['暂停时.jpg']);
  });

  it('skips hidden files and files that are not photos', async () => {
    const r = rig();
    const folder = watched();
    await r.hot.start('u1');
    await r.hot.add('u1', folder, SETTINGS);
    writeFileSync(join(folder, '.DS_Store'), 'x');
    writeFileSync(join(folder, '说明.txt'), 'not a photo');
    writeFileSync(join(folder, '图.jpg'), photo);
    await until(() => r.submitted.length > 0, 'the photo');
    await sleep(QUIET_MS);
    await r.hot.settled();
    expect(names(r)).toEqual(['图.jpg']);
    expect(r.hot.views('u1')[0]!.waiting).toBe(0);
  });
});

describe('a hot folder in the app (sandbox server)', () => {
  const ctx = sandboxDesktop('member');

  it('processes a photo saved into the folder without a click, into the normal output, and counts it', async () => {
    // restart the member's app with quick hot-folder timings (the hooks close whatever `ctx.d` is at the end)
    await ctx.d.service.close();
    const d = (ctx.d = await startDesktop(ctx.server.url, { from: ctx.d, service: { hotFolder: TIMING } }));
    expect(d.service.getState().user).not.toBeNull();
    const folder = watched();
    d.platform.nextFolder = folder;
    await d.service.addWatchedFolder({ ...SETTINGS, dailyLimit: 10 });
    expect(d.service.getState().hotFolders).toEqual([
      expect.objectContaining({ path: folder, dailyLimit: 10, usedToday: 0, watching: true }),
    ]);

    writeFileSync(join(folder, '自动-正面.jpg'), photo);
    await until(() => d.service.getState().batches.length > 0, 'the batch the hot folder started', 15_000);
    await d.service.whenIdle();
    const batch = d.service.getState().batches[0]!;
    const item = batch.items[0]!;
    expect(item).toMatchObject({ name: '自动-正面.jpg', stage: 'done' });
    // the batch is named after the watched folder and exported to the folder's presets
    expect(batch).toMatchObject({ name: basename(folder), presets: SETTINGS.presets });
    expect(basename(batch.dir!)).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2} ${basename(folder)}$`));
    expect(item.files[0]!.startsWith(batch.dir! + sep)).toBe(true);
    expect(existsSync(item.files[0]!)).toBe(true);
    expect(item.exports).toEqual([expect.objectContaining({ presetLabel: '淘宝/天猫 白底图', ok: true })]);
    expect(existsSync(item.exports[0]!.path)).toBe(true);
    expect(d.service.getState().hotFolders![0]).toMatchObject({ usedToday: 1, waiting: 0 });
    expect((await d.service.refreshMembership()).quotaRemaining).toBe(99);

    // only 1 次 left: of 2 new photos the first starts, the second waits for a renewal (the day's limit not spent on it)
    const userId = d.service.getState().user!.id;
    await ctx.server.db.transaction(async (t) => {
      const user = await lockUser(ctx.server.db, userId, t);
      await changeBalance(ctx.server.db, user, { action: 'adjust', amount: 1 - user.quotaRemaining, reason: 'test' }, t);
    });
    writeFileSync(join(folder, '自动-背面.jpg'), await uniquePhoto(photo));
    writeFileSync(join(folder, '自动-侧面.jpg'), await uniquePhoto(photo));
    await until(() => d.service.getState().hotFolders![0]!.lastError !== null, 'the photo left waiting', 15_000);
    // paused, so that no retry of the waiting photo is under way while the state is read
    await d.service.updateWatchedFolder(d.service.getState().hotFolders![0]!.id, { paused: true });
    await d.service.whenIdle();
    const started = d.service.getState().batches[0]!.items;
    expect(started).toHaveLength(1);
    expect([started[0]!.stage, started[0]!.errorReason]).toEqual(['done', null]);
    expect(d.service.getState().hotFolders![0]).toMatchObject({
      usedToday: 2,
      waiting: 1,
      lastError: '余额不足，1 张等续费后处理',
      paused: true,
    });
    expect((await d.service.refreshMembership()).quotaRemaining).toBe(0);
    expect(await ctx.server.db.models.Task.count()).toBe(2);

    // the result root itself cannot be watched (results would be taken as inputs)
    d.platform.nextFolder = d.resultRoot;
    await expect(d.service.addWatchedFolder(SETTINGS)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
