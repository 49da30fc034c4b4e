/**
 * Argument schemas of every IPC call, checked in main before a service runs: the renderer is treated as untrusted.
 */
import { CATEGORIES, MODELS, SCENES, TASK_STATUSES, TASK_TYPES } from '@aizhao/shared';
import { z } from 'zod';
import { MARKET_PRESET_IDS, MAX_PATHS_PER_CALL, MAX_REDO_ITEMS, POSE_ASPECTS, type InvokeChannel } from '../shared/contract.js';

const path = z.string().min(1).max(4096);
const none = z.tuple([]);
const id = z.string().min(1).max(64);
const side = z.number().int().min(100).max(4000);
const preset = z.discriminatedUnion('id', [
  z.object({ id: z.enum(MARKET_PRESET_IDS) }).strict(),
  z
    .object({
      id: z.literal('custom'),
      width: side,
      height: side,
      fill: z.number().min(0.3).max(0.98),
      background: z.union([z.literal('transparent'), z.string().regex(/^#[0-9a-fA-F]{6}$/)]),
      format: z.enum(['jpeg', 'png']),
    })
    .strict(),
  z.object({ id: z.literal('pose'), aspect: z.enum(POSE_ASPECTS), width: side }).strict(),
]);
const presets = z.array(preset).min(1).max(12);
const params = z
  .object({ scene: z.enum(SCENES).optional(), category: z.enum(CATEGORIES).optional(), model: z.enum(MODELS).optional() })
  .strict();
const watchedFolder = z
  .object({
    type: z.enum(TASK_TYPES),
    params,
    presets: z.array(preset).max(12),
    dailyLimit: z.number().int().min(1).max(100_000),
  })
  .strict();

export const ipcArgs = {
  getState: none,
  getSnapshot: none,
  sendCode: z.tuple([z.string().max(32)]),
  login: z.tuple([z.string().max(32), z.string().max(16)]),
  logout: none,
  refreshMembership: none,
  startPurchase: z.tuple([z.number().int().min(1).max(1_000_000).optional()]),
  choosePayment: z.tuple([
    z.object({ channel: z.enum(['wx', 'alipay']).optional(), planId: z.string().min(1).max(32).optional() }).strict(),
  ]),
  simulatePayment: none,
  closePurchase: none,
  addFiles: z.tuple([z.array(path).max(MAX_PATHS_PER_CALL)]),
  pickFiles: none,
  removeDraftFile: z.tuple([path]),
  clearDraft: none,
  startBatch: z.tuple([
    z
      .object({
        type: z.enum(TASK_TYPES),
        params,
        name: z.string().max(60).optional(),
        presets: z.array(preset).max(12).optional(),
        flat: z.boolean().optional(),
        limit: z.number().int().min(1).max(100_000).optional(),
      })
      .strict(),
  ]),
  retryItem: z.tuple([id]),
  pauseBatch: z.tuple([id]),
  resumeBatch: z.tuple([id]),
  cancelBatch: z.tuple([id]),
  removeItem: z.tuple([id]),
  clearFinishedBatches: none,
  redoItems: z.tuple([z.array(id).min(1).max(MAX_REDO_ITEMS)]),
  listTasks: z.tuple([
    z
      .object({ status: z.enum(TASK_STATUSES).optional(), type: z.enum(TASK_TYPES).optional(), cursor: z.string().max(200).optional() })
      .strict(),
  ]),
  redownload: z.tuple([z.string().regex(/^[0-9A-Za-z_-]{1,32}$/)]),
  openFolder: z.tuple([path]),
  revealFile: z.tuple([path]),
  chooseResultRoot: none,
  thumbnail: z.tuple([path, z.enum(['thumb', 'grid', 'detail']).optional()]),
  checkForUpdates: none,
  installUpdate: none,
  legalText: z.tuple([z.enum(['terms', 'privacy'])]),
  acceptConsent: none,
  listExportPresets: none,
  exportItems: z.tuple([
    z
      .object({ itemIds: z.array(id).min(1).max(5000), presets, flat: z.boolean().optional(), contactSheet: z.boolean().optional() })
      .strict(),
  ]),
  exportResult: z.tuple([z.object({ itemId: id, file: path.optional(), preset }).strict()]),
  setExportDefaults: z.tuple([z.object({ presets: z.array(preset).max(12), flat: z.boolean() }).strict()]),
  setReprocess: z.tuple([path, z.boolean()]),
  addWatchedFolder: z.tuple([watchedFolder]),
  updateWatchedFolder: z.tuple([id, watchedFolder.partial().extend({ paused: z.boolean().optional() }).strict()]),
  removeWatchedFolder: z.tuple([id]),
} satisfies Record<InvokeChannel, z.ZodTuple>;
