/**
 * The terms and privacy policy (public, so that they can be read before logging in) and the merchant's acceptance:
 * `GET /me/consent` says which versions apply and what this user accepted last; `POST /me/consent` records an
 * acceptance of the current versions (an outdated version is refused, so nobody "accepts" a text they were not shown).
 */
import { Router } from 'express';
import { LEGAL_KINDS, consentRequest, type ConsentStatus, type LegalKind } from '@aizhao/shared';
import type { AppContext } from '../../context.js';
import { parse, route } from '../../http/middleware.js';
import { AppError } from '../../lib/errors.js';
import { requireUser } from '../auth/middleware.js';
import { LEGAL_DOCUMENTS } from './documents.js';

async function status(ctx: AppContext, userId: string): Promise<ConsentStatus> {
  const last = await ctx.db.models.Consent.findOne({
    where: { userId },
    order: [
      ['acceptedAt', 'DESC'],
      ['id', 'DESC'],
    ],
  });
  const { terms, privacy } = LEGAL_DOCUMENTS;
  return {
    terms: { title: terms.title, version: terms.version },
    privacy: { title: privacy.title, version: privacy.version },
    accepted: last
      ? { termsVersion: last.termsVersion, privacyVersion: last.privacyVersion, acceptedAt: last.acceptedAt.toISOString() }
      : null,
  };
}

/** `GET /legal/terms`, `GET /legal/privacy`: public. */
export function legalRoutes(): Router {
  const r = Router();
  for (const kind of LEGAL_KINDS) r.get(`/legal/${kind}`, (_req, res) => void res.json(LEGAL_DOCUMENTS[kind as LegalKind]));
  return r;
}

/** `GET /me/consent`, `POST /me/consent`. */
export function consentRoutes(ctx: AppContext): Router {
  const r = Router();
  r.get(
    '/me/consent',
    requireUser(ctx),
    route(async (req, res) => {
      res.json(await status(ctx, req.userId!));
    }),
  );
  r.post(
    '/me/consent',
    requireUser(ctx),
    route(async (req, res) => {
      const body = parse(consentRequest, req.body);
      if (body.termsVersion !== LEGAL_DOCUMENTS.terms.version || body.privacyVersion !== LEGAL_DOCUMENTS.privacy.version)
        throw new AppError('CONSENT_OUTDATED');
      await ctx.db.models.Consent.create({
        userId: req.userId!,
        termsVersion: body.termsVersion,
        privacyVersion: body.privacyVersion,
        ip: req.ip?.slice(0, 64) ?? null,
        acceptedAt: ctx.now(),
      });
      res.json(await status(ctx, req.userId!));
    }),
  );
  return r;
}
