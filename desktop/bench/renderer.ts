/**
 * The renderer under a big batch, in Chromium: the BUILT renderer (`desktop/out/renderer`) showing 处理进度 with a
 * 2 000-item batch while the items progress at 20 pushes/s through the same path as the app — main's
 * `StatePublisher` (what `AppService` publishes with) turns each state into a patch, which reaches the page's
 * `window.api.onState` (the preload's shape, renderer-harness.ts) and the renderer's store. Measured against the same
 * page idle: frames per second (requestAnimationFrame), long tasks (PerformanceObserver), how far the pushes fall
 * behind their schedule, and how long the last push takes to show.
 */
import { performance } from 'node:perf_hooks';
import type { Page } from 'playwright-core';
import { StatePublisher } from '../src/core/state-patch.js';
import type { AppState, ItemStage, ItemView, StateMessage } from '../src/shared/contract.js';
import { appState, batch, item } from '../test/support/app-state-fixtures.js';
import { launchBrowser, openRenderer, serveRenderer } from '../test/support/renderer-harness.js';

export interface RendererFigures {
  items: number;
  pushesPerSecond: number;
  idleFps: number;
  loadedFps: number;
  longTasks: number;
  longTaskMs: number;
  /** how late the last push was delivered against its schedule (a backlog grows: the page could not keep up) */
  behindMs: number;
  /** the latest any push was delivered */
  maxBehindMs: number;
  /** from the last push to its change on screen */
  showLagMs: number;
  /** mean size of one push (JSON) and of the whole state */
  patchBytes: number;
  fullBytes: number;
}

const STAGES: ItemStage[] = ['waiting', 'uploading', 'creating', 'processing', 'downloading', 'done'];
const DAY = '/Users/shop/Pictures/AI照/2026-12-01';

/** a 2 000-item batch at its start; `advance` moves `perPush` items one step (uploads by bytes first) */
function progressingBatch(n: number) {
  const id = 'bench';
  let items: ItemView[] = Array.from({ length: n }, (_, i) =>
    item({ id: `it-${i}`, batchId: id, name: `款式${String(i).padStart(4, '0')}.jpg`, size: 3_000_000, outputDir: `${DAY}/款式${i}` }),
  );
  let cursor = 0;
  const state = (): AppState => appState({ batches: [batch({ id, createdAt: '2026-12-01T02:00:00Z', items })] });
  const step = (i: ItemView): ItemView => {
    if (i.stage === 'uploading' && i.uploadedBytes < i.size) return { ...i, uploadedBytes: Math.min(i.size, i.uploadedBytes + 1_000_000) };
    const next = STAGES[Math.min(STAGES.length - 1, STAGES.indexOf(i.stage) + 1)]!;
    return {
      ...i,
      stage: next,
      taskId: next === 'processing' ? `task-${i.id}` : i.taskId,
      files: next === 'done' ? [`${i.outputDir}/${i.name.replace('.jpg', '')}_白底.jpg`] : i.files,
      removable: next === 'waiting' || next === 'uploading' || next === 'creating',
    };
  };
  return {
    state,
    /** the next state: `perPush` items along the batch, one step each (as uploads, creations and syncs do) */
    advance(perPush: number): AppState {
      const at = new Set(Array.from({ length: perPush }, (_, k) => (cursor + k) % n));
      cursor = (cursor + perPush) % n;
      items = items.map((i, k) => (at.has(k) ? step(i) : i));
      return state();
    },
    /** the first row's stage set to `stage` (to see when a push has reached the screen) */
    mark(stage: ItemStage): AppState {
      items = items.map((i, k) => (k === 0 ? { ...i, stage, files: stage === 'done' ? [`${DAY}/mark_白底.jpg`] : [] } : i));
      return state();
    },
  };
}

/** Frames and long tasks on the page over `ms`. */
async function measureFrames(page: Page, ms: number, during?: () => Promise<void>) {
  await page.evaluate(() => {
    const w = window as unknown as { __frames: number; __long: number[]; __counting: boolean; __run: number };
    const run = (w.__run = (w.__run ?? 0) + 1); // an earlier measurement's loop and observer stop counting
    w.__frames = 0;
    w.__long = [];
    w.__counting = true;
    const tick = () => {
      if (!w.__counting || w.__run !== run) return;
      w.__frames++;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    const observer = new PerformanceObserver((list) => {
      if (w.__run !== run) return observer.disconnect();
      for (const e of list.getEntries()) if (w.__counting) w.__long.push(e.duration);
    });
    observer.observe({ type: 'longtask' });
  });
  const start = performance.now();
  const work = during?.();
  await new Promise((r) => setTimeout(r, ms));
  await work;
  const elapsed = performance.now() - start;
  const { frames, long } = await page.evaluate(() => {
    const w = window as unknown as { __frames: number; __long: number[]; __counting: boolean };
    w.__counting = false;
    return { frames: w.__frames, long: w.__long };
  });
  return { fps: (frames * 1000) / elapsed, longTasks: long.length, longTaskMs: long.reduce((a, b) => a + b, 0) };
}

export async function benchRenderer(
  o: { items?: number; pushesPerSecond?: number; seconds?: number; perPush?: number } = {},
): Promise<RendererFigures> {
  const n = o.items ?? 2000;
  const rate = o.pushesPerSecond ?? 20;
  const seconds = o.seconds ?? 10;
  const perPush = o.perPush ?? 12;
  const web = await serveRenderer();
  const browser = await launchBrowser();
  try {
    const publisher = new StatePublisher();
    const batchState = progressingBatch(n);
    publisher.publish(batchState.state());
    const r = await openRenderer(
      browser,
      web.url,
      async (channel) => {
        if (channel === 'getSnapshot') return { ok: true, value: publisher.snapshot() };
        if (channel === 'thumbnail') return { ok: true, value: null };
        return { ok: true, value: null };
      },
      { viewport: { width: 1280, height: 800 } },
    );
    const { page } = r;
    const push = (m: StateMessage) => page.evaluate((msg) => window.__pushMessage(msg), m);
    await page.getByTestId('tab-progress').click();
    await page.locator('[data-testid="item"]').first().waitFor();
    await new Promise((res) => setTimeout(res, 500));

    const idle = await measureFrames(page, Math.min(5000, seconds * 1000));

    let patchBytes = 0;
    let pushes = 0;
    let behindMs = 0;
    let maxBehindMs = 0;
    const loaded = await measureFrames(page, seconds * 1000, async () => {
      const start = performance.now();
      const total = seconds * rate;
      for (let k = 0; k < total; k++) {
        const due = start + (k * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((res) => setTimeout(res, wait));
        const patch = publisher.publish(batchState.advance(perPush));
        if (!patch) continue;
        patchBytes += JSON.stringify(patch).length;
        pushes++;
        await push(patch);
        behindMs = Math.max(0, performance.now() - due);
        maxBehindMs = Math.max(maxBehindMs, behindMs);
      }
    });

    // the last push's change on screen: the first row turns done
    const sent = performance.now();
    await push(publisher.publish(batchState.mark('done'))!);
    await page.locator('[data-item-id="it-0"][data-stage="done"]').waitFor();
    const showLagMs = performance.now() - sent;
    const problems = r.problems.filter((p) => !p.includes('favicon'));
    if (problems.length) throw new Error(`the page reported problems: ${problems.join('; ')}`);
    await r.close();
    return {
      items: n,
      pushesPerSecond: rate,
      idleFps: idle.fps,
      loadedFps: loaded.fps,
      longTasks: loaded.longTasks,
      longTaskMs: loaded.longTaskMs,
      behindMs,
      maxBehindMs,
      showLagMs,
      patchBytes: pushes ? patchBytes / pushes : 0,
      fullBytes: JSON.stringify(batchState.state()).length,
    };
  } finally {
    await browser.close();
    await web.close();
  }
}
