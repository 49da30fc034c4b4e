/**
 * Seeing and judging results, and batch status that tells the truth, in the built renderer (Chromium) with a
 * scripted main process: a batch's results as a grid of large previews, the detail view (before/after slider,
 * side by side, zoom, ←/→, Esc), a model task's 12 poses as a sheet, 重做 with its cost confirmed first, the status
 * bar's states (all green only when all succeeded), 排队中 for queued items, 清除已完成 keeping retryable failures,
 * 开通 vs 续费 in the purchase dialog, and state patches (a missed one asks for a snapshot). Each new screen is
 * saved as desktop-<scene>.png.
 */
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { AppState, BatchView, ItemView, StatePatch } from '../../src/shared/contract.js';
import { RESULT_ROOT, appState, batch, expiredMember, item, membership, notMember, payment } from '../support/app-state-fixtures.js';
import { pushMessage, pushState, screenshotDir, useRendererPages } from '../support/renderer-harness.js';
import { ScriptedBridge, type Handlers } from '../support/scripted-bridge.js';
import { thumbnailFor } from './garment-art.js';

const SHOTS = screenshotDir();
const MB = 1024 * 1024;
const DAY_DIR = `${RESULT_ROOT}/2026-12-01`;
const renderer = useRendererPages();

async function open(state: AppState, handlers: Handlers = {}) {
  const bridge = new ScriptedBridge(state, { thumbnail: (path) => thumbnailFor(path), ...handlers });
  const { page } = await renderer.open(bridge.invoke);
  await page.getByTestId('membership-bar').waitFor();
  return { page, bridge };
}

async function shoot(page: Page, scene: string, fullPage = true) {
  await page.locator('.toasts').evaluate((el) => el.replaceChildren());
  await page.waitForFunction(() => Array.from(document.images).every((img) => img.complete));
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: `${SHOTS}desktop-${scene}.png`, fullPage, animations: 'disabled' });
}

const text = async (l: Locator) => ((await l.textContent()) ?? '').replace(/\s+/g, ' ').trim();
const calls = async (bridge: ScriptedBridge, channel: Parameters<ScriptedBridge['argsOf']>[0], count = 1) => {
  await expect.poll(() => bridge.argsOf(channel).length).toBe(count);
  return bridge.argsOf(channel);
};

const GARMENTS = ['碎花连衣裙', '宽松卫衣', '牛仔外套', '针织开衫', '条纹衬衫', '格子半身裙', '白色T恤', '阔腿裤'];
const stem = (i: number) => `${GARMENTS[i % GARMENTS.length]}-${String(i + 1).padStart(2, '0')}`;

/** A basic_clean batch of `n`: done with its 白底 result, except the failures at `failedAt`. */
function cleanBatch(id: string, n: number, failedAt: number[] = []): BatchView {
  return batch({
    id,
    createdAt: '2026-12-01T02:30:00Z',
    items: Array.from({ length: n }, (_, i): ItemView => {
      const name = `${stem(i)}.jpg`;
      const outputDir = `${DAY_DIR}/${stem(i)}`;
      return failedAt.includes(i)
        ? item({
            id: `${id}-${i}`,
            batchId: id,
            name,
            stage: 'failed',
            taskId: `t-${id}-${i}`,
            refunded: true,
            errorReason: '没有识别到衣服',
            outputDir,
          })
        : item({
            id: `${id}-${i}`,
            batchId: id,
            name,
            size: 3.2 * MB,
            stage: 'done',
            taskId: `t-${id}-${i}`,
            outputDir,
            files: [`${outputDir}/${stem(i)}_白底.jpg`],
          });
    }),
  });
}

function modelBatch(): BatchView {
  const dir = `${DAY_DIR}/碎花连衣裙-正面`;
  return batch({
    id: 'm1',
    createdAt: '2026-12-01T03:00:00Z',
    type: 'model_pose12',
    params: { scene: 'street', category: 'dress' },
    items: [
      item({
        id: 'm1-0',
        batchId: 'm1',
        name: '碎花连衣裙-正面.jpg',
        stage: 'done',
        taskId: 't-model-0',
        outputDir: dir,
        files: Array.from({ length: 12 }, (_, i) => `${dir}/碎花连衣裙-正面_pose${String(i + 1).padStart(2, '0')}.jpg`),
      }),
      item({ id: 'm1-1', batchId: 'm1', name: '碎花连衣裙-背面.jpg', stage: 'processing', taskId: 't-model-1' }),
    ],
  });
}

describe('review', () => {
  it('review-grid: a batch’s results as large previews, made by main at the grid size; paths stay out of it', async () => {
    const b = cleanBatch('b1', 30, [4]);
    const { page, bridge } = await open(appState({ batches: [b] }));
    await page.getByTestId('tab-progress').click();
    await page.getByTestId('batch-review').click();
    const grid = page.getByTestId('review-grid');
    await grid.waitFor();
    expect(Number(await grid.getAttribute('data-columns'))).toBeGreaterThanOrEqual(4);
    await expect.poll(() => page.getByTestId('review-tile').count()).toBeGreaterThanOrEqual(8);
    // a window of the grid is in the DOM, not all 30 tiles' worth of large images
    expect(await page.getByTestId('review-tile').count()).toBeLessThan(30);
    expect(await text(page.getByTestId('review'))).toContain('29 张结果 / 30 张图片');
    expect(await page.locator('[data-testid="review-tile"][data-stage="failed"]').count()).toBe(1);
    // previews are asked for at the grid size, of the result for done items and of the input otherwise
    await expect.poll(() => bridge.argsOf('thumbnail').filter(([, size]) => size === 'grid').length).toBeGreaterThanOrEqual(8);
    expect(bridge.argsOf('thumbnail')).toContainEqual([`${DAY_DIR}/${stem(0)}/${stem(0)}_白底.jpg`, 'grid']);
    expect(bridge.argsOf('thumbnail')).toContainEqual([b.items[4]!.path, 'grid']);
    expect(await text(grid)).not.toContain(RESULT_ROOT);
    // 导出全部 opens the export dialog
    expect(await page.getByTestId('review-export-all').count()).toBe(1);
    await shoot(page, 'review-grid', false);

    // scrolled to the end, the last tiles come into the window
    await page.mouse.wheel(0, 4000);
    await expect.poll(() => page.locator(`[data-item-id="b1-29"]`).count()).toBe(1);
    await page.getByTestId('review-back').click();
    await page.getByTestId('batch').waitFor();
  });

  it('review-detail: before/after with a slider, side by side, zoom, ←/→ and Esc; the paths and ids are here', async () => {
    const b = cleanBatch('b1', 6, [2]);
    const { page, bridge } = await open(appState({ batches: [b] }));
    await page.getByTestId('tab-progress').click();
    await page.getByTestId('batch-review').click();
    await page.locator('[data-testid="review-tile"][data-item-id="b1-1"]').click();
    const detail = page.getByTestId('detail-view');
    await detail.waitFor();
    expect(await text(detail.getByTestId('detail-position'))).toBe('2 / 6');
    const result = `${DAY_DIR}/${stem(1)}/${stem(1)}_白底.jpg`;
    await expect.poll(() => bridge.argsOf('thumbnail')).toContainEqual([result, 'detail']);
    expect(bridge.argsOf('thumbnail')).toContainEqual([b.items[1]!.path, 'detail']);
    await expect.poll(() => detail.getByTestId('detail-result').getAttribute('data-size')).toBe('detail');
    expect(await text(detail.getByTestId('fact-input'))).toBe(b.items[1]!.path);
    expect(await text(detail.getByTestId('fact-output'))).toBe(b.items[1]!.outputDir);
    expect(await text(detail.getByTestId('fact-task'))).toBe('t-b1-1');

    // the slider: the result shows right of it, the input left of it
    const clip = () => detail.getByTestId('compare-result').evaluate((el) => (el as HTMLElement).style.clipPath);
    expect(await clip()).toBe('inset(0px 0px 0px 50%)');
    await detail.getByTestId('compare-slider').fill('35');
    expect(await clip()).toBe('inset(0px 0px 0px 35%)');
    await shoot(page, 'review-detail-slider', false);

    await detail.getByTestId('zoom-in').click();
    expect(await text(detail.getByTestId('zoom-fit'))).toBe('150%');
    await page.keyboard.press('+');
    expect(await text(detail.getByTestId('zoom-fit'))).toBe('200%');
    await detail.getByTestId('mode-side').click();
    await detail.getByTestId('side-by-side').waitFor();
    await detail.getByTestId('zoom-fit').click();
    expect(await text(detail.getByTestId('zoom-fit'))).toBe('适应窗口');
    await shoot(page, 'review-detail-side', false);

    await detail.getByTestId('reveal-file').click();
    expect(await calls(bridge, 'revealFile')).toEqual([[result]]);
    await detail.getByTestId('detail-open').click();
    expect(await calls(bridge, 'openFolder')).toEqual([[result]]);

    // ←/→ through the batch, a failed item shows its input, its reason and its retry
    await page.keyboard.press('ArrowRight');
    expect(await text(detail.getByTestId('detail-position'))).toBe('3 / 6');
    expect(await text(detail.getByTestId('fact-charge'))).toBe('次数已退回');
    expect(await detail.getByTestId('detail-redo').count()).toBe(0);
    await detail.getByTestId('detail-retry').click();
    expect(await calls(bridge, 'retryItem')).toEqual([['b1-2']]);
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    expect(await text(detail.getByTestId('detail-position'))).toBe('1 / 6');
    expect(await detail.getByTestId('detail-prev').isDisabled()).toBe(true);
    await page.keyboard.press('Escape');
    expect(await page.getByTestId('detail-view').count()).toBe(0);
    await page.getByTestId('review-grid').waitFor();
  });

  it('review-pose-sheet: a model task’s 12 poses as a sheet; a pose opens beside the input', async () => {
    const { page, bridge } = await open(appState({ batches: [modelBatch()] }));
    await page.getByTestId('tab-progress').click();
    await page.getByTestId('item-view').click();
    const detail = page.getByTestId('detail-view');
    const sheet = detail.getByTestId('pose-sheet');
    await sheet.waitFor();
    expect(await sheet.getByTestId('pose').count()).toBe(12);
    expect(await sheet.getByTestId('pose').allTextContents()).toEqual(Array.from({ length: 12 }, (_, i) => `姿势 ${i + 1}`));
    await detail.getByTestId('side-by-side').waitFor(); // poses: side by side, no slider
    expect(await detail.getByTestId('compare-slider').count()).toBe(0);
    await sheet.getByTestId('pose').nth(4).click();
    expect(await sheet.getByTestId('pose').nth(4).getAttribute('aria-pressed')).toBe('true');
    const pose5 = `${DAY_DIR}/碎花连衣裙-正面/碎花连衣裙-正面_pose05.jpg`;
    await expect.poll(() => bridge.argsOf('thumbnail')).toContainEqual([pose5, 'detail']);
    expect(await text(detail.getByTestId('fact-result'))).toBe('碎花连衣裙-正面_pose05.jpg');
    expect(await text(detail.getByTestId('fact-count'))).toBe('12 张');
    await shoot(page, 'review-pose-sheet', false);
    await detail.getByTestId('reveal-file').click();
    expect(await calls(bridge, 'revealFile')).toEqual([[pose5]]);
  });

  it('review-redo: 重做 shows its cost in 次 first and sends nothing until confirmed; short of 次 it cannot', async () => {
    const { page, bridge } = await open(appState({ batches: [modelBatch()], membership: membership({ quotaRemaining: 86 }) }), {
      redoItems: () => ({ batchId: 'b-redo' }),
    });
    await page.getByTestId('tab-progress').click();
    await page.getByTestId('item-view').click();
    await page.getByTestId('detail-redo').click();
    const dialog = page.getByTestId('redo-dialog');
    expect(await text(dialog.getByTestId('redo-cost'))).toBe('1 张 × 3 次 = 3 次，剩余 86 次');
    expect(await text(dialog.getByTestId('redo-confirm'))).toBe('确定重做（扣 3 次）');
    expect(bridge.argsOf('redoItems')).toEqual([]);
    await shoot(page, 'review-redo', false);
    await page.keyboard.press('Escape');
    expect(await page.getByTestId('redo-dialog').count()).toBe(0);
    expect(await page.getByTestId('detail-view').count()).toBe(1); // Esc closed the dialog, not the viewer
    expect(bridge.argsOf('redoItems')).toEqual([]);

    await page.getByTestId('detail-redo').click();
    await page.getByTestId('redo-confirm').click();
    expect(await calls(bridge, 'redoItems')).toEqual([[['m1-0']]]);
    await page.getByTestId('batch').first().waitFor(); // back on 处理进度, where the new batch will show
    expect(await text(page.getByTestId('toast'))).toBe('已开始重做，新结果会在新的批次里');

    await pushState(page, appState({ batches: [modelBatch()], membership: membership({ quotaRemaining: 2 }) }));
    await page.getByTestId('item-view').click();
    await page.getByTestId('detail-redo').click();
    expect(await text(page.getByTestId('redo-reason'))).toBe('剩余次数不足：需要 3 次，剩余 2 次');
    expect(await page.getByTestId('redo-confirm').isDisabled()).toBe(true);
  });
});

describe('truthful status', () => {
  const at = (id: string, stages: ItemView['stage'][], o: Partial<BatchView> = {}) =>
    batch({
      id,
      createdAt: o.createdAt ?? '2026-12-01T01:00:00Z',
      ...o,
      items: stages.map((stage, i) =>
        item({
          id: `${id}-${i}`,
          batchId: id,
          name: `${stem(i)}.jpg`,
          stage,
          taskId: ['processing', 'downloading', 'done'].includes(stage) ? `t-${id}-${i}` : null,
          files: stage === 'done' ? [`${DAY_DIR}/${stem(i)}/${stem(i)}_白底.jpg`] : [],
          uploadedBytes: stage === 'uploading' ? 1.1 * MB : 0,
          refunded: stage === 'failed',
          errorReason: stage === 'failed' ? '没有识别到衣服' : stage === 'cancelled' ? '已取消，未扣次数' : null,
        }),
      ),
    });

  it('status-bar-states: all green only when all succeeded; 排队中, not 上传中, for what has not started', async () => {
    const batches = [
      at('all-done', ['done', 'done', 'done', 'done'], { createdAt: '2026-12-01T06:00:00Z' }),
      at('ended-failed', ['done', 'done', 'done', 'failed'], { createdAt: '2026-12-01T05:00:00Z' }),
      at('running', ['done', 'uploading', 'processing', 'waiting', 'waiting', 'waiting'], { createdAt: '2026-12-01T04:00:00Z' }),
      at('paused', ['done', 'creating', 'waiting', 'waiting'], { createdAt: '2026-12-01T03:00:00Z', paused: true }),
      at('cancelled', ['done', 'processing', 'cancelled', 'cancelled'], { createdAt: '2026-12-01T02:00:00Z', cancelled: true }),
    ];
    const { page } = await open(appState({ batches }));
    await page.getByTestId('tab-progress').click();
    const card = (id: string) => page.locator(`[data-batch-id="${id}"]`);
    const kinds = (id: string) =>
      card(id)
        .getByTestId('status-bar')
        .locator('[data-segment]')
        .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-segment')}:${e.getAttribute('data-count')}`));
    expect(await kinds('all-done')).toEqual(['done:4']);
    expect(await text(card('all-done').getByTestId('batch-status'))).toBe('全部成功');
    expect(await kinds('ended-failed')).toEqual(['done:3', 'failed:1']);
    expect(await text(card('ended-failed').getByTestId('batch-status'))).toBe('已结束，1 张失败');
    expect(await kinds('running')).toEqual(['done:1', 'running:2', 'queued:3']);
    expect(await text(card('running').getByTestId('batch-counts'))).toBe('成功 1 · 失败 0 · 进行中 2 · 排队中 3');
    expect(await card('running').getByTestId('item').locator('.badge').allTextContents()).toEqual([
      '已完成',
      '上传中',
      '处理中',
      '排队中',
      '排队中',
      '排队中',
    ]);
    expect(await kinds('paused')).toEqual(['done:1', 'running:1', 'queued:2']);
    expect(await text(card('paused').getByTestId('batch-status'))).toBe('已暂停');
    expect(await text(card('paused').getByTestId('batch-count'))).toBe('1/4');
    expect(await kinds('cancelled')).toEqual(['done:1', 'running:1', 'cancelled:2']);
    // segment widths follow the counts (1 of 4 done = a quarter of the bar)
    const widths = await card('paused')
      .getByTestId('status-bar')
      .locator('[data-segment]')
      .evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
    const total = widths.reduce((a, w) => a + w, 0);
    expect(widths[0]! / total).toBeCloseTo(0.25, 1);
    expect(await text(page.locator('.progress-tab'))).not.toMatch(/\d+%/);
    await shoot(page, 'status-bar-states');
  });

  it('清除已完成 is off when the only ended items are failures a retry can fix', async () => {
    const retryable = at('r', ['failed', 'failed']);
    const { page, bridge } = await open(appState({ batches: [retryable] }));
    await page.getByTestId('tab-progress').click();
    expect(await page.getByTestId('clear-finished').isDisabled()).toBe(true);
    await pushState(page, appState({ batches: [retryable, at('d', ['done'], { createdAt: '2026-12-01T07:00:00Z' })] }));
    await expect.poll(() => page.getByTestId('clear-finished').isEnabled()).toBe(true);
    await page.getByTestId('clear-finished').click();
    await calls(bridge, 'clearFinishedBatches');
  });

  it('the purchase dialog says 开通 for a first purchase (also once paid) and 续费 for an expired membership', async () => {
    const { page } = await open(appState({ membership: expiredMember(), payment: payment() }));
    expect(await text(page.getByTestId('payment-title'))).toBe('续费会员');
    await pushState(page, appState({ membership: notMember(), payment: null }));
    await expect.poll(() => page.getByTestId('payment-dialog').count()).toBe(0);
    await pushState(page, appState({ membership: notMember(), payment: payment() }));
    expect(await text(page.getByTestId('payment-title'))).toBe('开通会员');
    // paid: the merchant is a member now, and this was still a first purchase
    await pushState(
      page,
      appState({ membership: membership({ quotaRemaining: 100 }), payment: payment({ status: 'paid', quotaAfter: 100 }) }),
    );
    await page.getByTestId('payment-done').waitFor();
    expect(await text(page.getByTestId('payment-title'))).toBe('开通会员');
  });
});

describe('state patches in the renderer', () => {
  it('applies a patch for one item; a missed patch asks main for a snapshot', async () => {
    const b = at2();
    const state = appState({ batches: [b] });
    const { page, bridge } = await open(state);
    await page.getByTestId('tab-progress').click();
    await pushState(page, state); // snapshot version 1
    const changed = { ...b.items[1]!, stage: 'done' as const, files: [`${DAY_DIR}/x/x_白底.jpg`] };
    const patch = (version: number, items: ItemView[]): StatePatch => ({
      kind: 'patch',
      version,
      base: version - 1,
      fields: {},
      batches: { changed: [], removed: [], order: null },
      items: { changed: items, removed: [] },
    });
    await pushMessage(page, patch(2, [changed]));
    await expect.poll(() => page.locator('[data-item-id="p-1"]').getAttribute('data-stage')).toBe('done');
    expect(await page.locator('[data-item-id="p-0"]').getAttribute('data-stage')).toBe('uploading');
    const before = bridge.argsOf('getSnapshot').length;
    bridge.state = appState({ batches: [{ ...b, items: b.items.map((i) => ({ ...i, stage: 'done' as const })) }] });
    bridge.snapshotVersion = 9;
    await pushMessage(page, patch(9, [{ ...b.items[0]!, stage: 'processing' }])); // 8 → 9: this page holds 2
    await calls(bridge, 'getSnapshot', before + 1);
    // not applied onto version 2; the snapshot of version 9 is
    await expect.poll(() => page.locator('[data-item-id="p-0"]').getAttribute('data-stage')).toBe('done');
    expect(await page.locator('[data-item-id="p-2"]').getAttribute('data-stage')).toBe('done');
  });

  function at2(): BatchView {
    return batch({
      id: 'p',
      items: [0, 1, 2].map((i) => item({ id: `p-${i}`, batchId: 'p', name: `${stem(i)}.jpg`, stage: 'uploading', uploadedBytes: MB })),
    });
  }
});
