import { Router } from 'express';
import {
  CATEGORIES,
  CATEGORY_LABELS,
  INPUT_MIME_TYPES,
  SCENES,
  SCENE_LABELS,
  TASK_TYPES,
  TASK_TYPE_LABELS,
  type ClientConfig,
} from '@aizhao/shared';
import type { AppContext } from '../../context.js';
import { route } from '../../http/middleware.js';
import { basePlanTerms } from '../plans/service.js';

export const VERSION = '0.1.0';

export function publicRoutes(ctx: AppContext): Router {
  const r = Router();
  r.get(
    '/healthz',
    route(async (_req, res) => {
      const up = await ctx.db.ping();
      if (!up) return void res.status(503).json({ ok: false, db: 'down' });
      res.json({ ok: true, db: 'up', sandbox: ctx.config.sandbox, version: VERSION });
    }),
  );
  r.get(
    '/client-config',
    route(async (_req, res) => {
      const { config, vendors } = ctx;
      const body: ClientConfig = {
        sandbox: config.sandbox,
        cos: { bucket: vendors.storage.bucket, region: vendors.storage.region, ...vendors.cosEndpoint },
        plan: await basePlanTerms(ctx),
        taskTypes: TASK_TYPES.map((type) => ({ type, cost: config.taskCost[type], label: TASK_TYPE_LABELS[type] })),
        scenes: SCENES.map((id) => ({ id, label: SCENE_LABELS[id] })),
        categories: CATEGORIES.map((id) => ({ id, label: CATEGORY_LABELS[id] })),
        upload: { maxBytes: config.upload.maxBytes, accept: [...INPUT_MIME_TYPES] },
        resultRetentionDays: config.resultRetentionDays,
        paymentChannels: config.paymentChannels,
        ...(config.client.minVersion ? { minClientVersion: config.client.minVersion } : {}),
        ...(config.client.helpUrl ? { helpUrl: config.client.helpUrl } : {}),
      };
      res.json(body);
    }),
  );
  return r;
}
