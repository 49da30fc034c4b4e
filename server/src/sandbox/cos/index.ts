/**
 * Sandbox emulator of the Tencent COS XML API (one bucket) plus the CI operations the server uses, as an
 * Express router mounted at `/sandbox/cos`. The real cos-nodejs-sdk-v5 client talks to it when given the
 * `Domain`/`Protocol` of `sandboxCosEndpoint()`. State lives under `<dataDir>/sandbox/cos/` and survives restarts.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { UploadPolicy } from '../../vendors/cos/upload-policy.js';
import type { TemporaryCredentials } from '../../vendors/types.js';
import { JsonStore } from '../json-store.js';
import type { SandboxSecrets } from '../secrets.js';
import { authenticate, authorize } from './access.js';
import { checkAuditBehaviour, handleAudit, handleImageProcess, type AuditBehaviour } from './ci-handlers.js';
import { CosError, accessDenied } from './errors.js';
import { handleObjectOperation } from './object-handlers.js';
import { CosObjectStore } from './object-store.js';
import { classify } from './operations.js';
import { parseCosRequest } from './request.js';
import { sendXml, type HandlerContext } from './respond.js';
import { TempKeyStore } from './temp-keys.js';
import { errorXml } from './xml.js';

export type { AuditBehaviour, AuditMode } from './ci-handlers.js';
export { AUDIT_BANDS, AUDIT_MODES } from './ci-handlers.js';

/** Where the lead mounts the router on the main server. */
export const SANDBOX_COS_MOUNT = '/sandbox/cos';
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface CosEmulator {
  router: express.Router;
  readonly bucket: string;
  readonly region: string;
  /** The sandbox STS: a temporary key that may do what `policy` allows (vendors/cos/upload-policy.ts), until it expires. */
  issueTemporaryKey(o: { policy: UploadPolicy; durationSeconds: number }): TemporaryCredentials;
  /** what the audit answers from now on (throws when the score is outside the mode's band) */
  setAuditBehaviour(b: AuditBehaviour): void;
  setAuditMode(mode: AuditBehaviour['mode']): void;
  readonly auditMode: AuditBehaviour['mode'];
  /** closes what the emulator holds open */
  stop(): void;
}

/**
 * The cos-nodejs-sdk-v5 `Domain`/`Protocol` that address the emulator mounted at `/sandbox/cos` of the server
 * reachable at `publicBaseUrl` (e.g. `http://127.0.0.1:8787`). The SDK then sends `<base>/sandbox/cos/<key>` and
 * signs the path `/<key>`, which is the router-relative path the emulator verifies.
 */
export function sandboxCosEndpoint(publicBaseUrl: string): { domain: string; protocol: 'http:' | 'https:' } {
  const url = new URL(publicBaseUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`not an http(s) URL: ${publicBaseUrl}`);
  const path = url.pathname.replace(/\/+$/, '');
  return { domain: `${url.host}${path}${SANDBOX_COS_MOUNT}`, protocol: url.protocol };
}

// randomUUID draws from a buffered pool (Node crypto docs); randomBytes per request costs a call into OpenSSL each time
const newRequestId = (): string => randomUUID();

export function createCosEmulator(opts: { dataDir: string; secrets: SandboxSecrets['cos']; now?: () => number }): CosEmulator {
  const now = opts.now ?? Date.now;
  const { bucket, region } = opts.secrets;
  const appId = bucket.slice(bucket.lastIndexOf('-') + 1);
  const root = join(opts.dataDir, 'sandbox', 'cos');
  const store = new CosObjectStore(root, now);
  const tempKeys = new TempKeyStore(root, now);
  const state = new JsonStore<{ auditMode: AuditBehaviour['mode']; auditScore?: number }>(join(root, 'state.json'), () => ({
    auditMode: 'pass',
  }));
  const access = {
    secretId: opts.secrets.secretId,
    secretKey: opts.secrets.secretKey,
    tempKeys,
    nowSeconds: () => Math.floor(now() / 1000),
  };

  const sendError = (req: Request, res: Response, err: CosError): void => {
    const requestId = String(res.getHeader('x-cos-request-id'));
    if (req.method === 'HEAD') {
      res.status(err.status).end();
      return;
    }
    sendXml(res, err.status, errorXml(err.code, err.message, requestId, `${bucket}.cos.${region}.myqcloud.com${req.url}`));
  };

  const router = express.Router();
  router.use((_req: Request, res: Response, next: NextFunction) => {
    res.set({ 'x-cos-request-id': newRequestId(), Date: new Date(now()).toUTCString(), Server: 'tencent-cos' });
    next();
  });
  router.use(express.raw({ type: () => true, limit: MAX_BODY_BYTES }));
  router.use(async (req: Request, res: Response) => {
    try {
      const r = parseCosRequest(req);
      const principal = authenticate(r, access);
      const op = classify(r);
      authorize(principal, op, r, (key) => `qcs::cos:${region}:uid/${appId}:${bucket}/${key}`);
      const ctx: HandlerContext = {
        r,
        res,
        store,
        bucket,
        region,
        location: (key) => `${bucket}.cos.${region}.myqcloud.com/${key}`,
      };
      if (op === 'name/ci:ImageProcess' || op === 'name/ci:SensitiveContentRecognition') {
        if (principal.kind !== 'permanent') throw accessDenied();
        if (op === 'name/ci:ImageProcess') await handleImageProcess(ctx);
        else handleAudit(ctx, { mode: state.value.auditMode, score: state.value.auditScore });
        return;
      }
      handleObjectOperation(op, ctx);
    } catch (err) {
      if (err instanceof CosError) return sendError(req, res, err);
      sendError(req, res, new CosError(500, 'InternalError', `We encountered an internal error: ${(err as Error).message}`));
    }
  });
  // Body-parser failures (too large, aborted) arrive here.
  router.use((err: Error & { status?: number; type?: string }, req: Request, res: Response, _next: NextFunction) => {
    const tooLarge = err.type === 'entity.too.large';
    sendError(
      req,
      res,
      tooLarge
        ? new CosError(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed object size.')
        : new CosError(400, 'IncompleteBody', err.message),
    );
  });

  return {
    router,
    bucket,
    region,
    issueTemporaryKey: (o) => tempKeys.issue(o),
    setAuditBehaviour(b) {
      checkAuditBehaviour(b);
      state.update((s) => {
        s.auditMode = b.mode;
        if (b.score === undefined) delete s.auditScore;
        else s.auditScore = b.score;
      });
    },
    setAuditMode(mode) {
      this.setAuditBehaviour({ mode });
    },
    get auditMode() {
      return state.value.auditMode;
    },
    stop: () => tempKeys.close(),
  };
}
