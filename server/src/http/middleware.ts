/** Request ids, validation, the one error shape, 404s. */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ERROR_CODES, type ErrorBody } from '@aizhao/shared';
import type { z } from 'zod';
import { isDbUnavailable } from '../db/index.js';
import { AppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    userId?: string;
  }
}

export const requestId: RequestHandler = (req, res, next) => {
  const incoming = req.get('x-request-id');
  req.id = incoming && /^[\w-]{8,64}$/.test(incoming) ? incoming : randomUUID();
  res.setHeader('X-Request-Id', req.id);
  next();
};

/** Parses `req[part]` with a zod schema or throws 400 INVALID_INPUT with details. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new AppError(
      'INVALID_INPUT',
      undefined,
      r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  return r.data;
}

/** Wraps an async route so that thrown errors reach the error middleware (Express 5 does this; kept explicit). */
export const route =
  (fn: (req: Request, res: Response) => Promise<unknown> | unknown): RequestHandler =>
  async (req, res, next) => {
    try {
      await fn(req, res);
    } catch (err) {
      next(err);
    }
  };

export function sendError(res: Response, req: Request, err: AppError): void {
  const body: ErrorBody = { error: { code: err.code, message: err.message, requestId: req.id } };
  if (err.details?.length) body.error.details = err.details;
  res.status(err.status).json(body);
}

export const notFound: RequestHandler = (req, _res, next) => next(new AppError('NOT_FOUND', '接口不存在'));

export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    let appErr: AppError;
    if (err instanceof AppError) appErr = err;
    else if ((err as { type?: string })?.type === 'entity.parse.failed') appErr = new AppError('INVALID_INPUT', '请求体不是有效的 JSON');
    else if ((err as { type?: string })?.type === 'entity.too.large') appErr = new AppError('INVALID_INPUT', '请求体过大');
    else if (isDbUnavailable(err)) {
      logger.warn({ err, requestId: req.id, path: req.path }, 'database unavailable');
      appErr = new AppError('SERVICE_UNAVAILABLE', '服务暂时不可用，请稍后再试');
    } else {
      logger.error({ err, requestId: req.id, path: req.path }, 'unhandled error');
      appErr = new AppError('INTERNAL', ERROR_CODES.INTERNAL.message);
    }
    if (res.headersSent) return;
    sendError(res, req, appErr);
  };
}
