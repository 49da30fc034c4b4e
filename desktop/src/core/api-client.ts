/** The HTTP client of the AI照 API (docs/api.md), typed and checked by the shared zod schemas. */
import {
  clientConfigResponse,
  consentStatusResponse,
  legalDocResponse,
  type ConsentRequest,
  createTaskResponse,
  listTasksResponse,
  loginResponse,
  meResponse,
  membershipStatusResponse,
  orderResponse,
  purchaseResponse,
  plansResponse,
  type PaymentChannelId,
  smsCodeResponse,
  stsResponse,
  taskResponse,
  type CreateTaskRequest,
  type TaskStatus,
  type TaskType,
} from '@aizhao/shared';
import { z } from 'zod';
import { DesktopError, networkError } from './errors.js';

export interface ApiClientOptions {
  baseUrl: string;
  /** the current login token, or null */
  token: () => string | null;
  /** called when the server says the token is no longer valid */
  onUnauthenticated?: () => void;
  /** per-request timeout */
  timeoutMs?: number;
  /**
   * The HTTP stack: Electron's `net.fetch` in the app (Chromium's networking: the system/PAC proxy and the OS
   * certificate store), Node's `fetch` in tests.
   */
  fetch?: typeof fetch;
  /** this app's version, sent as `X-Client-Version` so that the server can require a newer one */
  clientVersion?: string;
  /** called when the server refuses this version (426 UPGRADE_REQUIRED) */
  onUpgradeRequired?: (minVersion: string | null) => void;
}

const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) });
const upgradeDetails = z.tuple([z.object({ minClientVersion: z.string() }).loose()]).rest(z.unknown());

export type ApiClient = ReturnType<typeof createApiClient>;

export function createApiClient(o: ApiClientOptions) {
  const base = o.baseUrl.replace(/\/+$/, '');
  const timeoutMs = o.timeoutMs ?? 20_000;
  // looked up at each call: Node's global fetch by default (tests wrap it)
  const send: typeof fetch = (input, init) => (o.fetch ?? globalThis.fetch)(input, init);

  async function request<S extends z.ZodType>(method: 'GET' | 'POST', path: string, schema: S, body?: unknown): Promise<z.infer<S>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = o.token();
    if (token) headers.authorization = `Bearer ${token}`;
    if (o.clientVersion) headers['x-client-version'] = o.clientVersion;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await send(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      throw networkError(e);
    }
    const text = await res.text().catch(() => '');
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: handled below */
    }
    if (!res.ok) {
      const parsed = errorBody.safeParse(json);
      if (parsed.success && parsed.data.error.code === 'UNAUTHENTICATED' && token) o.onUnauthenticated?.();
      if (res.status === 426 || (parsed.success && parsed.data.error.code === 'UPGRADE_REQUIRED')) {
        const details = upgradeDetails.safeParse(parsed.data?.error.details);
        o.onUpgradeRequired?.(details.success ? details.data[0].minClientVersion : null);
      }
      if (parsed.success) throw new DesktopError(parsed.data.error.code, parsed.data.error.message, res.status);
      throw new DesktopError(
        res.status >= 500 ? 'SERVICE_UNAVAILABLE' : 'HTTP_ERROR',
        `服务器暂时不可用（${res.status}），请稍后重试`,
        res.status,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new DesktopError('BAD_RESPONSE', '服务器返回了无法识别的数据，请升级应用或稍后重试', res.status);
    return parsed.data;
  }

  return {
    clientConfig: () => request('GET', '/client-config', clientConfigResponse),
    sendSmsCode: (phone: string) => request('POST', '/auth/sms-code', smsCodeResponse, { phone }),
    login: (phone: string, code: string) => request('POST', '/auth/login', loginResponse, { phone, code }),
    me: () => request('GET', '/me', meResponse),
    consent: () => request('GET', '/me/consent', consentStatusResponse),
    acceptConsent: (body: ConsentRequest) => request('POST', '/me/consent', consentStatusResponse, body),
    legal: (kind: 'terms' | 'privacy') => request('GET', `/legal/${kind}`, legalDocResponse),
    membership: () => request('GET', '/membership/status', membershipStatusResponse),
    purchase: (channel: PaymentChannelId = 'wx', planId?: string) =>
      request('POST', '/membership/purchase', purchaseResponse, { channel, ...(planId ? { planId } : {}) }),
    plans: () => request('GET', '/plans', plansResponse),
    order: (orderId: string) => request('GET', `/membership/orders/${encodeURIComponent(orderId)}`, orderResponse),
    sts: () => request('POST', '/storage/sts', stsResponse, {}),
    createTask: (body: CreateTaskRequest) => request('POST', '/task/create', createTaskResponse, body),
    task: (taskId: string) => request('GET', `/task/${encodeURIComponent(taskId)}`, taskResponse),
    listTasks: (q: { status?: TaskStatus; type?: TaskType; cursor?: string; limit?: number; ids?: string[] }) => {
      const params = new URLSearchParams();
      if (q.status) params.set('status', q.status);
      if (q.type) params.set('type', q.type);
      if (q.cursor) params.set('cursor', q.cursor);
      if (q.limit) params.set('limit', String(q.limit));
      if (q.ids) params.set('ids', q.ids.join(','));
      const qs = params.toString();
      return request('GET', `/tasks${qs ? `?${qs}` : ''}`, listTasksResponse);
    },
    /** sandbox only: the codes the sandbox "sent" to a phone, newest first */
    sandboxOutbox: (phone: string) =>
      request(
        'GET',
        `/sandbox/sms/outbox?phone=${encodeURIComponent(phone)}`,
        z.object({ messages: z.array(z.object({ code: z.string() })) }),
      ),
    /** sandbox only: the emulated payer pays the order */
    sandboxPay: (orderId: string, channel: PaymentChannelId = 'wx') =>
      request(
        'POST',
        `/sandbox/${channel === 'alipay' ? 'alipay' : 'wxpay'}/orders/${encodeURIComponent(orderId)}/pay`,
        z.object({ delivered: z.boolean() }).loose(),
      ),
  };
}
