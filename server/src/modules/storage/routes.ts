import { Router } from 'express';
import { stsRequest, type StsResponse } from '@aizhao/shared';
import type { AppContext } from '../../context.js';
import { parse, route } from '../../http/middleware.js';
import { AppError } from '../../lib/errors.js';
import { requireUser } from '../auth/middleware.js';
import { assertActiveMember } from '../quota/membership-row.js';
import { inputPrefix } from '../tasks/input.js';

export function storageRoutes(ctx: AppContext): Router {
  const r = Router();
  r.post(
    '/storage/sts',
    requireUser(ctx),
    route(async (req, res) => {
      parse(stsRequest, req.body ?? {});
      await assertActiveMember(ctx.db, req.userId!, ctx.now());
      const allowPrefix = inputPrefix(req.userId!);
      let creds;
      try {
        creds = await ctx.vendors.sts.issue({ allowPrefix, durationSeconds: ctx.config.stsDurationSeconds, maxBytes: ctx.config.upload.maxBytes });
      } catch (err) {
        ctx.logger.error({ err }, 'sts issue failed');
        throw new AppError('SERVICE_UNAVAILABLE', '上传服务暂时不可用，请稍后再试');
      }
      const body: StsResponse = {
        ...creds,
        bucket: ctx.vendors.storage.bucket,
        region: ctx.vendors.storage.region,
        allowPrefix,
      };
      res.json(body);
    }),
  );
  return r;
}
