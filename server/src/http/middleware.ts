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

/**
 * What the client got wrong, as body-parser and the router report it (their `type`, or a 4xx `status` with no type:
 * a path parameter that is not valid percent-encoding), in the contract's error shape. Anything else is ours: 500.
 */
function clientError(err: unknown): AppError | null {
  const e = err as { type?: string; status?: number; statusCode?: number } | null;
  switch (e?.type) {
    case 'entity.parse.failed':
      return new AppError('INVALID_INPUT', '请求体不是有效的 JSON');
    case 'entity.too.large':
      return new AppError('PAYLOAD_TOO_LARGE');
    case 'encoding.unsupported':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', '不支持的请求体编码（Content-Encoding）');
    case 'charset.unsupported':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', '不支持的请求体字符集');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new AppError('INVALID_INPUT', '请求体不完整');
  }
  const status = e?.status ?? e?.statusCode;
  if (err instanceof URIError || (status === 400 && !e?.type)) return new AppError('INVALID_INPUT', '请求地址编码有误');
  if (typeof status === 'number' && status >= 400 && status < 500) return new AppError('INVALID_INPUT');
  return null;
}

export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    let appErr: AppError | null;
    if (err instanceof AppError) appErr = err;
    else if ((appErr = clientError(err))) logger.info({ requestId: req.id, path: req.path, err: String(err) }, 'bad request');
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
