/** Shared answer helpers for the emulator's handlers. */
import type { Response } from 'express';
import type { CosRequest } from './request.js';
import type { CosObjectStore } from './object-store.js';

export interface HandlerContext {
  r: CosRequest;
  res: Response;
  store: CosObjectStore;
  bucket: string;
  region: string;
  /** `<bucket>.cos.<region>.myqcloud.com/<key>`, as COS reports a Location */
  location(key: string): string;
}

export function sendXml(res: Response, status: number, xml: string): void {
  res.status(status).type('application/xml').send(xml);
}
