import { Router } from 'express';
import { loginRequest, smsCodeRequest } from '@aizhao/shared';
import type { AppContext } from '../../context.js';
import { parse, route } from '../../http/middleware.js';
import { getUserWithLapse } from '../quota/ledger.js';
import { requireUser } from './middleware.js';
import { login, sendLoginCode } from './service.js';
import { toUserView } from './views.js';

export function authRoutes(ctx: AppContext): Router {
  const r = Router();
  r.post(
    '/auth/sms-code',
    route(async (req, res) => {
      const body = parse(smsCodeRequest, req.body);
      res.json(await sendLoginCode(ctx, body.phone, req.ip ?? 'unknown'));
    }),
  );
  r.post(
    '/auth/login',
    route(async (req, res) => {
      const body = parse(loginRequest, req.body);
      res.json(await login(ctx, body.phone, body.code));
    }),
  );
  r.get(
    '/me',
    requireUser(ctx),
    route(async (req, res) => {
      const now = ctx.now();
      res.json({ user: toUserView(await getUserWithLapse(ctx.db, req.userId!, now), now) });
    }),
  );
  return r;
}
