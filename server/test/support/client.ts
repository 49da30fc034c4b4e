/** A small HTTP client for the contract, and the merchant's steps (login, buy, upload, wait) used by many tests. */
import COS from 'cos-nodejs-sdk-v5';
import sharp from 'sharp';
import { randomBytes } from 'node:crypto';
import type { ClientConfig, StsResponse, Task } from '@aizhao/shared';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function call<T = any>(
  base: string,
  method: string,
  path: string,
  opts: { body?: unknown; token?: string; headers?: Record<string, string>; raw?: string } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let payload: string | undefined = opts.raw;
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(opts.body);
  }
  return readResponse<T>(await fetch(`${base}${path}`, { method, headers, body: payload }));
}

/** Status, headers and the body (parsed when it is JSON) of a fetch response. */
export async function readResponse<T = any>(res: Response): Promise<ApiResponse<T>> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: body as T, headers: res.headers };
}

let phoneCounter = 0;
/** A unique valid mainland phone number per call. */
export const newPhone = (): string => `139${String(process.pid % 1000).padStart(3, '0')}${String(++phoneCounter).padStart(5, '0')}`;

export async function login(base: string, phone = newPhone()): Promise<{ token: string; userId: string; phone: string }> {
  const sent = await call(base, 'POST', '/auth/sms-code', { body: { phone } });
  if (sent.status !== 200) throw new Error(`sms-code ${sent.status} ${JSON.stringify(sent.body)}`);
  const outbox = await call(base, 'GET', `/sandbox/sms/outbox?phone=${phone}`);
  const code = outbox.body.messages[0].code as string;
  const res = await call(base, 'POST', '/auth/login', { body: { phone, code } });
  if (res.status !== 200) throw new Error(`login ${res.status} ${JSON.stringify(res.body)}`);
  return { token: res.body.token, userId: res.body.user.id, phone };
}

/** Buys a membership with the sandbox payer; returns the order id. */
export async function buyMembership(base: string, token: string, channel: 'wx' | 'alipay' = 'wx'): Promise<string> {
  const p = await call(base, 'POST', '/membership/purchase', { token, body: { channel } });
  if (p.status !== 201 && p.status !== 200) throw new Error(`purchase ${p.status} ${JSON.stringify(p.body)}`);
  const paid = await call(base, 'POST', `/sandbox/${channel === 'alipay' ? 'alipay' : 'wxpay'}/orders/${p.body.orderId}/pay`);
  if (paid.status !== 200 || !paid.body.delivered) throw new Error(`pay ${paid.status} ${JSON.stringify(paid.body)}`);
  return p.body.orderId as string;
}

export async function loginAsMember(base: string): Promise<{ token: string; userId: string; phone: string }> {
  const who = await login(base);
  await buyMembership(base, who.token);
  return who;
}

/** A garment-like photo: a coloured shirt shape on a plain light background. */
export async function garmentJpeg(width = 1000, height = 1200, colour = '#2b5fb4'): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="#e9e9e6"/>
    <path d="M ${width * 0.3} ${height * 0.2} L ${width * 0.42} ${height * 0.15} Q ${width * 0.5} ${height * 0.2} ${width * 0.58} ${height * 0.15}
      L ${width * 0.7} ${height * 0.2} L ${width * 0.82} ${height * 0.35} L ${width * 0.72} ${height * 0.42} L ${width * 0.68} ${height * 0.36}
      L ${width * 0.68} ${height * 0.82} L ${width * 0.32} ${height * 0.82} L ${width * 0.32} ${height * 0.36} L ${width * 0.28} ${height * 0.42}
      L ${width * 0.18} ${height * 0.35} Z" fill="${colour}"/>
  </svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toBuffer();
}

export function cosClientFor(cfg: ClientConfig, sts: StsResponse): COS {
  return new COS({
    ChunkSize: 1024 * 1024,
    ...(cfg.cos.domain ? { Domain: cfg.cos.domain } : {}),
    ...(cfg.cos.protocol ? { Protocol: cfg.cos.protocol } : {}),
    getAuthorization: (_opts: unknown, cb: (p: COS.GetAuthorizationCallbackParams) => void) =>
      cb({
        TmpSecretId: sts.credentials.tmpSecretId,
        TmpSecretKey: sts.credentials.tmpSecretKey,
        SecurityToken: sts.credentials.sessionToken,
        StartTime: sts.startTime,
        ExpiredTime: sts.expiredTime,
      }),
  } as COS.COSOptions);
}

/** Uploads like the desktop app does: STS credentials from the server, cos-nodejs-sdk-v5 straight to COS. */
export async function uploadInput(
  base: string,
  token: string,
  body: Buffer,
  ext = 'jpg',
  name = randomBytes(8).toString('hex'),
): Promise<string> {
  const cfg = (await call<ClientConfig>(base, 'GET', '/client-config')).body;
  const sts = await call<StsResponse>(base, 'POST', '/storage/sts', { token, body: {} });
  if (sts.status !== 200) throw new Error(`sts ${sts.status} ${JSON.stringify(sts.body)}`);
  const key = `${sts.body.allowPrefix}${name}.${ext}`;
  const cos = cosClientFor(cfg, sts.body);
  await cos.putObject({
    Bucket: sts.body.bucket,
    Region: sts.body.region,
    Key: key,
    Body: body,
    ContentType: ext === 'png' ? 'image/png' : 'image/jpeg',
  });
  return key;
}

export async function waitForTask(base: string, token: string, id: string, timeoutMs = 30_000): Promise<Task> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await call<{ task: Task }>(base, 'GET', `/task/${id}`, { token });
    if (r.status !== 200) throw new Error(`task ${r.status} ${JSON.stringify(r.body)}`);
    if (r.body.task.status !== 'processing') return r.body.task;
    if (Date.now() > until) throw new Error(`task ${id} still processing (stage ${r.body.task.stage})`);
    await new Promise((res) => setTimeout(res, 150));
  }
}

export async function setRunningHub(
  base: string,
  mode: 'success' | 'fail' | 'hang',
  delayMs = 300,
  queueFullTimes?: number,
): Promise<void> {
  const r = await call(base, 'POST', '/sandbox/runninghub/behaviour', {
    body: { mode, delayMs, ...(queueFullTimes ? { queueFullTimes } : {}) },
  });
  if (r.status !== 200) throw new Error(`behaviour ${r.status}`);
}
