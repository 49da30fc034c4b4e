/**
 * The renderer's component test: the built renderer in Chromium with a scripted main process behind `window.api`
 * (the IPC boundary; the end-to-end test drives the real main process). Each scene sets a state, checks what the
 * merchant sees and which calls the UI makes, and saves a screenshot: test-results/screenshots/desktop-<scene>.png,
 * or docs/screenshots/ with UPDATE_SCREENSHOTS=1. Needs `desktop/out/renderer` (cd desktop && npx electron-vite build).
 */
import type { Locator, Page } from 'playwright-core';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { CATEGORIES, CATEGORY_LABELS } from '@aizhao/shared';
import { modelImageWarnings, modelOptions, modelSuggestions } from '../../src/core/model-options.js';
import type { PlanView } from '@aizhao/shared';
import type { AppState, TaskFilter, TaskPage } from '../../src/shared/contract.js';
import {
  appState,
  batch,
  clientOptions,
  expiredMember,
  item,
  membership,
  notMember,
  payment,
  RESULT_ROOT,
  taskRow,
} from '../support/app-state-fixtures.js';
import { dispatchDrag, dropFiles, pageDay, pushState, screenshotDir, setFilePaths, useRendererPages } from '../support/renderer-harness.js';
import { ipcError, ScriptedBridge, type Handlers } from '../support/scripted-bridge.js';
import { thumbnailFor } from './garment-art.js';

const SCREENSHOT_DIR = screenshotDir();

const MB = 1024 * 1024;
const SRC = '/Users/shop/Desktop/春季新款';
const DAY_DIR = `${RESULT_ROOT}/2026-03-08`;

const draftFile = (name: string, size: number) => ({ path: `${SRC}/${name}`, name, size });
const DRAFT_FILES = [
  draftFile('碎花连衣裙-正面.jpg', 3.4 * MB),
  draftFile('碎花连衣裙-背面.jpg', 3.1 * MB),
  draftFile('宽松卫衣-灰.jpg', 2.2 * MB),
  draftFile('宽松卫衣-藏青.png', 4.8 * MB),
  draftFile('牛仔外套.jpg', 2.9 * MB),
  draftFile('针织开衫.webp', 1.6 * MB),
];
const REJECTED = [
  { path: `${SRC}/尺码表.pdf`, name: '尺码表.pdf', reason: '不是支持的图片格式（仅支持 JPG、PNG、WebP、HEIC）' },
  { path: `${SRC}/主图-原片.jpg`, name: '主图-原片.jpg', reason: '文件太大（31.5 MB），单张最大 20 MB' },
];

const poseFiles = (dir: string, stem: string) =>
  Array.from({ length: 12 }, (_, i) => `${dir}/${stem}_pose${String(i + 1).padStart(2, '0')}.jpg`);

const renderer = useRendererPages();

/** Opens the app on `state` with a scripted main process; thumbnails are drawn from the file names. */
async function open(state: AppState, handlers: Handlers = {}, filePaths: Record<string, string> = {}) {
  const bridge = new ScriptedBridge(state, { thumbnail: (path) => thumbnailFor(path), ...handlers });
  const { page } = await renderer.open(bridge.invoke, { filePaths });
  await page.locator('[data-testid="membership-bar"], [data-testid="login-phone"]').first().waitFor();
  return { page, bridge };
}

/** Saves the screenshot after images have loaded; toasts are left out unless asked for. */
async function shoot(page: Page, scene: string, { keepToasts = false } = {}) {
  if (!keepToasts) await page.locator('.toasts').evaluate((el) => el.replaceChildren());
  await page.waitForFunction(() => Array.from(document.images).every((img) => img.complete));
  await page.screenshot({ path: `${SCREENSHOT_DIR}desktop-${scene}.png`, fullPage: true, animations: 'disabled' });
}

const text = async (locator: Locator) => ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();

/** A batch's status bar as {segment: count}. */
const segments = async (batch: Locator) =>
  Object.fromEntries(
    await batch
      .getByTestId('status-bar')
      .locator('[data-segment]')
      .evaluateAll((els) => els.map((e) => [e.getAttribute('data-segment'), e.getAttribute('data-count')])),
  );

/** Waits until `bridge` has recorded `count` calls to `channel`. */
async function calls(bridge: ScriptedBridge, channel: Parameters<ScriptedBridge['argsOf']>[0], count = 1) {
  await expect.poll(() => bridge.argsOf(channel).length).toBe(count);
  return bridge.argsOf(channel);
}

const loggedOut = (o: Partial<AppState> = {}) => appState({ user: null, membership: null, ...o });

describe('login', () => {
  it('waits for the server before choosing a screen; offline, the login says it is retrying', async () => {
    const bridge = new ScriptedBridge(loggedOut({ ready: false, options: null }));
    const { page } = await renderer.open(bridge.invoke);
    await page.getByTestId('splash').waitFor();
    expect(await text(page.getByTestId('splash'))).toContain('正在连接服务器…');
    await pushState(page, loggedOut({ ready: false, offline: true, options: null }));
    await page.getByTestId('login-phone').waitFor();
    expect(await page.getByText('无法连接服务器，正在重试…').isVisible()).toBe(true);
  });

  it('login: validates the phone, sends the code, counts down 60 s', async () => {
    const { page, bridge } = await open(loggedOut(), { sendCode: () => ({ cooldownSeconds: 60, sandboxCode: null }) });
    await expect.poll(() => page.getByText('服装商品图，交给 AI 来拍').isVisible()).toBe(true);
    expect(await page.getByText('AI照').first().isVisible()).toBe(true);
    await shoot(page, 'login');

    await page.getByTestId('login-phone').fill('1381234');
    await page.getByTestId('send-code').click();
    expect(await text(page.getByTestId('login-error'))).toBe('请输入正确的 11 位手机号');
    expect(bridge.argsOf('sendCode')).toEqual([]);

    await page.getByTestId('login-phone').fill('138-1234-5678');
    expect(await page.getByTestId('login-phone').inputValue()).toBe('13812345678');
    await page.getByTestId('send-code').click();
    expect(await calls(bridge, 'sendCode')).toEqual([['13812345678']]);
    await expect.poll(() => text(page.getByTestId('send-code'))).toMatch(/^(60|59) 秒后重发$/);
    expect(await page.getByTestId('send-code').isDisabled()).toBe(true);
    expect(await page.getByText('验证码已发送至 138****5678').isVisible()).toBe(true);
    expect(await page.getByTestId('login-error').count()).toBe(0);
  });

  it('login-error: Enter submits, the Chinese error shows inline; a login that cannot be kept says so', async () => {
    let accept = false;
    const { page, bridge } = await open(loggedOut(), {
      login: () => {
        if (!accept) throw ipcError('INVALID_CODE', '验证码错误或已过期，请重新获取');
        return null;
      },
    });
    await page.getByTestId('login-phone').fill('13812345678');
    await page.getByTestId('login-code').fill('123');
    await page.getByTestId('login-code').press('Enter');
    expect(await text(page.getByTestId('login-error'))).toBe('请输入 6 位验证码');
    await page.getByTestId('login-code').fill('654321');
    await page.getByTestId('login-code').press('Enter');
    await expect.poll(() => page.getByTestId('login-error').textContent()).toBe('验证码错误或已过期，请重新获取');
    expect(bridge.argsOf('login')).toEqual([['13812345678', '654321']]);
    expect(await page.getByTestId('login-submit').isEnabled()).toBe(true);
    await shoot(page, 'login-error');

    accept = true;
    await page.getByTestId('login-submit').click();
    await calls(bridge, 'login', 2);
    await pushState(page, appState({ sessionPersisted: false }));
    await page.getByTestId('membership-bar').waitFor();
    expect(await text(page.getByTestId('session-notice'))).toBe('本机无法安全保存登录状态，关闭应用后需要重新登录');
    await page.getByRole('button', { name: '知道了' }).click();
    expect(await page.getByTestId('session-notice').count()).toBe(0);
  });
});

describe('membership', () => {
  it('main-not-member: the header says 未开通 and offers 开通会员; offline shows a banner', async () => {
    const { page, bridge } = await open(appState({ membership: notMember() }));
    const bar = page.getByTestId('membership-bar');
    await bar.waitFor();
    expect(await text(bar)).toContain('138****5678');
    expect(await text(bar)).toContain('会员状态未开通');
    expect(await text(page.getByTestId('quota-remaining'))).toBe('0');
    expect(await text(page.getByTestId('quota-expire'))).toBe('—');
    expect(await text(page.getByTestId('buy-button'))).toBe('开通会员');
    expect(await text(page.getByTestId('membership-banner-not_member'))).toContain('未开通会员，开通后即可使用：¥99.00 · 100 次 / 30 天');
    for (const tab of ['新建批次', '处理进度', '历史任务', '设置'])
      expect(await page.getByRole('tab', { name: tab }).isVisible()).toBe(true);
    await shoot(page, 'main-not-member');

    await page.getByTestId('buy-button').click();
    await calls(bridge, 'startPurchase');

    await pushState(page, appState({ membership: notMember(), offline: true }));
    expect(await text(page.getByTestId('offline-banner'))).toBe('无法连接服务器，正在重试…');
  });

  it('low-balance: at 20% of the plan the banner suggests renewing', async () => {
    const { page, bridge } = await open(
      appState({ membership: membership({ quotaRemaining: 15, quotaExpireAt: '2026-03-20T04:00:00Z' }) }),
    );
    const banner = page.getByTestId('membership-banner-low');
    expect(await text(banner)).toBe('剩余次数不多了（15/100），建议续费续费');
    expect(await text(page.getByTestId('quota-expire'))).toBe('2026-03-20 12:00');
    expect(await text(page.getByTestId('buy-button'))).toBe('续费');
    await shoot(page, 'low-balance');
    await banner.getByRole('button', { name: '续费' }).click();
    await calls(bridge, 'startPurchase');
  });

  it('refunded: a notice tells what the refunded order took back, until the merchant closes it', async () => {
    const lastRefund = {
      orderId: 'O1',
      refundFen: 4950,
      quotaTaken: 50,
      expiryShortenedSeconds: 15 * 86_400,
      at: new Date().toISOString(),
    };
    const { page } = await open(appState({ membership: membership({ quotaRemaining: 36, lastRefund }) }));
    const notice = page.getByTestId('refund-notice');
    expect(await text(notice)).toBe('订单已退款 ¥49.50，次数 −50，有效期缩短 15 天');
    await shoot(page, 'refunded');
    await notice.getByRole('button', { name: '知道了' }).click();
    await expect.poll(() => page.getByTestId('refund-notice').count()).toBe(0);
  });

  it('expired: the banner explains the balance was cleared; starting is blocked with the reason', async () => {
    const state = appState({ membership: expiredMember(), draft: { files: DRAFT_FILES.slice(0, 3), rejected: [] } });
    const { page } = await open(state);
    expect(await text(page.getByTestId('membership-banner-expired'))).toBe('会员已到期，剩余次数已清零，续费后可继续使用续费');
    expect(await text(page.getByTestId('membership-bar'))).toContain('会员状态已到期');
    expect(await text(page.getByTestId('buy-button'))).toBe('续费');
    expect(await text(page.getByTestId('start-reason'))).toBe('会员已到期续费');
    expect(await page.getByTestId('start-batch').isDisabled()).toBe(true);
    await shoot(page, 'expired');
  });
});

describe('purchase', () => {
  it('purchase-qr: QR code, amount, plan, countdown, sandbox 模拟支付; creating, network and expired states', async () => {
    const qrDataUrl = await QRCode.toDataURL('weixin://wxpay/bizpayurl?pr=Xy7kQ2mAz', { margin: 1, width: 360 });
    const waiting = payment({ qrDataUrl });
    const base = { membership: membership({ quotaRemaining: 15 }), options: clientOptions({ sandbox: true }) };
    const { page, bridge } = await open(appState({ ...base, payment: payment({ status: 'creating' }) }));
    const dialog = page.getByTestId('payment-dialog');
    expect(await text(dialog)).toContain('正在创建订单…');

    await pushState(page, appState({ ...base, payment: waiting }));
    expect(await page.getByTestId('payment-qr').getAttribute('src')).toBe(qrDataUrl);
    expect(await page.getByAltText('微信支付二维码').isVisible()).toBe(true);
    expect(await text(page.getByTestId('payment-amount'))).toBe('¥99.00');
    expect(await text(dialog)).toContain('100 次 / 30 天');
    expect(await text(dialog)).toContain('请使用微信扫一扫支付');
    expect(await text(dialog)).toContain('续费后增加 100 次，有效期顺延 30 天');
    expect(await text(page.getByTestId('payment-countdown'))).toMatch(/^二维码 0[45]:\d\d 后过期$/);
    expect(await page.getByTestId('payment-network').count()).toBe(0);
    await shoot(page, 'purchase-qr');

    await page.getByTestId('simulate-pay').click();
    await calls(bridge, 'simulatePayment');

    await pushState(page, appState({ ...base, payment: { ...waiting, networkError: true } }));
    expect(await text(page.getByTestId('payment-network'))).toBe('网络中断，正在重试…');

    await pushState(page, appState({ ...base, payment: { ...waiting, status: 'expired' } }));
    expect(await text(dialog)).toContain('二维码已过期');
    await page.getByRole('button', { name: '重新获取' }).click();
    await calls(bridge, 'startPurchase');

    await pushState(page, appState({ ...base, payment: { ...waiting, status: 'error', message: '下单失败，请稍后重试' } }));
    expect(await text(page.getByTestId('payment-message'))).toBe('下单失败，请稍后重试');
    await page.getByTestId('payment-retry').click();
    await calls(bridge, 'startPurchase', 2);

    await page.getByRole('button', { name: '关闭' }).click();
    await calls(bridge, 'closePurchase');
  });

  it('purchase-plans: 微信支付 / 支付宝, plans and packs with what each adds, 「本批还差 140 次」 with the covering pack', async () => {
    const qrDataUrl = await QRCode.toDataURL('https://qr.alipay.com/bax08431xdsfknoprzs', { margin: 1, width: 360 });
    const expiry = new Date(Date.now() + 20 * 86_400_000);
    const plans: PlanView[] = [
      { id: 'membership-1m', kind: 'membership', name: '会员 1 个月', months: 1, priceFen: 9900, quota: 100, days: 30 },
      { id: 'membership-3m', kind: 'membership', name: '会员 3 个月', months: 3, priceFen: 26900, quota: 300, days: 90 },
      { id: 'pack-1', kind: 'pack', name: '加量包 100 次', months: 0, priceFen: 4900, quota: 100, days: 0 },
      { id: 'pack-200', kind: 'pack', name: '加量包 200 次', months: 0, priceFen: 8900, quota: 200, days: 0 },
    ];
    const m = membership({ quotaRemaining: 10, quotaExpireAt: expiry.toISOString() });
    const waiting = payment({ qrDataUrl, channel: 'alipay', plans, planId: 'pack-200', shortfall: 140, amountFen: 8900 });
    const { page, bridge } = await open(appState({ membership: m, options: clientOptions({ sandbox: true }), payment: waiting }));
    const dialog = page.getByTestId('payment-dialog');
    expect(await page.getByTestId('pay-channel-alipay').getAttribute('aria-checked')).toBe('true');
    expect(await page.getByTestId('pay-channel-wx').getAttribute('aria-checked')).toBe('false');
    expect(await page.getByAltText('支付宝二维码').isVisible()).toBe(true);
    expect(await text(page.getByTestId('payment-hint'))).toBe('请使用支付宝扫一扫支付');
    expect(await text(page.getByTestId('payment-shortfall'))).toBe('本批还差 140 次，已为你选好能补足的加量包');
    // the page's local day (Asia/Shanghai), not the test machine's: they differ from 16:00 to 24:00 UTC
    const day = pageDay;
    expect(await text(page.getByTestId('pay-plan-effect-membership-3m'))).toBe(
      `+300 次，有效期延长至 ${day(expiry.getTime() + 90 * 86_400_000)}`,
    );
    expect(await text(page.getByTestId('pay-plan-effect-pack-200'))).toBe(`+200 次，有效期不变（至 ${day(expiry.getTime())}）`);
    expect(await page.getByTestId('pay-plan-pack-200').getAttribute('aria-checked')).toBe('true');
    expect(await text(page.getByTestId('pay-plan-pack-200'))).toContain('够用');
    expect(await text(page.getByTestId('pay-plan-pack-1'))).not.toContain('够用');
    expect(await text(page.getByTestId('payment-amount'))).toBe('¥89.00');
    await shoot(page, 'purchase-plans');

    await page.getByTestId('pay-channel-wx').click();
    expect(await calls(bridge, 'choosePayment')).toEqual([[{ channel: 'wx' }]]);
    await page.getByTestId('pay-plan-membership-3m').click();
    expect((await calls(bridge, 'choosePayment', 2))[1]).toEqual([{ planId: 'membership-3m' }]);
    await pushState(page, appState({ membership: m, payment: { ...waiting, channels: ['wx'], channel: 'wx', planId: 'membership-3m' } }));
    // a channel the operator turned off is not offered
    expect(await page.getByTestId('pay-channel-alipay').count()).toBe(0);
    expect(await page.getByAltText('微信支付二维码').isVisible()).toBe(true);
    expect(await text(dialog)).toContain('请使用微信扫一扫支付');

    // a merchant without a membership cannot pick a pack
    await pushState(page, appState({ membership: notMember(), payment: { ...waiting, planId: 'membership-1m', shortfall: null } }));
    expect(await page.getByTestId('pay-plan-pack-1').isDisabled()).toBe(true);
    expect(await text(page.getByTestId('pay-plan-effect-pack-1'))).toBe('需先开通会员');
  });

  it('purchase-paid: success with the new balance; 完成 closes', async () => {
    const { page, bridge } = await open(
      appState({ membership: membership({ quotaRemaining: 115 }), payment: payment({ status: 'paid', quotaAfter: 115 }) }),
    );
    const dialog = page.getByTestId('payment-dialog');
    expect(await text(dialog)).toContain('支付成功');
    expect(await text(page.getByTestId('payment-quota-after'))).toBe('115');
    await shoot(page, 'purchase-paid');
    await page.getByTestId('payment-done').click();
    await calls(bridge, 'closePurchase');
    await pushState(page, appState({ membership: membership({ quotaRemaining: 115 }) }));
    expect(await dialog.count()).toBe(0);
    expect(await text(page.getByTestId('quota-remaining'))).toBe('115');
  });
});

describe('new batch', () => {
  it('new-batch-draft: files, skipped files, cost per type, scene and category, drop and start', async () => {
    const state = appState({ draft: { files: DRAFT_FILES, rejected: REJECTED } });
    const { page, bridge } = await open(state, { startBatch: () => ({ batchId: 'b9' }) });
    expect(await page.getByTestId('draft-file').count()).toBe(6);
    expect(await text(page.getByTestId('rejected-list'))).toContain('已跳过 2 个文件');
    expect(await text(page.getByTestId('rejected-file').first())).toBe('尺码表.pdf — 不是支持的图片格式（仅支持 JPG、PNG、WebP、HEIC）');
    expect(await text(page.getByTestId('cost-summary'))).toBe('6 张 × 1 次 = 6 次，剩余 86 次');
    expect(await page.getByTestId('start-batch').isEnabled()).toBe(true);
    expect(await text(page.getByTestId('task-type-model_pose12'))).toContain('每张 3 次');
    expect(await text(page.getByTestId('result-root'))).toBe(RESULT_ROOT);

    await page.getByTestId('task-type-model_pose12').click();
    expect(await text(page.getByTestId('cost-summary'))).toBe('6 张 × 3 次 = 18 次，剩余 86 次');
    expect(await text(page.getByTestId('start-reason'))).toBe('请选择场景和品类');
    expect(await page.getByTestId('start-batch').isDisabled()).toBe(true);
    await page.getByTestId('scene-select').selectOption({ label: '街拍' });
    expect(await text(page.getByTestId('start-reason'))).toBe('请选择品类');
    await page.getByTestId('category-select').selectOption({ label: '连衣裙' });
    expect(await page.getByTestId('start-reason').count()).toBe(0);
    expect(await page.getByTestId('start-batch').isEnabled()).toBe(true);
    await shoot(page, 'new-batch-draft');

    // a drop anywhere maps each File to its local path; files without one (e.g. from a web page) are left out
    await setFilePaths(page, { 'a.jpg': '/Users/shop/Desktop/a.jpg', 秋装: '/Users/shop/Desktop/秋装' });
    await dropFiles(page, '[data-testid="drop-zone"]', [
      { name: 'a.jpg', type: 'image/jpeg' },
      { name: 'from-web.png', type: 'image/png' },
      { name: '秋装' },
    ]);
    expect(await calls(bridge, 'addFiles')).toEqual([[['/Users/shop/Desktop/a.jpg', '/Users/shop/Desktop/秋装']]]);
    await dropFiles(page, '[data-testid="cost-summary"]', [{ name: 'a.jpg', type: 'image/jpeg' }]);
    await calls(bridge, 'addFiles', 2);
    // more single files than one call takes: the first 1000 go, and the merchant is told about the rest
    const many = Array.from({ length: 1003 }, (_, i) => `p${i}.jpg`);
    await setFilePaths(page, Object.fromEntries(many.map((n) => [n, `/Users/shop/Desktop/${n}`])));
    await dropFiles(
      page,
      '[data-testid="drop-zone"]',
      many.map((name) => ({ name, type: 'image/jpeg' })),
    );
    const third = (await calls(bridge, 'addFiles', 3))[2]![0] as string[];
    expect(third).toHaveLength(1000);
    expect(third.at(-1)).toBe('/Users/shop/Desktop/p999.jpg');
    await expect.poll(() => text(page.getByTestId('toast').last())).toContain('一次最多拖入 1000 个文件');

    await page.getByTestId('pick-files').click();
    await calls(bridge, 'pickFiles');
    await page.getByTestId('draft-file').first().hover();
    await page.getByRole('button', { name: `移除 ${DRAFT_FILES[0]!.name}` }).click();
    expect(await calls(bridge, 'removeDraftFile')).toEqual([[DRAFT_FILES[0]!.path]]);

    await page.getByTestId('start-batch').click();
    expect(await calls(bridge, 'startBatch')).toEqual([
      [{ type: 'model_pose12', params: { scene: 'street', category: 'dress', model: 'female' }, presets: [{ id: 'taobao' }], flat: false }],
    ]);
    await expect.poll(() => page.getByTestId('tab-progress').getAttribute('aria-selected')).toBe('true');

    // dragging files over another tab shows where they will go; dropping adds them and opens 新建批次
    await dispatchDrag(page, 'main', [{ name: 'a.jpg', type: 'image/jpeg' }], ['dragenter', 'dragover']);
    expect(await text(page.locator('.drop-overlay'))).toBe('松开鼠标，添加到新建批次');
    await dispatchDrag(page, 'main', [{ name: 'a.jpg', type: 'image/jpeg' }], ['drop']);
    await calls(bridge, 'addFiles', 4);
    expect(await page.locator('.drop-overlay').count()).toBe(0);
    expect(await page.getByTestId('tab-new').getAttribute('aria-selected')).toBe('true');
  });

  it('new-batch-model-choice: 女 / 男 / 童 (童 suggested for 童装), a warning for 内衣 and 泳装, the model sent', async () => {
    const categories = CATEGORIES.map((id) => ({ id, label: CATEGORY_LABELS[id] }));
    const ids = categories.map((c) => c.id);
    const options = clientOptions({
      categories,
      models: modelOptions(),
      modelSuggestions: modelSuggestions(ids),
      modelImageWarnings: modelImageWarnings(ids),
    });
    const { page, bridge } = await open(appState({ options, draft: { files: DRAFT_FILES, rejected: [] } }), {
      startBatch: () => ({ batchId: 'b7' }),
    });
    expect(await page.getByTestId('model-choice').count()).toBe(0); // basic_clean has no model
    await page.getByTestId('task-type-model_pose12').click();
    const active = () => page.locator('[data-testid="model-choice"] [aria-checked="true"]').textContent();
    expect(await active()).toBe('女'); // the default
    await page.getByTestId('scene-select').selectOption({ label: '影棚' });
    await page.getByTestId('category-select').selectOption({ label: '童装' });
    expect(await active()).toBe('童'); // suggested for 童装
    expect(await page.getByTestId('model-image-warning').count()).toBe(0);

    await page.getByTestId('category-select').selectOption({ label: '内衣' });
    expect(await active()).toBe('女');
    expect(await text(page.getByTestId('model-image-warning'))).toMatch(/淘宝\/天猫.*亚马逊/);
    await shoot(page, 'new-batch-model-warning');
    await page.getByTestId('category-select').selectOption({ label: '泳装' });
    expect(await text(page.getByTestId('model-image-warning'))).toContain('亚马逊');

    await page.getByTestId('category-select').selectOption({ label: '衬衫' });
    expect(await page.getByTestId('model-image-warning').count()).toBe(0);
    await page.getByTestId('model-male').click();
    expect(await active()).toBe('男');
    await shoot(page, 'new-batch-model-choice');
    await page.getByTestId('start-batch').click();
    expect(await calls(bridge, 'startBatch')).toEqual([
      [{ type: 'model_pose12', params: { scene: 'studio', category: 'shirt', model: 'male' }, presets: [{ id: 'taobao' }], flat: false }],
    ]);
  });

  it('new-batch-not-enough-quota: the reason with the numbers, a 续费 next to it; a refused start shows a toast', async () => {
    const files = Array.from({ length: 10 }, (_, i) => draftFile(`夏季T恤-${String(i + 1).padStart(2, '0')}.jpg`, (1.5 + i / 10) * MB));
    const state = appState({ membership: membership({ quotaRemaining: 12 }), draft: { files, rejected: [] } });
    const { page, bridge } = await open(state, {
      startBatch: () => Promise.reject(ipcError('QUOTA_NOT_ENOUGH', '剩余次数不足，请续费后再试')),
    });
    await page.getByTestId('task-type-model_pose12').click();
    await page.getByTestId('scene-select').selectOption('studio');
    await page.getByTestId('category-select').selectOption('hoodie');
    expect(await text(page.getByTestId('cost-summary'))).toBe('10 张 × 3 次 = 30 次，剩余 12 次');
    expect(await text(page.getByTestId('start-reason'))).toBe('剩余次数不足：需要 30 次，剩余 12 次续费');
    expect(await page.getByTestId('start-batch').isDisabled()).toBe(true);
    await shoot(page, 'new-batch-not-enough-quota');
    await page.getByTestId('cost-buy').click();
    await calls(bridge, 'startPurchase');

    // main has the last word: a start it refuses leaves the draft and says why
    await page.getByTestId('task-type-basic_clean').click();
    await page.getByTestId('start-batch').click();
    await calls(bridge, 'startBatch');
    expect(await text(page.getByTestId('toast'))).toBe('剩余次数不足，请续费后再试');
    expect(await page.getByTestId('tab-new').getAttribute('aria-selected')).toBe('true');
    await shoot(page, 'error-toast', { keepToasts: true });
  });
});

describe('progress', () => {
  const modelDir = `${DAY_DIR}/碎花连衣裙-正面`;
  const running = batch({
    id: 'b2',
    createdAt: '2026-03-08T06:42:00Z',
    type: 'model_pose12',
    params: { scene: 'street', category: 'dress' },
    items: [
      item({
        id: 'i1',
        batchId: 'b2',
        name: '碎花连衣裙-正面.jpg',
        stage: 'done',
        size: 3.4 * MB,
        uploadedBytes: 3.4 * MB,
        taskId: 't1',
        outputDir: modelDir,
        files: poseFiles(modelDir, '碎花连衣裙-正面'),
      }),
      item({
        id: 'i2',
        batchId: 'b2',
        name: '碎花连衣裙-背面.jpg',
        stage: 'processing',
        size: 3.1 * MB,
        uploadedBytes: 3.1 * MB,
        taskId: 't2',
      }),
      item({ id: 'i3', batchId: 'b2', name: '宽松卫衣-藏青.png', stage: 'uploading', size: 3.4 * MB, uploadedBytes: 1.2 * MB }),
      item({
        id: 'i4',
        batchId: 'b2',
        name: '牛仔外套.jpg',
        stage: 'failed',
        taskId: 't4',
        errorReason: '没有识别到衣服，请换一张正面平铺的照片',
        refunded: true,
      }),
    ],
  });
  const older = batch({
    id: 'b1',
    createdAt: '2026-03-08T03:10:00Z',
    type: 'basic_clean',
    items: [
      item({
        id: 'j1',
        batchId: 'b1',
        name: '针织开衫.webp',
        stage: 'done',
        outputDir: `${DAY_DIR}/针织开衫`,
        files: [`${DAY_DIR}/针织开衫/针织开衫_白底.jpg`],
      }),
      item({
        id: 'j2',
        batchId: 'b1',
        name: '条纹衬衫.jpg',
        stage: 'failed',
        errorReason: '图片读取失败，文件可能已被移动',
        refunded: false,
      }),
      item({
        id: 'j3',
        batchId: 'b1',
        name: '旧款风衣.jpg',
        stage: 'failed',
        taskId: 't9',
        errorReason: '结果已过期：服务器上已不再保留这个结果',
        refunded: false,
        retryable: false,
      }),
    ],
  });

  it('progress: batches newest first, stage labels, bytes, results and failures with their actions', async () => {
    const { page, bridge } = await open(appState({ batches: [older, running] }));
    await page.getByTestId('tab-progress').click();
    expect(await text(page.getByTestId('active-count'))).toBe('2');
    const batches = page.getByTestId('batch');
    expect(await batches.count()).toBe(2);
    const first = batches.first();
    expect(await text(first)).toContain('AI模特12图（街拍 · 连衣裙）');
    expect(await text(first.getByTestId('batch-count'))).toBe('2/4');
    expect(await text(first.getByTestId('batch-counts'))).toBe('成功 1 · 失败 1 · 进行中 2 · 排队中 0');
    expect(await text(batches.nth(1).getByTestId('batch-counts'))).toBe('成功 1 · 失败 2 · 进行中 0 · 排队中 0');
    // the bar is the counts: an ended batch with failures is not all green, and no percentage stands beside 3/3
    expect(await segments(first)).toEqual({ done: '1', failed: '1', running: '2' });
    expect(await segments(batches.nth(1))).toEqual({ done: '1', failed: '2' });
    expect(await text(batches.nth(1).getByTestId('batch-status'))).toBe('已结束，2 张失败');
    expect(await text(batches.nth(1).getByTestId('batch-count'))).toBe('3/3');
    expect(await text(page.locator('.progress-tab'))).not.toMatch(/\d+%/);

    const items = first.getByTestId('item');
    expect(await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-stage')))).toEqual([
      'done',
      'processing',
      'uploading',
      'failed',
    ]);
    expect(await items.locator('.badge').allTextContents()).toEqual(['已完成', '处理中', '上传中', '失败']);
    expect(await text(items.nth(2).getByTestId('item-bytes'))).toBe('1.2 MB / 3.4 MB');
    expect(await text(items.nth(3).getByTestId('item-error'))).toBe('没有识别到衣服，请换一张正面平铺的照片');
    expect(await text(items.nth(3).getByTestId('item-refund'))).toBe('次数已退回');
    const olderItems = batches.nth(1).getByTestId('item');
    expect(await text(olderItems.nth(1).getByTestId('item-refund'))).toBe('未扣次数');
    // results the server no longer keeps: charged, and nothing to retry
    expect(await text(olderItems.nth(2).getByTestId('item-refund'))).toBe('已扣次数');
    expect(await olderItems.nth(2).getByTestId('item-retry').count()).toBe(0);
    expect(await olderItems.nth(1).getByTestId('item-retry').count()).toBe(1);
    await shoot(page, 'progress');

    // paths and ids are not in the rows: they are in the detail view
    expect(await text(first.getByTestId('item-list'))).not.toContain(modelDir);
    expect(await first.getByTestId('item').first().getAttribute('title')).toBeNull();
    await items.nth(0).getByTestId('open-folder').click();
    expect(await calls(bridge, 'openFolder')).toEqual([[modelDir]]);
    await items.nth(0).getByTestId('item-view').click();
    const detail = page.getByTestId('detail-view');
    expect(await text(detail.getByTestId('fact-output'))).toBe(modelDir);
    expect(await text(detail.getByTestId('fact-task'))).toBe('t1');
    await detail.getByTestId('reveal-file').click();
    expect(await calls(bridge, 'revealFile')).toEqual([[`${modelDir}/碎花连衣裙-正面_pose01.jpg`]]);
    await page.keyboard.press('Escape');
    await page.getByTestId('review-back').click();
    await items.nth(3).getByTestId('item-retry').click();
    expect(await calls(bridge, 'retryItem')).toEqual([['i4']]);
    await page.getByTestId('clear-finished').click();
    await calls(bridge, 'clearFinishedBatches');
  });

  it('says what to do when there is no batch yet', async () => {
    const { page } = await open(appState());
    await page.getByTestId('tab-progress').click();
    expect(await page.getByText('还没有处理中的批次').isVisible()).toBe(true);
    expect(await page.getByTestId('active-count').count()).toBe(0);
  });
});

describe('history', () => {
  const modelDir = `${DAY_DIR}/碎花连衣裙-正面`;
  const rows = [
    taskRow({
      id: 't_9',
      type: 'model_pose12',
      status: 'processing',
      params: { scene: 'street', category: 'dress' },
      createdAt: '2026-03-08T06:42:10Z',
      updatedAt: '2026-03-08T06:42:30Z',
      resultCount: 0,
      name: '碎花连衣裙-背面.jpg',
    }),
    taskRow({
      id: 't_8',
      type: 'model_pose12',
      status: 'done',
      params: { scene: 'street', category: 'dress' },
      createdAt: '2026-03-08T06:42:05Z',
      updatedAt: '2026-03-08T06:44:51Z',
      resultCount: 12,
      name: '碎花连衣裙-正面.jpg',
      files: poseFiles(modelDir, '碎花连衣裙-正面'),
      outputDir: modelDir,
    }),
    taskRow({
      id: 't_7',
      type: 'model_pose12',
      status: 'failed',
      params: { scene: 'studio', category: 'coat' },
      createdAt: '2026-03-08T06:41:58Z',
      updatedAt: '2026-03-08T06:43:12Z',
      resultCount: 0,
      name: '牛仔外套.jpg',
      errorReason: '没有识别到衣服，请换一张正面平铺的照片',
    }),
    taskRow({
      id: 't_6',
      status: 'done',
      createdAt: '2026-03-08T03:10:20Z',
      updatedAt: '2026-03-08T03:10:48Z',
      name: '针织开衫.webp',
      files: [`${DAY_DIR}/针织开衫/针织开衫_白底.jpg`],
      outputDir: `${DAY_DIR}/针织开衫`,
    }),
    taskRow({ id: 't_5', status: 'done', createdAt: '2026-03-07T11:25:00Z', updatedAt: '2026-03-07T11:25:31Z', name: null }),
    taskRow({
      id: 't_4',
      status: 'done',
      createdAt: '2026-03-07T11:24:40Z',
      updatedAt: '2026-03-07T11:25:02Z',
      name: '格纹半裙.jpg',
      resultCount: 0,
      resultsExpired: true,
      files: [`${RESULT_ROOT}/2026-03-07/格纹半裙/格纹半裙_白底.jpg`],
      outputDir: `${RESULT_ROOT}/2026-03-07/格纹半裙`,
    }),
  ];
  const more = [
    taskRow({
      id: 't_3',
      status: 'failed',
      createdAt: '2026-03-06T09:00:00Z',
      updatedAt: '2026-03-06T09:01:00Z',
      name: '旧款.jpg',
      resultCount: 0,
      errorReason: '处理超时，次数已退回',
    }),
  ];

  function listTasks(filter: TaskFilter): TaskPage {
    const matching = [...rows, ...more].filter(
      (r) => (!filter.status || r.status === filter.status) && (!filter.type || r.type === filter.type),
    );
    const start = filter.cursor ? Number(filter.cursor) : 0;
    const end = start + rows.length;
    return { items: matching.slice(start, end), nextCursor: end < matching.length ? String(end) : null };
  }

  it('history: filters, pages, a detail panel with the files, 打开文件夹 and 重新下载', async () => {
    const { page, bridge } = await open(appState(), {
      listTasks,
      redownload: (id) => ({ files: id === 't_5' ? [`${DAY_DIR}/t5/t5_白底.jpg`] : [] }),
    });
    await page.getByTestId('tab-history').click();
    await expect.poll(() => page.getByTestId('history-row').count()).toBe(6);
    expect(bridge.argsOf('listTasks')[0]).toEqual([{}]);
    const cells = await page.getByTestId('history-row').nth(4).locator('td').allTextContents();
    expect(cells).toEqual(['2026-03-07 19:25', '—', '基础修图（白底主图）', '已完成', '1 张']);

    await page.getByTestId('history-more').click();
    await expect.poll(() => page.getByTestId('history-row').count()).toBe(7);
    expect(bridge.argsOf('listTasks')[1]).toEqual([{ cursor: '6' }]);
    expect(await page.getByTestId('history-more').count()).toBe(0);

    await page.getByTestId('history-row').nth(2).click();
    const detail = page.getByTestId('history-detail');
    expect(await text(detail.getByTestId('history-error'))).toBe('失败原因：没有识别到衣服，请换一张正面平铺的照片');
    expect(await text(detail)).toContain('场景影棚');
    expect(await text(detail)).toContain('品类外套');
    expect(await detail.getByTestId('redownload').count()).toBe(0);

    await page.getByTestId('history-row').nth(1).click();
    // one thumbnail slot per file at once; the images arrive as each thumbnail is read
    expect(await detail.locator('.detail__thumbs .thumb').count()).toBe(12);
    await expect.poll(() => detail.locator('.detail__thumbs img').count()).toBe(12);
    expect(await text(detail.getByTestId('retention-note'))).toBe('结果在服务器上保留 30 天（从完成时算起），请及时下载保存');
    await detail.getByTestId('open-folder').click();
    expect(await calls(bridge, 'openFolder')).toEqual([[modelDir]]);
    await shoot(page, 'history');

    await page.getByTestId('history-row').nth(4).click();
    expect(await detail.getByTestId('open-folder').count()).toBe(0);
    await detail.getByTestId('redownload').click();
    expect(await calls(bridge, 'redownload')).toEqual([['t_5']]);
    await expect.poll(() => text(page.getByTestId('toast'))).toBe('已重新下载 1 个文件');
    expect(await detail.getByTestId('open-folder').count()).toBe(0);

    // past the server's retention: no 重新下载, the local files are still there
    expect((await page.getByTestId('history-row').nth(5).locator('td').allTextContents()).at(-1)).toBe('已过期');
    await page.getByTestId('history-row').nth(5).click();
    expect(await detail.getByTestId('redownload').count()).toBe(0);
    expect(await detail.getByTestId('open-folder').count()).toBe(1);
    expect(await text(detail.getByTestId('retention-note'))).toBe(
      '服务器上的结果已超过保留期（30 天）并已删除，无法重新下载；本机已保存的文件不受影响',
    );

    await page.getByTestId('history-status-failed').click();
    await expect.poll(() => page.getByTestId('history-row').count()).toBe(2);
    expect(bridge.argsOf('listTasks').at(-1)).toEqual([{ status: 'failed' }]);
    expect(await page.getByTestId('history-detail').count()).toBe(0);
    await page.getByTestId('history-type').selectOption('model_pose12');
    await expect.poll(() => page.getByTestId('history-row').count()).toBe(1);
    expect(bridge.argsOf('listTasks').at(-1)).toEqual([{ status: 'failed', type: 'model_pose12' }]);
    await page.getByTestId('history-refresh').click();
    await calls(bridge, 'listTasks', 5);
  });

  it('history reloads by itself when the app’s tasks are created or end, unless the merchant paged further', async () => {
    const running = item({ id: 'i1', name: '新款.jpg', stage: 'processing', taskId: 't_10' });
    const { page, bridge } = await open(appState({ batches: [batch({ id: 'b1', items: [running] })] }), { listTasks });
    await page.getByTestId('tab-history').click();
    await calls(bridge, 'listTasks', 1);
    // progress alone changes nothing; the task ending does
    await pushState(page, appState({ batches: [batch({ id: 'b1', items: [{ ...running, stage: 'downloading' }] })] }));
    await pushState(page, appState({ batches: [batch({ id: 'b1', items: [{ ...running, stage: 'done' }] })] }));
    await expect.poll(() => bridge.argsOf('listTasks').length, { timeout: 5000 }).toBe(2); // throttled: 1.5 s
    expect(bridge.argsOf('listTasks')[1]).toEqual([{}]); // the first page, the same filter
    await new Promise((r) => setTimeout(r, 2000));
    expect(bridge.argsOf('listTasks')).toHaveLength(2); // once per change, not on a timer

    await page.getByTestId('history-more').click();
    await calls(bridge, 'listTasks', 3);
    const more = item({ id: 'i2', name: '新款2.jpg', stage: 'done', taskId: 't_11' });
    await pushState(page, appState({ batches: [batch({ id: 'b1', items: [{ ...running, stage: 'done' }, more] })] }));
    await new Promise((r) => setTimeout(r, 2000));
    expect(bridge.argsOf('listTasks')).toHaveLength(3); // the merchant's pages stay until 刷新
    expect(await page.getByTestId('history-row').count()).toBe(7);
  });
});

describe('settings', () => {
  it('settings: the result folder, 更改, and the folder layout', async () => {
    const { page, bridge } = await open(appState());
    await page.getByTestId('tab-settings').click();
    expect(await text(page.getByTestId('settings-root'))).toBe(RESULT_ROOT);
    const layout = await text(page.getByTestId('folder-layout'));
    for (const part of ['<根目录>', '<日期>', '<文件名>', '<文件名>_白底.jpg', '<文件名>_pose01.jpg … _pose12.jpg'])
      expect(layout).toContain(part);
    await shoot(page, 'settings');
    await page.getByTestId('choose-root').click();
    await calls(bridge, 'chooseResultRoot');
    await pushState(page, appState({ settings: { ...appState().settings, resultRoot: 'D:\\商品图\\AI照' } }));
    expect(await text(page.getByTestId('settings-root'))).toBe('D:\\商品图\\AI照');
  });
});
