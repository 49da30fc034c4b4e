/**
 * The app-shell screens in Chromium with a scripted main process: pausing, cancelling (with its confirmation) and
 * removing in 处理进度, what a cancelled batch says of its charged and uncharged items, 设置 → 关于 AI照 (version,
 * 检查更新, 帮助与客服, 用户协议/隐私政策), the 「新版本已就绪，重启更新」 and required-update notices, the consent screen
 * at the first login, and a notification click opening its batch. Each screen is saved as desktop-<scene>.png.
 */
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { AppState } from '../../src/shared/contract.js';
import { LEGAL, appState, batch, item, updateView } from '../support/app-state-fixtures.js';
import { navigate, pushState, screenshotDir, useRendererPages } from '../support/renderer-harness.js';
import { ScriptedBridge, type Handlers } from '../support/scripted-bridge.js';
import { thumbnailFor } from './garment-art.js';

const SHOTS = screenshotDir();
const MB = 1024 * 1024;
const TERMS_BODY = '欢迎使用 AI照。\n\n一、账号：您使用手机号和短信验证码登录。\n\n二、会员与次数：处理失败的任务自动退还次数。';
const PRIVACY_BODY = '我们重视您的个人信息保护。\n\n一、我们收集的信息：手机号、您上传的商品图片。';

const renderer = useRendererPages();

const legal: Handlers = {
  legalText: (kind) => ({ ...LEGAL[kind], body: kind === 'terms' ? TERMS_BODY : PRIVACY_BODY }),
  thumbnail: (path) => thumbnailFor(path),
};

async function open(state: AppState, ready: string, handlers: Handlers = {}) {
  const bridge = new ScriptedBridge(state, { ...legal, ...handlers });
  const { page } = await renderer.open(bridge.invoke);
  await page.getByTestId(ready).first().waitFor();
  return { page, bridge };
}

async function shoot(page: Page, scene: string) {
  await page.locator('.toasts').evaluate((el) => el.replaceChildren());
  await page.waitForFunction(() => Array.from(document.images).every((img) => img.complete));
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: `${SHOTS}desktop-${scene}.png`, fullPage: true, animations: 'disabled' });
}

const text = async (l: Locator) => ((await l.textContent()) ?? '').replace(/\s+/g, ' ').trim();
const calls = async (bridge: ScriptedBridge, channel: Parameters<ScriptedBridge['argsOf']>[0], count = 1) => {
  await expect.poll(() => bridge.argsOf(channel).length).toBe(count);
  return bridge.argsOf(channel);
};

const running = batch({
  id: 'b-run',
  createdAt: '2026-12-01T06:42:00Z',
  type: 'model_pose12',
  params: { scene: 'street', category: 'dress' },
  items: [
    item({
      id: 'r1',
      batchId: 'b-run',
      name: '碎花连衣裙-正面.jpg',
      stage: 'processing',
      taskId: 't1',
      size: 3.4 * MB,
      uploadedBytes: 3.4 * MB,
    }),
    item({ id: 'r2', batchId: 'b-run', name: '碎花连衣裙-背面.jpg', stage: 'uploading', size: 3.1 * MB, uploadedBytes: 1.1 * MB }),
    item({ id: 'r3', batchId: 'b-run', name: '宽松卫衣-藏青.png', stage: 'waiting', size: 2.2 * MB }),
  ],
});

describe('pause, cancel and remove', () => {
  it('progress-paused: 暂停 and 继续, a paused batch says so; 移除 takes out an uncharged photo', async () => {
    const paused = {
      ...running,
      paused: true,
      items: running.items.map((i) => (i.stage === 'uploading' ? { ...i, stage: 'creating' as const, uploadedBytes: i.size } : i)),
    };
    const { page, bridge } = await open(appState({ batches: [running] }), 'tab-progress');
    await page.getByTestId('tab-progress').click();
    await page.getByTestId('batch-pause').click();
    expect(await calls(bridge, 'pauseBatch')).toEqual([['b-run']]);

    await pushState(page, appState({ batches: [paused] }));
    await page.getByTestId('batch-resume').waitFor();
    expect(await text(page.getByTestId('batch-status'))).toBe('已暂停');
    // nothing of it has finished: the bar shows no progress beside 0/3 (it used to run ahead with weighted stages)
    expect(await text(page.getByTestId('batch-count'))).toBe('0/3');
    expect(await text(page.getByTestId('batch-counts'))).toBe('成功 0 · 失败 0 · 进行中 2 · 排队中 1');
    expect(await page.getByTestId('status-bar').locator('[data-segment="done"]').count()).toBe(0);
    expect(await page.getByTestId('item').locator('.badge').allTextContents()).toEqual(['处理中', '提交中', '排队中']);
    // the charged item cannot be removed; the two that were not charged can
    expect(await page.getByTestId('item-remove').count()).toBe(2);
    await shoot(page, 'progress-paused');

    await page.getByTestId('item-remove').last().click();
    expect(await calls(bridge, 'removeItem')).toEqual([['r3']]);
    await page.getByTestId('batch-resume').click();
    expect(await calls(bridge, 'resumeBatch')).toEqual([['b-run']]);
  });

  it('progress-cancel: 取消批次 asks first and says what happens to charged photos; a cancelled batch shows both', async () => {
    const { page, bridge } = await open(appState({ batches: [running] }), 'tab-progress');
    await page.getByTestId('tab-progress').click();
    await page.getByTestId('batch-cancel').click();
    expect(await text(page.getByTestId('cancel-confirm'))).toContain('还没扣次数的图片不再处理；已扣次数的会处理完并保存');
    await shoot(page, 'progress-cancel-confirm');
    expect(bridge.argsOf('cancelBatch')).toEqual([]);
    await page.getByTestId('cancel-confirm-yes').click();
    expect(await calls(bridge, 'cancelBatch')).toEqual([['b-run']]);

    const cancelled = batch({
      ...running,
      cancelled: true,
      items: [
        { ...running.items[0]!, keptAfterCancel: true, removable: false },
        { ...running.items[1]!, stage: 'cancelled', errorReason: '已取消，未扣次数', removable: false },
        { ...running.items[2]!, stage: 'cancelled', errorReason: '已取消，未扣次数', removable: false },
      ],
    });
    await pushState(page, appState({ batches: [cancelled] }));
    await page.getByTestId('item-kept').waitFor();
    expect(await text(page.getByTestId('item-kept'))).toBe('已扣次数，取消后仍会处理完并保存结果；处理失败会自动退还次数');
    expect(await page.getByTestId('item-cancelled').count()).toBe(2);
    expect(await text(page.getByTestId('item-cancelled').first())).toBe('已取消，未扣次数');
    expect(await page.getByTestId('batch-pause').count()).toBe(0);
    expect(await text(page.getByTestId('batch-counts'))).toContain('已取消 2');
    await shoot(page, 'progress-cancelled');
  });

  it('a click on a batch notification opens 处理进度 at that batch', async () => {
    const { page } = await open(appState({ batches: [running] }), 'tab-settings');
    await page.getByTestId('tab-settings').click();
    await page.getByTestId('about').waitFor();
    await navigate(page, { tab: 'progress', batchId: 'b-run' });
    await page.locator('[data-batch-id="b-run"]').waitFor();
    expect(await page.getByTestId('about').count()).toBe(0);
  });
});

describe('settings, updates and terms', () => {
  it('settings-about: the version, 检查更新, 帮助与客服 and the terms and privacy policy', async () => {
    const { page, bridge } = await open(appState({ about: { version: '0.1.0', helpUrl: 'https://kf.qq.com/' } }), 'tab-settings');
    await page.getByTestId('tab-settings').click();
    expect(await text(page.getByTestId('app-version'))).toBe('0.1.0');
    expect(await text(page.getByTestId('update-status'))).toBe('已是最新版本');
    expect(await page.getByTestId('help-link').getAttribute('href')).toBe('https://kf.qq.com/');
    expect(await page.getByTestId('help-link').getAttribute('target')).toBe('_blank'); // main opens it in the browser
    await shoot(page, 'settings-about');

    await page.getByTestId('check-updates').click();
    expect(await calls(bridge, 'checkForUpdates')).toEqual([[]]);
    await pushState(page, appState({ update: updateView({ status: 'downloading', version: '0.2.0', percent: 42 }) }));
    await expect.poll(() => text(page.getByTestId('update-status'))).toBe('正在下载新版本 0.2.0（42%）');
    expect(await page.getByTestId('check-updates').isDisabled()).toBe(true);

    await page.getByTestId('open-terms').click();
    await page.getByTestId('legal-terms').waitFor();
    expect(await text(page.getByTestId('legal-dialog'))).toContain('AI照用户协议');
    expect(await text(page.getByTestId('legal-terms'))).toContain('处理失败的任务自动退还次数');
    expect(await calls(bridge, 'legalText')).toEqual([['terms']]);
    await shoot(page, 'legal-terms');
  });

  it('update-ready: 「新版本已就绪，重启更新」 restarts into the update; a required update says it must update', async () => {
    const ready = appState({ update: updateView({ status: 'ready', version: '0.2.0', percent: 100 }) });
    const { page, bridge } = await open(ready, 'update-ready');
    expect(await text(page.getByTestId('update-ready'))).toContain('新版本已就绪，重启更新（0.2.0）');
    await shoot(page, 'update-ready');
    await page.getByTestId('install-update').click();
    expect(await calls(bridge, 'installUpdate')).toEqual([[]]);

    await pushState(
      page,
      appState({ update: updateView({ status: 'downloading', version: '0.2.0', percent: 42, required: true, minVersion: '0.2.0' }) }),
    );
    await page.getByTestId('update-required').waitFor();
    expect(await text(page.getByTestId('update-required'))).toBe('当前版本过低，需要更新后才能继续使用（最低 0.2.0）：正在下载新版本 42%…');
    await shoot(page, 'update-required');
  });

  it('consent: the first login shows the terms and the privacy policy; 同意并继续 needs the tick', async () => {
    const state = appState({ consent: { required: true, terms: LEGAL.terms, privacy: LEGAL.privacy } });
    const { page, bridge } = await open(state, 'consent-screen');
    await page.getByTestId('legal-terms').waitFor();
    expect(await page.getByTestId('membership-bar').count()).toBe(0); // the app opens only after accepting
    expect(await page.getByTestId('consent-accept').isDisabled()).toBe(true);
    await page.getByTestId('consent-tab-privacy').click();
    await page.getByTestId('legal-privacy').waitFor();
    await page.getByTestId('consent-check').check();
    await shoot(page, 'consent');
    await page.getByTestId('consent-accept').click();
    expect(await calls(bridge, 'acceptConsent')).toEqual([[]]);
    await pushState(page, appState());
    await page.getByTestId('membership-bar').waitFor();
  });
});
