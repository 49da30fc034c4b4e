/**
 * The admin JSON API client (`/admin/api/*`, docs/api.md "Web admin"). The session is the httpOnly cookie the browser
 * keeps (same origin only); every state change carries the session's CSRF token in `X-CSRF-Token`.
 */
import type { AdminSession } from '@aizhao/shared';

const BASE = '/admin/api';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;
let username: string | null = null;
let onUnauthenticated: () => void = () => {};

export const currentAdmin = (): string | null => username;

/** Called when the session is gone (401 on anything but login): the app shows the login page. */
export function setUnauthenticatedHandler(fn: () => void): void {
  onUnauthenticated = fn;
}

function remember(session: AdminSession): void {
  csrfToken = session.csrfToken;
  username = session.admin.username;
}

function forget(): void {
  csrfToken = null;
  username = null;
}

export type Query = Record<string, string | number | null | undefined>;

function withQuery(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== null && v !== undefined && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function request<T>(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${BASE}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'NETWORK', '网络连接失败，请检查网络后重试');
  }
  if (res.status === 204) return undefined as T;
  let data: unknown = null;
  try {
    data = await res.json();
  } catch {
    /* not JSON: reported below */
  }
  if (!res.ok) {
    const err = (data as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    const code = typeof err?.code === 'string' ? err.code : 'HTTP_' + res.status;
    const message = typeof err?.message === 'string' ? err.message : `请求失败（HTTP ${res.status}）`;
    if (res.status === 401 && path !== '/login' && path !== '/session') {
      forget();
      onUnauthenticated();
    }
    throw new ApiError(res.status, code, message);
  }
  return data as T;
}

export const api = {
  get: <T>(path: string, query?: Query): Promise<T> => request<T>('GET', withQuery(path, query)),
  post: <T>(path: string, body?: unknown): Promise<T> => request<T>('POST', path, body),
  patch: <T>(path: string, body?: unknown): Promise<T> => request<T>('PATCH', path, body),

  async login(user: string, password: string): Promise<AdminSession> {
    const session = await request<AdminSession>('POST', '/login', { username: user, password });
    remember(session);
    return session;
  },

  /** The current session after a reload, or null when there is none. */
  async session(): Promise<AdminSession | null> {
    try {
      const session = await request<AdminSession>('GET', '/session');
      remember(session);
      return session;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return null;
      throw err;
    }
  },

  async logout(): Promise<void> {
    try {
      await request<void>('POST', '/logout');
    } finally {
      forget();
    }
  },
};

/** The message to show for anything thrown by an API call. */
export const errorMessage = (err: unknown): string =>
  err instanceof ApiError ? err.message : err instanceof Error ? `出错了：${err.message}` : '出错了，请重试';
