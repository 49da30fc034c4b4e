/**
 * Admin test support: a server with a seeded admin (hash generated at test time), and a tiny browser-like client
 * that keeps the session cookie and the CSRF token itself.
 */
import { randomBytes } from 'node:crypto';
import { hashPassword } from '../../src/lib/password.js';
import { readResponse, type ApiResponse } from '../support/client.js';
import { startTestServer, type TestServer, type TestServerOptions } from '../support/server.js';

export const ADMIN_USERNAME = 'ops';

export interface AdminServer {
  s: TestServer;
  password: string;
}

/** A test server whose configuration seeds the admin `ops` with a fresh random password. */
export async function startAdminServer(o: TestServerOptions = {}): Promise<AdminServer> {
  const password = randomBytes(12).toString('base64url');
  const s = await startTestServer({ ...o, env: { ADMIN_USERNAME, ADMIN_PASSWORD_HASH: await hashPassword(password), ...o.env } });
  return { s, password };
}

export class AdminClient {
  cookie: string | null = null;
  csrfToken: string | null = null;
  lastSetCookie: string | null = null;

  /** `headers` go with every request (e.g. X-Forwarded-For, to log in from another address behind TRUST_PROXY) */
  constructor(
    readonly base: string,
    readonly headers: Record<string, string> = {},
  ) {}

  async request<T = any>(
    method: string,
    path: string,
    o: { body?: unknown; csrf?: string | false; headers?: Record<string, string>; raw?: string } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...this.headers, ...o.headers };
    if (this.cookie) headers.cookie = this.cookie;
    const csrf = o.csrf === undefined ? this.csrfToken : o.csrf;
    if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
    let payload: string | undefined = o.raw;
    if (o.body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(o.body);
    }
    const res = await fetch(`${this.base}${path}`, { method, headers, body: payload });
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('aizhao_admin='));
    if (setCookie) {
      this.lastSetCookie = setCookie;
      const pair = setCookie.split(';')[0]!;
      this.cookie = pair === 'aizhao_admin=' ? null : pair;
    }
    return readResponse<T>(res);
  }

  get<T = any>(path: string) {
    return this.request<T>('GET', `/admin/api${path}`);
  }

  post<T = any>(path: string, body?: unknown, o: { csrf?: string | false } = {}) {
    return this.request<T>('POST', `/admin/api${path}`, { body, ...o });
  }

  patch<T = any>(path: string, body?: unknown) {
    return this.request<T>('PATCH', `/admin/api${path}`, { body });
  }

  async login(username: string, password: string): Promise<ApiResponse> {
    const r = await this.post('/login', { username, password });
    if (r.status === 200) this.csrfToken = r.body.csrfToken;
    return r;
  }
}

/** A logged-in admin client (throws if the login fails). */
export async function adminLogin(base: string, password: string, username = ADMIN_USERNAME): Promise<AdminClient> {
  const c = new AdminClient(base);
  const r = await c.login(username, password);
  if (r.status !== 200) throw new Error(`admin login ${r.status} ${JSON.stringify(r.body)}`);
  return c;
}

/** Every admin endpoint, with a body that would be valid (ids that do not exist). */
export const ADMIN_ENDPOINTS: { method: 'GET' | 'POST'; path: string; body?: unknown }[] = [
  { method: 'GET', path: '/session' },
  { method: 'POST', path: '/logout' },
  { method: 'GET', path: '/dashboard' },
  { method: 'GET', path: '/users' },
  { method: 'GET', path: '/users/01HZZZZZZZZZZZZZZZZZZZZZZZ' },
  { method: 'POST', path: '/users/01HZZZZZZZZZZZZZZZZZZZZZZZ/quota-adjustments', body: { delta: 1, reason: 'x' } },
  { method: 'GET', path: '/orders' },
  { method: 'GET', path: '/orders/01HZZZZZZZZZZZZZZZZZZZZZZZ' },
  { method: 'POST', path: '/orders/01HZZZZZZZZZZZZZZZZZZZZZZZ/sync' },
  { method: 'POST', path: '/orders/01HZZZZZZZZZZZZZZZZZZZZZZZ/close' },
  { method: 'POST', path: '/orders/01HZZZZZZZZZZZZZZZZZZZZZZZ/refunds', body: { amountFen: 100, reason: 'x' } },
  { method: 'GET', path: '/tasks' },
  { method: 'GET', path: '/tasks/01HZZZZZZZZZZZZZZZZZZZZZZZ' },
  { method: 'POST', path: '/tasks/01HZZZZZZZZZZZZZZZZZZZZZZZ/fail-and-refund', body: { reason: 'x' } },
  { method: 'GET', path: '/audit-log' },
  { method: 'GET', path: '/plans' },
  { method: 'POST', path: '/plans', body: { kind: 'pack', name: 'x', priceFen: 1, quota: 1, enabled: false, sortOrder: 1 } },
  { method: 'GET', path: '/no-such-thing' },
];
