/**
 * The renderer's screens for never paying twice and for hot folders, in Chromium with a scripted main process (the
 * IPC boundary): the duplicate notice (reused for free, 仍然重新处理, look-alikes flagged), the choice when a batch
 * is bigger than the balance (先处理前 N 张 / 续费), and 设置 → 自动处理文件夹. Screenshots:
 * test-results/screenshots/desktop-<scene>.png (docs/screenshots/ with UPDATE_SCREENSHOTS=1).
 */
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { AppState, DraftFile, HotFolderView, PreviousRun } from '../../src/shared/contract.js';
import { appState, membership } from '../support/app-state-fixtures.js';
import { pushState, screenshotDir, useRendererPages } from '../support/renderer-harness.js';
import { ScriptedBridge, type Handlers } from '../support/scripted-bridge.js';
import { thumbnailFor } from './garment-art.js';

const SCREENSHOT_DIR = screenshotDir();
const MB = 1024 * 1024;
const SRC = '/Users/shop/Desktop/春季新款';
const renderer = useRendererPages();

async function open(state: AppState, handlers: Handlers = {}) {
  const bridge = new ScriptedBridge(state, {
    thumbnail: (path) => thumbnailFor(path),
    ...handlers,
  });
  const { page } = await renderer.open(bridge.invoke);
  await page.getByTestId('membership-bar').waitFor();
  return { page, bridge };
}

async function shoot(page: Page, scene: string) {
  await page.locator('.toasts').evaluate((el) => el.replaceChildren());
  await page.waitForFunction(() => Array.from(document.images).every((img) => img.complete));
  await page.screenshot({ path: `${SCREENSHOT_DIR}desktop-${scene}.png`, fullPage: true, animations: 'disabled' });
}

const text = async (locator: Locator) => ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();

async function calls(bridge: ScriptedBridge, channel: Parameters<ScriptedBridge['argsOf']>[0], count = 1) {
  await expect.poll(() => bridge.argsOf(channel).length).toBe(count);
  return bridge.argsOf(channel);
}

const run = (o: Partial<PreviousRun> = {}): PreviousRun => ({
  type: 'basic_clean',
  params: {},
  taskId: 'tsk_01',
  name: '碎花连衣裙-正面.jpg',
  at: '2026-03-01T06:30:00.000Z',
  available: true,
  ...o,
});
const file = (name: string, o: Partial<DraftFile> = {}): DraftFile => ({
  path: `${SRC}/${name}`,
  name,
  size: 2.4 * MB,
  previous: [],
  similar: null,
  reprocess: false,
  ...o,
});

describe('never pay twice', () => {
  it('duplicate-notice: a reused photo costs nothing and says so; 仍然重新处理 charges; a look-alike is flagged and charged', async () => {
    const files = [
      file('碎花连衣裙-正面.jpg', { previous: [run()] }),
      file('碎花连衣裙-背面.jpg'),
      file('宽松卫衣-灰-压缩.jpg', { similar: { name: '宽松卫衣-灰.jpg', at: '2026-03-02T02:00:00.000Z', taskId: 'tsk_02' } }),
      file('牛仔外套.jpg', { previous: [run({ type: 'model_pose12', params: { scene: 'street', category: 'coat' }, taskId: 'tsk_03' })] }),
    ];
    const state = appState({ draft: { files, rejected: [] } });
    const { page, bridge } = await open(state, { startBatch: () => ({ batchId: 'b1' }) });

    const notice = page.getByTestId('duplicate-notice');
    expect(await text(notice.locator('h3'))).toBe('1 张已处理过，1 张与处理过的图片相似');
    const rows = page.getByTestId('duplicate-row');
    expect(await rows.count()).toBe(2);
    expect(await text(page.getByTestId('duplicate-reused'))).toContain('已处理过，直接使用上次结果，不扣次数');
    expect(await text(page.getByTestId('duplicate-similar'))).toContain('「宽松卫衣-灰.jpg」相似');
    expect(await text(page.getByTestId('duplicate-similar'))).toContain('仍会处理并扣次数');
    // 3 photos charged, the reused one free
    expect(await text(page.getByTestId('cost-summary'))).toBe(
      '3 张 × 1 次 = 3 次（另有 1 张已处理过，直接使用上次结果，不扣次数），剩余 86 次',
    );
    expect(await text(page.getByTestId('draft-file').first())).toContain('上次结果 · 不扣次数');
    expect(await text(page.getByTestId('draft-file').nth(2))).toContain('疑似重复');
    await shoot(page, 'duplicate-notice');

    await page.getByTestId('reprocess').click();
    expect(await calls(bridge, 'setReprocess')).toEqual([[files[0]!.path, true]]);
    await pushState(page, appState({ draft: { files: [{ ...files[0]!, reprocess: true }, ...files.slice(1)], rejected: [] } }));
    await expect.poll(() => text(page.getByTestId('cost-summary'))).toBe('4 张 × 1 次 = 4 次，剩余 86 次');
    expect(await text(page.getByTestId('duplicate-notice'))).toContain('将重新处理，按次数扣费');
    await page.getByTestId('reuse-again').click();
    expect((await calls(bridge, 'setReprocess', 2))[1]).toEqual([files[0]!.path, false]);

    // the model task: the 牛仔外套 run was made with the other type's settings — only with the same ones is it free
    await pushState(page, state);
    await page.getByTestId('task-type-model_pose12').click();
    await page.getByTestId('scene-select').selectOption('street');
    await page.getByTestId('category-select').selectOption('coat');
    await expect
      .poll(() => text(page.getByTestId('cost-summary')))
      .toBe('3 张 × 3 次 = 9 次（另有 1 张已处理过，直接使用上次结果，不扣次数），剩余 86 次');
    expect(await page.locator('[data-testid="duplicate-row"][data-kind="reused"]').getAttribute('title')).toBe(files[3]!.path);
    await page.getByTestId('category-select').selectOption('dress');
    await expect.poll(() => text(page.getByTestId('cost-summary'))).toBe('4 张 × 3 次 = 12 次，剩余 86 次');
  });

  it('partial-batch: a batch bigger than the balance offers 先处理前 N 张 and 续费', async () => {
    const files = Array.from({ length: 8 }, (_, i) => file(`夏季T恤-${String(i + 1).padStart(2, '0')}.jpg`));
    const state = appState({ membership: membership({ quotaRemaining: 5 }), draft: { files, rejected: [] } });
    const { page, bridge } = await open(state, { startBatch: () => ({ batchId: 'b2' }) });
    expect(await text(page.getByTestId('start-reason'))).toContain('剩余次数不足：需要 8 次，剩余 5 次');
    expect(await page.getByTestId('start-batch').isDisabled()).toBe(true);
    const choice = page.getByTestId('partial-choice');
    expect(await text(choice)).toContain('余额够处理 5 张');
    expect(await text(page.getByTestId('start-partial'))).toBe('先处理前 5 张');
    expect(await text(page.getByTestId('partial-buy'))).toBe('续费');
    await shoot(page, 'partial-batch');

    await page.getByTestId('partial-buy').click();
    await calls(bridge, 'startPurchase');
    await page.getByTestId('start-partial').click();
    // with the batch's export choice (设置's defaults here) as a whole batch would have
    const { presets, flat } = state.settings.exportDefaults;
    expect(await calls(bridge, 'startBatch')).toEqual([[{ type: 'basic_clean', params: {}, presets, flat, limit: 5 }]]);

    // the model task costs 3: one photo fits in 5 次
    await page.getByTestId('tab-new').click();
    await page.getByTestId('task-type-model_pose12').click();
    await page.getByTestId('scene-select').selectOption('street');
    await page.getByTestId('category-select').selectOption('dress');
    expect(await text(page.getByTestId('start-partial'))).toBe('先处理前 1 张');
    // nothing fits: only the purchase is offered
    await pushState(page, { ...state, membership: membership({ quotaRemaining: 2 }) });
    await expect.poll(() => page.getByTestId('partial-choice').count()).toBe(0);
    expect(await page.getByTestId('cost-buy').count()).toBe(1);
  });
});

const hotFolder = (o: Partial<HotFolderView> = {}): HotFolderView => ({
  id: 'hf_1',
  path: '/Users/shop/Pictures/相机导入',
  type: 'basic_clean',
  params: {},
  presets: [{ id: 'taobao' }, { id: 'pdd' }],
  dailyLimit: 50,
  paused: false,
  usedToday: 12,
  waiting: 0,
  lastError: null,
  watching: true,
  ...o,
});

describe('hot folders', () => {
  it('hot-folders: the watched folders with their settings and usage; add, pause, limit and remove call the main process', async () => {
    const folders = [
      hotFolder(),
      hotFolder({
        id: 'hf_2',
        path: '/Users/shop/Pictures/模特拍摄',
        type: 'model_pose12',
        params: { scene: 'studio', category: 'dress' },
        presets: [{ id: 'pose', aspect: '1:1', width: 800 }],
        dailyLimit: 30,
        usedToday: 30,
        waiting: 4,
        paused: true,
        watching: false,
        lastError: '剩余次数不足：这批需要 12 次，剩余 3 次。可以先处理前 1 张，或续费',
      }),
    ];
    const { page, bridge } = await open(appState({ hotFolders: folders }));
    await page.getByTestId('tab-settings').click();
    const rows = page.getByTestId('hot-folder');
    expect(await rows.count()).toBe(2);
    expect(await text(rows.first())).toContain('基础修图（白底主图） · 导出：淘宝/天猫 白底图、拼多多 主图');
    expect(await text(rows.first().getByTestId('hot-usage'))).toBe('今日已用 12 / 50 次');
    expect(await text(rows.first().getByTestId('hot-status'))).toBe('监视中');
    expect(await text(rows.nth(1))).toContain('AI模特12图 · 影棚 · 连衣裙 · 导出：模特图 1:1 · 宽 800');
    expect(await text(rows.nth(1).getByTestId('hot-usage'))).toBe('今日已用 30 / 30 次 · 等待中 4 张（已达今日上限，明天继续）');
    expect(await text(rows.nth(1).getByTestId('hot-status'))).toBe('已暂停');
    expect(await text(rows.nth(1).getByTestId('hot-error'))).toContain('剩余次数不足');
    expect(await text(rows.nth(1).getByTestId('hot-pause'))).toBe('继续');
    await shoot(page, 'hot-folders');

    await rows.first().getByTestId('hot-pause').click();
    expect(await calls(bridge, 'updateWatchedFolder')).toEqual([['hf_1', { paused: true }]]);
    await rows.nth(1).getByTestId('hot-pause').click();
    expect((await calls(bridge, 'updateWatchedFolder', 2))[1]).toEqual(['hf_2', { paused: false }]);
    await rows.first().getByTestId('hot-limit').fill('80');
    await rows.first().getByTestId('hot-save-limit').click();
    expect((await calls(bridge, 'updateWatchedFolder', 3))[2]).toEqual(['hf_1', { dailyLimit: 80 }]);
    await rows.first().getByTestId('hot-remove').click();
    expect(await calls(bridge, 'removeWatchedFolder')).toEqual([['hf_1']]);

    // the form: the model type needs a scene and a category first; presets are ticked; the limit is a whole number
    const form = page.getByTestId('hot-form');
    await form.getByTestId('hot-type').selectOption('model_pose12');
    expect(await form.getByTestId('hot-add').isDisabled()).toBe(true);
    expect(await text(form)).toContain('请选择场景和品类');
    await form.getByTestId('hot-scene').selectOption('street');
    await form.getByTestId('hot-category').selectOption('coat');
    // model images: the marketplace presets (for 基础修图's cut-outs) are not offered, the model crop is
    expect(await form.getByTestId('hot-preset-taobao').count()).toBe(0);
    await form.getByTestId('hot-preset-pose').check();
    await form.getByTestId('hot-new-limit').fill('0');
    expect(await text(form)).toContain('每日上限至少 1 次');
    await form.getByTestId('hot-new-limit').fill('20');
    await form.getByTestId('hot-add').click();
    expect(await calls(bridge, 'addWatchedFolder')).toEqual([
      [
        {
          type: 'model_pose12',
          params: { scene: 'street', category: 'coat' },
          presets: [{ id: 'pose', aspect: '3:4', width: 750 }],
          dailyLimit: 20,
        },
      ],
    ]);
  });

  it('hot-folders-empty: says there is none yet', async () => {
    const { page } = await open(appState({ hotFolders: [] }));
    await page.getByTestId('tab-settings').click();
    expect(await text(page.getByTestId('hot-empty'))).toBe('还没有自动处理的文件夹');
    await shoot(page, 'hot-folders-empty');
  });
});
