/**
 * Argument schemas of every IPC call, checked in main before a service runs: the renderer is treated as untrusted.
 */
import { CATEGORIES, SCENES, TASK_STATUSES, TASK_TYPES } from '@aizhao/shared';
import { z } from 'zod';
import { MAX_PATHS_PER_CALL, type InvokeChannel } from '../shared/contract.js';

const path = z.string().min(1).max(4096);
const none = z.tuple([]);
const id = z.string().min(1).max(64);
const params = z.object({ scene: z.enum(SCENES).optional(), category: z.enum(CATEGORIES).optional() }).strict();
const watchedFolder = z
  .object({
    type: z.enum(TASK_TYPES),
    params,
    presets: z.array(z.string().min(1).max(64)).max(20),
    dailyLimit: z.number().int().min(1).max(100_000),
  })
  .strict();

export const ipcArgs = {
  getState: none,
  sendCode: z.tuple([z.string().max(32)]),
  login: z.tuple([z.string().max(32), z.string().max(16)]),
  logout: none,
  refreshMembership: none,
  startPurchase: none,
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
  listTasks: z.tuple([
    z
      .object({ status: z.enum(TASK_STATUSES).optional(), type: z.enum(TASK_TYPES).optional(), cursor: z.string().max(200).optional() })
      .strict(),
  ]),
  redownload: z.tuple([z.string().regex(/^[0-9A-Za-z_-]{1,32}$/)]),
  openFolder: z.tuple([path]),
  revealFile: z.tuple([path]),
  chooseResultRoot: none,
  thumbnail: z.tuple([path]),
  checkForUpdates: none,
  installUpdate: none,
  legalText: z.tuple([z.enum(['terms', 'privacy'])]),
  acceptConsent: none,
  setReprocess: z.tuple([path, z.boolean()]),
  addWatchedFolder: z.tuple([watchedFolder]),
  updateWatchedFolder: z.tuple([id, watchedFolder.partial().extend({ paused: z.boolean().optional() }).strict()]),
  removeWatchedFolder: z.tuple([id]),
} satisfies Record<InvokeChannel, z.ZodTuple>;
