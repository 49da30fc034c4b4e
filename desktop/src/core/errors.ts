/** The one error type of the desktop's main process. Its message is Chinese and shown to the merchant as is. */
export class DesktopError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** HTTP status when the server answered; undefined for local and network errors */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DesktopError';
  }

  /** Worth another try later: the network, a timeout, the server or a vendor being briefly unavailable. */
  get transient(): boolean {
    return this.status === undefined ? this.code === 'NETWORK' : this.status >= 500 || this.status === 429;
  }
}

/** The server no longer keeps a task's results (its retention period is over, or the signed URL is refused). */
export const resultExpired = (): DesktopError => new DesktopError('RESULT_EXPIRED', '结果已过期：服务器上已不再保留这个结果');

export const networkError = (cause: unknown): DesktopError =>
  new DesktopError('NETWORK', '无法连接服务器，请检查网络后重试', undefined, { cause });

/** Maps anything thrown to the IPC envelope's error (never a raw Error across the bridge). */
export function toErrorPayload(e: unknown): { code: string; message: string } {
  if (e instanceof DesktopError) return { code: e.code, message: e.message };
  return { code: 'INTERNAL', message: '出了点问题，请重试；如果反复出现请联系客服' };
}
