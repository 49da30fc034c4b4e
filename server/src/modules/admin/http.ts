/** Small request helpers shared by the admin routes. */
import type { Request } from 'express';
import { idSchema } from '@aizhao/shared';
import { AppError } from '../../lib/errors.js';
import type { Actor } from './audit/service.js';

/** The query string with empty parameters dropped (`?phone=&cursor=` means "not given"). */
export const queryOf = (req: Request): Record<string, unknown> =>
  Object.fromEntries(Object.entries(req.query).filter(([, v]) => v !== '' && v !== undefined));

/** A body that may be absent (POST without JSON). */
export const bodyOf = (req: Request): unknown => req.body ?? {};

export const actorOf = (req: Request): Actor => ({ adminId: req.admin!.id, username: req.admin!.username });

/** A path id of the right shape, else 404 (an id that cannot exist is reported like a missing one). */
export function pathId(req: Request, message: string): string {
  const r = idSchema.safeParse(req.params.id);
  if (!r.success) throw new AppError('NOT_FOUND', message);
  return r.data;
}
