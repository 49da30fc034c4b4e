/**
 * The renderer's only way to the main process: `window.api` with the `IpcResult` envelope unwrapped. A failed call
 * throws a `DesktopError` whose message is already Chinese and meant for the merchant.
 */
import { INVOKE_CHANNELS, type BridgeApi, type DesktopApi, type IpcResult, type NavigateTarget, type StateMessage } from '../../../shared/contract';

export class DesktopError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DesktopError';
  }
}

/** What a caller sees when something that is not a DesktopError goes wrong (a bug, a broken bridge). */
export const UNEXPECTED_ERROR = '出了点问题，请重试；如果反复出现请联系客服';

export function unwrap<T>(result: IpcResult<T>): T {
  if (result.ok) return result.value;
  throw new DesktopError(result.error.code, result.error.message);
}

/** The message to show for anything a call threw. */
export const errorMessage = (e: unknown): string => (e instanceof DesktopError ? e.message : UNEXPECTED_ERROR);

type Unwrapped<R> = R extends Promise<IpcResult<infer T>> ? Promise<T> : never;

export type Api = {
  [K in keyof DesktopApi]: (...args: Parameters<DesktopApi[K]>) => Unwrapped<ReturnType<DesktopApi[K]>>;
} & {
  pathForFile(file: File): string;
  onState(listener: (message: StateMessage) => void): () => void;
  onNavigate(listener: (target: NavigateTarget) => void): () => void;
};

/** Builds the unwrapped API over a bridge, looked up at each call (so the module loads before `window.api` exists). */
export function createApi(bridge: () => BridgeApi): Api {
  const calls = Object.fromEntries(
    INVOKE_CHANNELS.map((channel) => [
      channel,
      async (...args: unknown[]) => unwrap(await (bridge()[channel] as (...a: unknown[]) => Promise<IpcResult<unknown>>)(...args)),
    ]),
  );
  return {
    ...calls,
    pathForFile: (file: File) => bridge().pathForFile(file),
    onState: (listener: (message: StateMessage) => void) => bridge().onState(listener),
    onNavigate: (listener: (target: NavigateTarget) => void) => bridge().onNavigate(listener),
  } as Api;
}

export const api: Api = createApi(() => window.api);
