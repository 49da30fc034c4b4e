/**
 * Builders of `AppState` and its parts for renderer tests (unit tests and the screenshot harness). Values look like
 * what the server sends (the catalogue's labels, a ¥99 plan of 100 次 for 30 days); every builder takes overrides.
 */
import type {
  AppState,
  BatchView,
  ClientOptions,
  ItemView,
  LegalDocView,
  MembershipView,
  PaymentView,
  TaskRow,
  UpdateView,
} from '../../src/shared/contract.js';

export const PLAN = { priceFen: 9900, quota: 100, days: 30 };

export const clientOptions = (o: Partial<ClientOptions> = {}): ClientOptions => ({
  sandbox: false,
  plan: PLAN,
  taskTypes: [
    { type: 'basic_clean', cost: 1, label: '基础修图（白底主图）' },
    { type: 'model_pose12', cost: 3, label: 'AI模特12图' },
  ],
  scenes: [
    { id: 'street', label: '街拍' },
    { id: 'studio', label: '影棚' },
    { id: 'indoor', label: '室内' },
  ],
  categories: [
    { id: 'shoes', label: '鞋靴' },
    { id: 'dress', label: '连衣裙' },
    { id: 'hoodie', label: '卫衣' },
    { id: 'coat', label: '外套' },
  ],
  maxUploadBytes: 20 * 1024 * 1024,
  resultRetentionDays: 30,
  ...o,
});

const DAY = 86_400_000;

/** An active member with `quotaRemaining` left, expiring in 20 days unless overridden. */
export const membership = (o: Partial<MembershipView> = {}): MembershipView => ({
  isMember: true,
  quotaRemaining: 86,
  quotaExpireAt: new Date(Date.now() + 20 * DAY).toISOString(),
  plan: PLAN,
  ...o,
});

export const notMember = (): MembershipView => membership({ isMember: false, quotaRemaining: 0, quotaExpireAt: null });
export const expiredMember = (): MembershipView =>
  membership({ isMember: false, quotaRemaining: 0, quotaExpireAt: new Date(Date.now() - 2 * DAY).toISOString() });

export const payment = (o: Partial<PaymentView> = {}): PaymentView => ({
  status: 'waiting',
  orderId: 'ord_01',
  amountFen: PLAN.priceFen,
  expiresAt: new Date(Date.now() + 5 * 60_000).toISOString(),
  qrDataUrl: null,
  networkError: false,
  message: null,
  quotaAfter: null,
  channel: 'wx',
  channels: ['wx', 'alipay'],
  plans: [],
  planId: null,
  shortfall: null,
  ...o,
});

export const RESULT_ROOT = '/Users/shop/Pictures/AI照';

export const item = (o: Partial<ItemView> & Pick<ItemView, 'id' | 'name'>): ItemView => ({
  batchId: 'b1',
  path: `/Users/shop/Desktop/新款/${o.name}`,
  size: 2_400_000,
  stage: 'waiting',
  uploadedBytes: 0,
  taskId: null,
  errorReason: null,
  refunded: false,
  retryable: o.stage === 'failed',
  outputDir: `${RESULT_ROOT}/2026-03-08/${o.name.replace(/\.[^.]+$/, '')}`,
  files: [],
  removable: !o.taskId || o.stage === 'failed',
  keptAfterCancel: false,
  relPath: o.name,
  exports: [],
  ...o,
});

export const batch = (o: Partial<BatchView> & Pick<BatchView, 'id' | 'items'>): BatchView => ({
  createdAt: new Date().toISOString(),
  type: 'basic_clean',
  params: {},
  finished: o.items.filter((i) => i.stage === 'done' || i.stage === 'failed' || i.stage === 'cancelled').length,
  paused: false,
  cancelled: false,
  name: '新款',
  dir: `${RESULT_ROOT}/2026-03-08 新款`,
  presets: [{ id: 'taobao' }],
  flat: false,
  ...o,
});

export const taskRow = (o: Partial<TaskRow> & Pick<TaskRow, 'id'>): TaskRow => ({
  type: 'basic_clean',
  status: 'done',
  params: {},
  errorReason: null,
  createdAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
  resultCount: 1,
  resultsExpired: false,
  name: null,
  files: [],
  outputDir: null,
  ...o,
});

/** A logged-in member on a ready, online app with an empty draft, unless overridden. */
export const appState = (o: Partial<AppState> = {}): AppState => ({
  ready: true,
  offline: false,
  options: clientOptions(),
  user: { id: 'u_1', phone: '13812345678' },
  sessionPersisted: true,
  membership: membership(),
  payment: null,
  draft: { files: [], rejected: [] },
  batches: [],
  settings: { resultRoot: RESULT_ROOT, exportDefaults: { presets: [{ id: 'taobao' }], flat: false } },
  about: { version: '0.1.0', helpUrl: 'https://kf.qq.com/' },
  update: updateView(),
  consent: { required: false, terms: LEGAL.terms, privacy: LEGAL.privacy },
  ...o,
});

export const updateView = (o: Partial<UpdateView> = {}): UpdateView => ({
  status: 'latest',
  version: null,
  percent: null,
  required: false,
  minVersion: null,
  message: null,
  ...o,
});

export const LEGAL = {
  terms: { kind: 'terms', title: 'AI照用户协议', version: '2026-12-01' },
  privacy: { kind: 'privacy', title: 'AI照隐私政策', version: '2026-12-01' },
} as const satisfies Record<string, LegalDocView>;
