/**
 * A scripted main process for renderer tests: `getState` and `getSnapshot` answer the current state, every other call answers what
 * its handler returns (null by default; `listExportPresets` the real fixed presets) and is recorded; a handler throws
 * `ipcError(...)` to answer a failure.
 */
import { presetViews } from '../../src/core/exports/presets.js';
import type { AppState, DesktopApi, InvokeChannel, IpcResult } from '../../src/shared/contract.js';
import type { Invoker } from './renderer-harness.js';

type Value<K extends InvokeChannel> = Awaited<ReturnType<DesktopApi[K]>> extends IpcResult<infer T> ? T : never;

export type Handlers = { [K in InvokeChannel]?: (...args: Parameters<DesktopApi[K]>) => Value<K> | Promise<Value<K>> };

export class IpcFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const ipcError = (code: string, message: string): IpcFailure => new IpcFailure(code, message);

export interface RecordedCall {
  channel: InvokeChannel;
  args: unknown[];
}

export class ScriptedBridge {
  readonly calls: RecordedCall[] = [];
  /** the version `getSnapshot` answers with: 0 is older than any state a test pushes (pushState numbers them from 1) */
  snapshotVersion = 0;

  private readonly handlers: Handlers;

  constructor(
    public state: AppState,
    handlers: Handlers = {},
  ) {
    this.handlers = { listExportPresets: () => presetViews(), ...handlers };
  }

  readonly invoke: Invoker = async (channel, args) => {
    this.calls.push({ channel, args });
    if (channel === 'getState') return { ok: true, value: this.state };
    if (channel === 'getSnapshot') return { ok: true, value: { kind: 'snapshot', version: this.snapshotVersion, state: this.state } };
    const handler = this.handlers[channel] as ((...a: unknown[]) => unknown) | undefined;
    try {
      return { ok: true, value: handler ? await handler(...args) : null };
    } catch (e) {
      if (e instanceof IpcFailure) return { ok: false, error: { code: e.code, message: e.message } };
      throw e;
    }
  };

  /** The argument lists of every call to `channel`, in order. */
  argsOf(channel: InvokeChannel): unknown[][] {
    return this.calls.filter((c) => c.channel === channel).map((c) => c.args);
  }
}
